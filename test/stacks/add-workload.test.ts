/**
 * Onboarding is additive (F-14, F-26): adding a workload adds exactly its bootstrap and
 * payments stacks, leaves every other workload's stacks byte-identical, and changes the
 * shared stacks (deployment, log-archive) only by grants that name the new account.
 */
import type { Manifest, WorkloadInput } from '../../accounts/schema';
import { tlsDomains } from '../support/manifests';
import { exampleManifest, parseManifest, synthManifest } from '../support/synth';
import { otherOrgInput } from './other-org';

const NEW_ACCOUNT = '299999999999';
const newcomer: WorkloadInput = {
  name: 'newcomer',
  accountId: NEW_ACCOUNT,
  environment: 'prod',
  organizationalUnit: 'Workloads/Prod',
  primaryRegion: 'ca-central-1',
  replicaRegions: ['us-east-1'],
  alertEmails: ['newcomer@example.com'],
  payments: { currencies: ['CAD'], maxAmountMinor: 10_000, fraudReviewThresholdMinor: 5_000 },
  api: { domains: tlsDomains(NEW_ACCOUNT, 'newcomer', ['ca-central-1', 'us-east-1']) },
};

/** Removes every trace of the new account: array entries naming it, statements left empty, policies inside JSON strings. */
function withoutAccount(value: unknown, id: string): unknown {
  if (typeof value === 'string') {
    if (value.trimStart().startsWith('{') && value.includes('"Statement"')) {
      const doc = JSON.parse(value) as { Statement: Record<string, unknown>[] };
      doc.Statement = doc.Statement.map((s) => withoutAccount(s, id) as Record<string, unknown>).filter((s) => !Object.values(s).some((v) => Array.isArray(v) && v.length === 0));
      return JSON.stringify(doc);
    }
    return value;
  }
  if (Array.isArray(value)) return value.filter((v) => !(typeof v === 'string' && v.includes(id))).map((v) => withoutAccount(v, id));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutAccount(v, id)]));
  return value;
}

const cases: [string, Manifest, Manifest][] = [
  ['example manifest', exampleManifest(), parseManifest({ ...structuredClone(exampleManifest()), workloads: [...exampleManifest().workloads, newcomer] })],
  ['another organisation', parseManifest(structuredClone(otherOrgInput)), parseManifest({ ...structuredClone(otherOrgInput), workloads: [...structuredClone(otherOrgInput.workloads), newcomer] })],
];

describe.each(cases)('adding a workload — %s', (_label, before, after) => {
  const a = synthManifest(before);
  const b = synthManifest(after);

  test('given one more workload, then exactly its bootstrap and payments stacks are added', () => {
    const added = [...b.stacks.keys()].filter((n) => !a.stacks.has(n)).sort();
    expect(added).toEqual(['bootstrap-newcomer', 'payments-newcomer-ca-central-1', 'payments-newcomer-us-east-1']);
    expect([...a.stacks.keys()].filter((n) => !b.stacks.has(n))).toEqual([]);
  });

  test("given the other workloads' stacks, then none changes", () => {
    for (const spec of a.specs.filter((s) => s.workload !== undefined)) expect(b.stacks.get(spec.name)).toEqual(a.stacks.get(spec.name));
  });

  test('given the shared stacks, then they change only by grants naming the new account', () => {
    for (const spec of a.specs.filter((s) => s.workload === undefined)) {
      const old = a.stacks.get(spec.name)!;
      const now = b.stacks.get(spec.name)!;
      expect(JSON.stringify(old)).not.toContain(NEW_ACCOUNT);
      expect(withoutAccount(now, NEW_ACCOUNT)).toEqual(old);
    }
  });

  test("given the deployment stack, then the new account appears in exactly the read-only CI roles' plan grants and its stage's apply grant", () => {
    const dep = b.specs.find((s) => s.kind === 'deployment')!;
    const tf = b.stacks.get(dep.name)!;
    const roleName = (ref: unknown) => String(tf.resource!.aws_iam_role![/^\$\{aws_iam_role\.(.+)\.name\}$/.exec(String(ref))![1]!]!.name);
    const policies = Object.entries(tf.resource?.aws_iam_role_policy ?? {}).filter(([, v]) => String(v.policy).includes(NEW_ACCOUNT));
    const stage = newcomer.environment === 'prod' ? 'prod' : 'nonprod';
    const p = b.manifest.project;
    expect(policies.map(([, v]) => `${roleName(v.role)} ${String(v.name)}`).sort()).toEqual(
      [`${p}-ci-apply-${stage} assume-deploy-roles`, `${p}-ci-drift assume-plan-roles`, `${p}-ci-plan assume-plan-roles`, `${p}-ci-preview assume-plan-roles`].sort(),
    );
  });
});
