/**
 * The apply-permission check (tools/permissions): every call the provider makes for every
 * synthesized resource, evaluated with the IAM simulator against the role that applies the
 * stack (the deploy role's policy and boundary) and, for refresh, against the plan role.
 * Stacks are synthesized in memory from the manifests; variations are made on a copy of the
 * synthesized JSON, never on hand-written documents.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Manifest } from '../../accounts/schema';
import { Naming } from '../../modules/core/naming';
import { GENERATED_REGIONS, generatedManifest } from '../../tools/bench-synth';
import { ACTION_TABLE } from '../../tools/permissions/actions';
import { checkPermissions, formatFindings, main, type CheckResult, type Evaluation } from '../../tools/permissions/check';
import type { TfJson } from '../../modules/core/terraform-json';
import { PolicySimulator } from '../../tools/permissions/simulator';
import { exampleManifest, parseManifest, synthManifest } from '../support/synth';

type Cfg = Record<string, any>;

/** One line per denied call, without the account-specific ARN: what a reader fixes. */
const line = (e: Evaluation) => `${e.stack} ${e.address} ${e.phase} ${e.action} as ${e.role}: ${e.decision}`;
const findings = (r: CheckResult) => [
  ...r.unknownTypes.map((u) => `unknown ${u.stack} ${u.address}`),
  ...r.problems.map((p) => `error ${p.stack} ${p.address ?? ''} ${p.message}`),
  ...r.denied.map(line),
];

/** A deep copy of the synthesized stacks, to change one thing and see the check notice. */
function copyOf(stacks: ReadonlyMap<string, unknown>): Map<string, TfJson> {
  return new Map([...stacks].map(([name, tf]) => [name, structuredClone(tf) as TfJson]));
}

/** The example workload's stacks (its bootstrap and payments stacks) and the stacks they need. */
function workloadStacks(m: Manifest, stacks: ReadonlyMap<string, unknown>): { name: string; primary: string; subset: Map<string, TfJson> } {
  const w = m.workloads.find((x) => x.replicaRegions.length > 0) ?? m.workloads[0]!;
  const names = [...stacks.keys()].filter((n) => n === `bootstrap-${w.name}` || n.startsWith(`payments-${w.name}-`));
  return { name: w.name, primary: `payments-${w.name}-${w.primaryRegion}`, subset: copyOf(new Map(names.map((n) => [n, stacks.get(n)!]))) };
}

/**
 * One simulator for the checks of the example organisation and the variations below: its cache
 * gives the answers the simulator gives (see "gives the same answers with and without the
 * simulator cache"), so a variation simulates only the calls it changed.
 */
const simulator = new PolicySimulator();

describe('apply and plan permissions of the example organisation', () => {
  const m = exampleManifest();
  const s = synthManifest(m);
  let result: CheckResult;
  beforeAll(async () => {
    result = await checkPermissions(s.stacks as ReadonlyMap<string, TfJson>, { simulator });
  });

  it('has a row for every resource type and data source the stacks synthesize', () => {
    // given the synthesized example organisation, when it is checked, then no type is unknown
    expect(result.unknownTypes).toEqual([]);
  });

  it('allows every call of every stack to the role that applies it, and every refresh to the plan role', () => {
    // given every stack of the example organisation, when every provider call is evaluated, then none is denied
    expect(findings(result)).toEqual([]);
  });

  it('lists the stacks an administrator applies with access_role=bootstrap, and evaluates only their refresh', () => {
    // given the stacks that own the access roles, when checked, then they are "administrator apply" and only the plan role is evaluated on them
    const administrator = result.stacks
      .filter((x) => x.appliedBy === 'administrator apply')
      .map((x) => x.stack)
      .sort();
    const expected = s.specs
      .filter((spec) => spec.kind !== 'payments')
      .map((spec) => spec.name)
      .sort();
    expect(administrator).toEqual(expected);
    expect(
      result.stacks
        .filter((x) => x.appliedBy === 'deploy role')
        .map((x) => x.stack)
        .sort(),
    ).toEqual(
      s.specs
        .filter((spec) => spec.kind === 'payments')
        .map((spec) => spec.name)
        .sort(),
    );
  });
});

