/**
 * The counters table as synthesized in every payments stack (every region of every workload,
 * of the example organisation and of another one): a regional table, never replicated,
 * encrypted with the workload's key in its region, recoverable, expiring its items; the fraud
 * function is its only user, limited to velocity-window keys, and has no access to the
 * replicated payments table. Roles are evaluated with the IAM simulator.
 */
import type { Manifest, Workload } from '../../../accounts/schema';
import { currencyLimitsOf } from '../../../accounts/schema';
import { Naming } from '../../../modules/core/naming';
import { simulate, type PolicyDocument } from '../../support/iam-sim';
import { otherOrganisation } from '../../support/manifests';
import { exampleManifest, parseManifest, policyJson, resourcesOf, synthManifest, type TfJson } from '../../support/synth';

type Cfg = Record<string, any>;
const resources = (tf: TfJson, type: string) => resourcesOf(tf, type) as [string, Cfg][];
const cases: [string, () => Manifest][] = [
  ['example organisation', exampleManifest],
  ['another organisation', () => parseManifest(otherOrganisation())],
];

describe.each(cases)('counters table — %s', (_label, load) => {
  const m = load();
  const s = synthManifest(m);
  const naming = new Naming(m);
  const paymentsStacks = s.specs.filter((x) => x.kind === 'payments');
  const workloadOf = (name: string): Workload => m.workloads.find((w) => w.name === name)!;

  test('given every payments stack, then it creates its own counters table: not replicated, KMS-encrypted with the data key of its region, PITR on, TTL on expiresAt, deletion protection in prod', () => {
    for (const spec of paymentsStacks) {
      const w = workloadOf(spec.workload!);
      const tf = s.stacks.get(spec.name)!;
      const counters = resources(tf, 'aws_dynamodb_table').filter(([, t]) => t.name === naming.forWorkload(w).table('counters'));
      expect([spec.name, counters.length]).toEqual([spec.name, 1]);
      const [, t] = counters[0]!;
      expect([spec.name, t.replica, t.stream_enabled]).toEqual([spec.name, undefined, undefined]);
      expect(t.hash_key).toBe('counterKey');
      expect(t.server_side_encryption).toEqual({ enabled: true, kms_key_arn: expect.stringMatching(/^\$\{(data\.aws_kms_alias|aws_kms_key|aws_kms_replica_key)\./) });
      expect(t.point_in_time_recovery).toEqual({ enabled: true });
      expect(t.ttl).toEqual({ attribute_name: 'expiresAt', enabled: true });
      expect([spec.name, t.deletion_protection_enabled]).toEqual([spec.name, w.environment === 'prod']);
    }
  });

  test("given each currency's limits in the manifest, then the validate and fraud functions are given them per currency", () => {
    for (const spec of paymentsStacks) {
      const w = workloadOf(spec.workload!);
      const env = (purpose: string) =>
        resources(s.stacks.get(spec.name)!, 'aws_lambda_function').find(([, f]) => f.function_name === naming.forWorkload(w).function(purpose as 'fraud'))![1].environment.variables;
      for (const purpose of ['validate', 'fraud']) expect([spec.name, purpose, JSON.parse(env(purpose).PAYMENT_LIMITS)]).toEqual([spec.name, purpose, currencyLimitsOf(w)]);
      expect(env('fraud').COUNTERS_TABLE).toBe(naming.forWorkload(w).table('counters'));
      expect(env('fraud').PAYMENTS_TABLE).toBeUndefined();
    }
  });

  test('F-05: given the fraud role, then it may read and write velocity windows of its region only, no other key of the counters table, and nothing of the payments table', async () => {
    for (const spec of paymentsStacks) {
      const w = workloadOf(spec.workload!);
      const n = naming.forWorkload(w);
      const tf = s.stacks.get(spec.name)!;
      const [roleId, role] = resources(tf, 'aws_iam_role').find(([, r]) => r.name === n.role('fraud', spec.region))!;
      const policies = resources(tf, 'aws_iam_role_policy')
        .filter(([, p]) => String(p.role).includes(`.${roleId}.`))
        .map(
          ([, p]) =>
            policyJson(JSON.parse(JSON.stringify(p.policy).replaceAll(`\${aws_dynamodb_table.${countersId(tf, n.table('counters'))}.arn}`, n.tableArn('counters', spec.region)))) as PolicyDocument,
        );
      const ask = (action: string, resource: string, leadingKeys: string[]) =>
        simulate({
          principal: `arn:aws:iam::${spec.accountId}:role/${role.name}`,
          action,
          resource,
          resourceAccount: spec.accountId,
          identityPolicies: policies,
          context: { 'dynamodb:LeadingKeys': leadingKeys },
        });
      const counters = n.tableArn('counters', spec.region);
      for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem']) {
        expect([spec.name, action, await ask(action, counters, ['window#mer_123#0123456789abcdef0123456789abcdef'])]).toEqual([spec.name, action, 'Allowed']);
        expect([spec.name, action, await ask(action, counters, ['pay_0123456789abcdef0123456789abcdef'])]).toEqual([spec.name, action, 'ImplicitlyDenied']);
        expect([spec.name, action, await ask(action, n.tableArn('payments', spec.region), ['velocity#cus_1'])]).toEqual([spec.name, action, 'ImplicitlyDenied']);
      }
      for (const action of ['dynamodb:DeleteItem', 'dynamodb:Scan', 'dynamodb:UpdateItem']) {
        expect([spec.name, action, await ask(action, counters, ['window#mer_123#0123456789abcdef0123456789abcdef'])]).toEqual([spec.name, action, 'ImplicitlyDenied']);
      }
      for (const other of w.replicaRegions.concat(w.primaryRegion).filter((r) => r !== spec.region)) {
        expect(await ask('dynamodb:PutItem', n.tableArn('counters', other), ['window#mer_123#0123456789abcdef0123456789abcdef'])).toBe('ImplicitlyDenied');
      }
    }
  });
});

/** The logical id of the table of that name in a stack (its ARN is a reference until applied). */
function countersId(tf: TfJson, name: string): string {
  return resources(tf, 'aws_dynamodb_table').find(([, t]) => t.name === name)![0];
}
