/**
 * F-11: every physical name is derived from the manifest, valid for its service,
 * and unique where the service needs it to be — for any valid manifest, not just
 * the example (property-based over generated manifests).
 */
import fc from 'fast-check';
import { apiClientsOf, validateManifest, type Manifest } from '../../../accounts/schema';
import {
  ACCESS_ROLE_PURPOSES,
  BUCKET_PURPOSES,
  CI_ROLE_PURPOSES,
  FUNCTION_PURPOSES,
  KEY_PURPOSES,
  NAME_RULES,
  Naming,
  QUEUE_PURPOSES,
  SCHEDULE_PURPOSES,
  TABLE_PURPOSES,
  TOPIC_PURPOSES,
  WORKLOAD_ROLE_PURPOSES,
  checkName,
  stackNames,
  type NameKind,
} from '../../../modules/core/naming';
import { manifestArb } from '../../support/arbitraries';

interface Named {
  kind: NameKind;
  scope: string;
  name: string;
  thing: string;
}

/** Every name the naming module gives for a manifest, with the scope in which it must be unique. */
function catalogue(m: Manifest): Named[] {
  const n = new Naming(m);
  const out: Named[] = [];
  let counter = 0;
  /** Each call names a distinct thing; two distinct things must not share a name in one scope. */
  const add = (kind: NameKind, scope: string, name: string) => out.push({ kind, scope, name, thing: `${kind}#${counter++}` });
  const shared = [
    { accountId: m.deployment.accountId, region: m.deployment.region },
    { accountId: m.logArchive.accountId, region: m.logArchive.region },
  ];
  add('stack', 'app', stackNames.deployment(m.deployment.region));
  add('stack', 'app', stackNames.logArchive(m.logArchive.region));
  for (const s of shared) for (const p of BUCKET_PURPOSES) add('s3Bucket', 'global', n.bucket(p, s.accountId, s.region));
  for (const p of CI_ROLE_PURPOSES) add('iamRole', m.deployment.accountId, n.ciRoleName(p));
  for (const p of KEY_PURPOSES) add('kmsAlias', `${m.deployment.accountId}`, n.keyAlias(p));
  const accounts = [m.deployment.accountId, m.logArchive.accountId, ...m.workloads.map((w) => w.accountId)];
  for (const a of accounts) for (const p of ACCESS_ROLE_PURPOSES) add('iamRole', a, n.accessRoleName(p));
  for (const w of m.workloads) {
    const wn = n.forWorkload(w);
    add('stack', 'app', stackNames.bootstrap(w.name));
    for (const p of WORKLOAD_ROLE_PURPOSES) add('iamRole', w.accountId, wn.role(p));
    for (const p of TABLE_PURPOSES) add('dynamodbTable', w.accountId, wn.table(p));
    for (const region of wn.regions) {
      const here = `${w.accountId}/${region}`;
      add('stack', 'app', stackNames.payments(w.name, region));
      for (const p of BUCKET_PURPOSES) add('s3Bucket', 'global', wn.bucket(p, region));
      for (const p of WORKLOAD_ROLE_PURPOSES) add('iamRole', w.accountId, wn.role(p, region));
      for (const p of FUNCTION_PURPOSES) {
        add('lambdaFunction', here, wn.function(p));
        add('logGroup', here, wn.logGroup('lambda', p));
      }
      add('stateMachine', here, wn.stateMachine());
      add('logGroup', here, wn.logGroup('states'));
      add('logGroup', here, wn.logGroup('api'));
      add('restApi', here, wn.restApi());
      for (const p of QUEUE_PURPOSES) add('sqsQueue', here, wn.queue(p));
      for (const p of TOPIC_PURPOSES) add('snsTopic', here, wn.topic(p));
      for (const p of KEY_PURPOSES) add('kmsAlias', here, wn.keyAlias(p));
      add('dashboard', here, wn.dashboard(region));
      add('secret', here, wn.secret('gateway'));
      for (const p of SCHEDULE_PURPOSES) add('eventRule', here, wn.scheduleRule(p));
      for (const c of apiClientsOf(w)) add('usagePlan', here, wn.apiClient(c.name));
    }
  }
  return out;
}

function parse(input: unknown): Manifest {
  const r = validateManifest(input);
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return r.manifest;
}

describe('naming (F-11)', () => {
  test('given any valid manifest, when every name is derived, then each satisfies its service limits', () => {
    fc.assert(
      fc.property(manifestArb, (input) => {
        const bad = catalogue(parse(input)).filter(({ kind, name }) => name.length > NAME_RULES[kind].max || !NAME_RULES[kind].pattern.test(name));
        expect(bad).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  test('given any valid manifest, then distinct things never share a name in the scope the service requires (global buckets, per-account IAM and tables, per-region others)', () => {
    fc.assert(
      fc.property(manifestArb, (input) => {
        const owners = new Map<string, string>();
        const collisions: string[] = [];
        for (const { kind, scope, name, thing } of catalogue(parse(input))) {
          const key = `${kind}|${scope}|${name}`;
          const first = owners.get(key);
          if (first !== undefined && first !== thing) collisions.push(`${key} (${first} and ${thing})`);
          owners.set(key, first ?? thing);
        }
        expect(collisions).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  test('given two different organisations, then their global bucket names never collide', () => {
    fc.assert(
      fc.property(manifestArb, manifestArb, (a, b) => {
        const ma = parse(a);
        const mb = parse(b);
        const ids = (m: Manifest) => new Set([m.deployment.accountId, m.logArchive.accountId, ...m.workloads.map((w) => w.accountId)]);
        fc.pre([...ids(ma)].every((id) => !ids(mb).has(id)));
        const buckets = (m: Manifest) =>
          catalogue(m)
            .filter((x) => x.kind === 's3Bucket')
            .map((x) => x.name);
        const inB = new Set(buckets(mb));
        expect(buckets(ma).filter((x) => inB.has(x))).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  test('given names past a service limit or with bad characters, when checked, then the error says which limit and how to fix it', () => {
    expect(() => checkName('s3Bucket', `a${'b'.repeat(63)}`)).toThrow(/64 characters; the limit is 3..63/);
    expect(() => checkName('s3Bucket', 'Upper-Case')).toThrow(/lowercase letters, digits and hyphens/);
    expect(() => checkName('iamRole', 'r'.repeat(65))).toThrow(/limit is 1..64/);
    expect(() => checkName('lambdaFunction', 'has.dot')).toThrow(/invalid/);
    expect(() => checkName('stateMachine', 's'.repeat(81))).toThrow(/limit is 1..80/);
    expect(() => checkName('logGroup', `/${'g'.repeat(512)}`)).toThrow(/limit is 1..512/);
    expect(() => checkName('kmsAlias', 'alias/aws/s3')).toThrow(/invalid/);
  });
});