describe('apply and plan permissions of a generated organisation with a workload per region, each in three regions', () => {
  it('allows every call', async () => {
    // given one workload per region the generator uses, each in a primary and two replica regions (so that every region
    // is once a primary, once a first and once a second replica), environments in turn, when every stack is checked, then no call is denied
    const n = GENERATED_REGIONS.length;
    const m = parseManifest(generatedManifest(n));
    const s = synthManifest(m);
    expect(s.specs.filter((spec) => spec.kind === 'payments')).toHaveLength(3 * n);
    for (const position of [0, 1, 2]) {
      const used = new Set(m.workloads.map((w) => [w.primaryRegion, ...w.replicaRegions][position]));
      expect([...used].sort()).toEqual([...GENERATED_REGIONS].sort());
    }
    const started = Date.now();
    const result = await checkPermissions(s.stacks as ReadonlyMap<string, TfJson>);
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`${n} × 3 check: ${result.evaluations} calls, ${result.simulations} simulated, ${seconds.toFixed(1)} s\n`);
    // Denials repeat per workload; one line per (type, phase, action, role) keeps a failure readable.
    const distinct = [...new Set(result.denied.map((e) => `${e.type} ${e.phase} ${e.action} as ${e.role}: ${e.decision}`))].sort();
    expect([...result.unknownTypes.map((u) => `unknown ${u.type}`), ...result.problems.map((p) => `error ${p.stack} ${p.message}`), ...distinct]).toEqual([]);
  }, 300_000);
});

describe('what the check catches', () => {
  const m = exampleManifest();
  const s = synthManifest(m);
  const naming = new Naming(m);
  const { subset, primary } = workloadStacks(m, s.stacks);

  it('fails a resource type without a row, by name', async () => {
    // given a payments stack with a resource of a type the action table does not know
    const stacks = copyOf(subset);
    const tf = stacks.get(primary)!;
    tf.resource = { ...tf.resource, aws_imaginary_widget: { spare: { name: `${naming.project}-spare` } } };
    // when it is checked
    const result = await checkPermissions(stacks, { simulator });
    // then the check fails and names the type
    expect(result.ok).toBe(false);
    expect(result.unknownTypes).toEqual([{ stack: primary, address: 'aws_imaginary_widget.spare', kind: 'resource', type: 'aws_imaginary_widget' }]);
    expect(formatFindings(result)).toContain('aws_imaginary_widget');
  });

  it('denies iam:CreateRole to the deploy role for a role without the permissions boundary, and allows it with the boundary', async () => {
    // given a payments stack with two more roles, one without a boundary and one with the account's deploy boundary
    const stacks = copyOf(subset);
    const tf = stacks.get(primary)!;
    const accountId = (tf.provider!.aws![0]!.allowed_account_ids as string[])[0]!;
    const [, template] = Object.entries(tf.resource!.aws_iam_role!)[0]!;
    const { permissions_boundary: _ignored, ...withoutBoundary } = template as Cfg;
    tf.resource!.aws_iam_role = {
      ...tf.resource!.aws_iam_role,
      unbounded: { ...withoutBoundary, name: `${naming.project}-unbounded` },
      bounded: { ...withoutBoundary, name: `${naming.project}-bounded`, permissions_boundary: naming.boundaryPolicyArn(accountId) },
    };
    // when it is checked
    const result = await checkPermissions(stacks, { simulator });
    const createRole = (address: string) => result.denied.filter((e) => e.address === address && e.action === 'iam:CreateRole' && e.role === 'deploy');
    // then creating the role without the boundary is denied, and with it allowed
    expect(createRole('aws_iam_role.unbounded').map(line)).toEqual([`${primary} aws_iam_role.unbounded create iam:CreateRole as deploy: ImplicitlyDenied`]);
    expect(createRole('aws_iam_role.bounded')).toEqual([]);
  });

  it('reports the refresh calls the plan role may not make', async () => {
    // given the workload's plan role without any SQS read permission
    const stacks = copyOf(subset);
    const bootstrap = [...stacks.entries()].find(([n]) => n.startsWith('bootstrap-'))![1];
    const planRoleName = naming.accessRoleName('plan');
    const planRoleAddress = Object.entries(bootstrap.resource!.aws_iam_role!).find(([, r]) => (r as Cfg).name === planRoleName)![0];
    const [, planPolicy] = Object.entries(bootstrap.resource!.aws_iam_role_policy!).find(([, p]) => String((p as Cfg).role).includes(`aws_iam_role.${planRoleAddress}.`))!;
    const doc = JSON.parse((planPolicy as Cfg).policy);
    doc.Statement = doc.Statement.filter((st: Cfg) => !([] as string[]).concat(st.Action).some((a) => a.startsWith('sqs:')));
    (planPolicy as Cfg).policy = JSON.stringify(doc);
    // when it is checked
    const result = await checkPermissions(stacks, { simulator });
    // then every refresh call on the queue is reported against the plan role, and no other role's
    const queueReads = result.denied.filter((e) => e.type === 'aws_sqs_queue');
    expect(queueReads.length).toBeGreaterThan(0);
    expect(new Set(queueReads.map((e) => `${e.phase} ${e.role}`))).toEqual(new Set(['read plan']));
    expect(queueReads.map((e) => e.action)).toEqual(expect.arrayContaining(['sqs:GetQueueAttributes', 'sqs:ListQueueTags']));
  });

  it('gives the same answers with and without the simulator cache', async () => {
    // given one workload's bootstrap and primary payments stack, when checked once with the cache and once simulating every call
    const stacks = new Map([...subset].filter(([n]) => n === primary || n.startsWith('bootstrap-')));
    const cached = await checkPermissions(stacks, { all: true });
    const uncached = await checkPermissions(stacks, { all: true, simulator: new PolicySimulator({ cache: false }) });
    // then every decision is the same, and the cache ran the simulator fewer times
    const decisions = (r: CheckResult) => r.all!.map((e) => `${e.stack} ${e.address} ${e.phase} ${e.action} ${e.resource} ${e.role} ${e.decision}`);
    expect(decisions(cached)).toEqual(decisions(uncached));
    expect(cached.simulations).toBeLessThan(uncached.simulations);
  }, 120_000);
});

