/**
 * Mutation testing of the guardrails (F-14, F-15, F-18, F-19, F-22, F-24): every mistake of the
 * catalogue, applied to the synthesized JSON of the example organisation and of another
 * organisation nobody tuned the rules to, must be reported by the rule the catalogue names,
 * on the resource it changed, by the same check `npm run synth` and `npm run guardrails` run.
 * The suite prints the catch rate per organisation and per area.
 */
import { checkStack, organisationOf, PAYMENTS_RULE_PACK, type Organisation, type StackReport } from '../../modules/guardrails';
import type { Manifest } from '../../accounts/schema';
import { otherOrganisation } from '../support/manifests';
import { exampleManifest, parseManifest, synthManifest } from '../support/synth';
import { MUTATIONS, Workspace, type Area, type Mutation, type Target } from './mutations';

const ORGANISATIONS: [label: string, manifest: () => Manifest][] = [
  ['the example organisation', exampleManifest],
  ['another organisation', () => parseManifest(otherOrganisation())],
];

interface Outcome {
  readonly target: Target;
  readonly reports: Map<string, StackReport>;
}

function mutate(manifest: Manifest, mutation: Mutation): Outcome {
  const organisation: Organisation = organisationOf(manifest);
  const w = new Workspace(synthManifest(manifest).stacks, manifest, organisation);
  const target = mutation.apply(w);
  const reports = new Map([...w.changed].map(([stack, tf]) => [stack, checkStack(stack, tf, PAYMENTS_RULE_PACK, organisation)]));
  return { target, reports };
}

const caught = (o: Outcome, rule: string) => (o.reports.get(o.target.stack)?.findings ?? []).some((f) => f.ruleId === rule && f.address === o.target.address);

const tally = new Map<string, { caught: number; total: number }>();
const count = (key: string, hit: boolean) => {
  const t = tally.get(key) ?? { caught: 0, total: 0 };
  tally.set(key, { caught: t.caught + (hit ? 1 : 0), total: t.total + 1 });
};

afterAll(() => {
  const lines = [...tally].map(([key, t]) => `  ${key.padEnd(48)} ${t.caught}/${t.total} caught (${((100 * t.caught) / t.total).toFixed(0)}%)`);
  process.stdout.write(`\nGuardrails mutation catch rate (${MUTATIONS.length} mistakes per organisation):\n${lines.join('\n')}\n`);
});

describe('the catalogue', () => {
  test('given the catalogue, then it holds at least 30 distinct mistakes, covers every area, and names only rules of the pack', () => {
    const areas: Area[] = ['IAM', 'KMS', 'S3', 'DynamoDB', 'Lambda', 'Step Functions', 'API Gateway', 'SNS/SQS', 'CloudWatch Logs', 'Providers/backend'];
    expect(MUTATIONS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(MUTATIONS.map((m) => m.id)).size).toBe(MUTATIONS.length);
    expect([...new Set(MUTATIONS.map((m) => m.area))].sort()).toEqual([...areas].sort());
    const ruleIds = PAYMENTS_RULE_PACK.rules.map((r) => r.id);
    expect(MUTATIONS.filter((m) => !ruleIds.includes(m.rule)).map((m) => m.id)).toEqual([]);
  });

  test('given the pack, then every rule is the expected catch of at least one mutation (a new rule comes with its mutations)', () => {
    const expected = new Set(MUTATIONS.map((m) => m.rule));
    expect(PAYMENTS_RULE_PACK.rules.map((r) => r.id).filter((id) => !expected.has(id))).toEqual([]);
  });

  test.each(ORGANISATIONS)('given %s unchanged, when checked with its organisation, then no stack has a finding (the mutations start from a clean synth)', (_label, manifest) => {
    const m = manifest();
    const organisation = organisationOf(m);
    const findings = [...synthManifest(m).stacks].flatMap(([stack, tf]) => checkStack(stack, tf, PAYMENTS_RULE_PACK, organisation).findings);
    expect(findings).toEqual([]);
  });
});

describe.each(ORGANISATIONS)('mutations of %s', (label, manifest) => {
  test.each(MUTATIONS.map((m) => [m.id, m.mistake, m] as const))('%s: given %s, when checked, then the expected rule reports the changed resource', (_id, _mistake, mutation) => {
    const outcome = mutate(manifest(), mutation);
    const hit = caught(outcome, mutation.rule);
    count(label, hit);
    count(`${label} / ${mutation.area}`, hit);
    const findings = (outcome.reports.get(outcome.target.stack)?.findings ?? []).map((f) => `${f.ruleId} ${f.address}`);
    expect({ caught: hit, findings }).toEqual({ caught: true, findings: expect.arrayContaining([`${mutation.rule} ${outcome.target.address}`]) });
  });
});