describe('the action table', () => {
  it('says what is uncertain wherever a row is uncertain', () => {
    // given every row, then an uncertain row explains itself and every row cites its basis
    for (const row of ACTION_TABLE) {
      expect(row.basis.length).toBeGreaterThan(0);
      if (row.certainty === 'uncertain') expect(row.uncertain ?? '').not.toBe('');
    }
  });
});

describe('npm run permissions', () => {
  const m = exampleManifest();
  const s = synthManifest(m);
  const naming = new Naming(m);
  const { subset, primary } = workloadStacks(m, s.stacks);
  let dir: string;
  let out: string;
  let err: string;
  const capture = async (argv: string[]): Promise<number> => {
    out = '';
    err = '';
    const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
    const e = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
    try {
      return await main(argv);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  };
  beforeAll(() => {
    // given a synthesized output directory whose payments stack has a role without the boundary
    dir = mkdtempSync(join(tmpdir(), 'permissions-'));
    const stacks = copyOf(subset);
    const tf = stacks.get(primary)!;
    const [, template] = Object.entries(tf.resource!.aws_iam_role!)[0]!;
    const { permissions_boundary: _ignored, ...withoutBoundary } = template as Cfg;
    tf.resource!.aws_iam_role = { ...tf.resource!.aws_iam_role, unbounded: { ...withoutBoundary, name: `${naming.project}-unbounded` } };
    for (const [name, json] of stacks) {
      mkdirSync(join(dir, 'stacks', name), { recursive: true });
      writeFileSync(join(dir, 'stacks', name, 'cdk.tf.json'), JSON.stringify(json));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 1 and lists the denied call, with the full result as JSON on stdout', async () => {
    // when the tool reads that directory with --json
    const code = await capture(['--dir', dir, '--json']);
    // then it exits 1, the JSON names the denied CreateRole, and stderr carries one summary line
    expect(code).toBe(1);
    const result = JSON.parse(out) as CheckResult;
    expect(result.denied.map(line)).toContain(`${primary} aws_iam_role.unbounded create iam:CreateRole as deploy: ImplicitlyDenied`);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^permissions: \d+ stacks/);
  });

  it('rejects an unknown flag with the usage and exit 2', async () => {
    // when called with a flag it does not know, then exit 2 with the usage on stderr
    expect(await capture(['--dri', dir])).toBe(2);
    expect(err).toContain('usage: npm run permissions');
  });

  it('exits 2 when the directory holds no synthesized stacks', async () => {
    // when pointed at a directory without stacks/, then exit 2 and say to synthesize first
    expect(await capture(['--dir', join(dir, 'nothing-here')])).toBe(2);
    expect(err).toContain('npm run synth');
  });
});
