/**
 * `npm run ci -- dry-run`: the steps the workflows take for a push, a pull request and the
 * schedule, for the moments that matter (a new organisation's first push, an onboarding pull
 * request and its merge, a new replica region, an offboarding, a push that changes nothing, a
 * re-run after a failed apply). The dry run is computed by the same functions the workflows call
 * (tools/ci/engine.ts), with Terraform's plans predicted from the synthesized difference.
 *
 * Every scenario's steps are checked the same way: each step's role trusts its sub (on the
 * synthesized trust), each apply or destroy runs in the job of its account's stage with that
 * stage's role, after every stack it depends on (destroys: before), administrators' stacks are
 * never applied by CI, and the permission check's hook is asked about each step.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { manifestPath } from '../../../accounts/load';
import { synthesize } from '../../../stacks/synth';
import type { Manifest, ManifestInput } from '../../../accounts/schema';
import { manifest as exampleInput } from '../../../accounts/manifest';
import { tlsDomains } from '../../support/manifests';
import { ciApplyPurpose, deployStageOf, GITHUB_OIDC_HOST, Naming } from '../../../modules/core/naming';
import { dryRun, main } from '../../../tools/ci/ci';
import { ciStacks, type CiEvent, type Step } from '../../../tools/ci/engine';
import { checkForCi, STEP_PERMISSION_CHECK, stepPermissionProblems } from '../../../tools/ci/permissions-hook';
import type { CheckResult } from '../../../tools/permissions/check';
import { ciRolesOf } from '../../github/oidc';
import { otherOrgManifest } from '../../stacks/other-org';
import { parseManifest, synthManifest } from '../../support/synth';
import { MANIFEST_FILE, TestRepo } from './git-repo';
import { toolArgs } from '../../support/tool-launcher';

const example = (): ManifestInput => structuredClone(exampleInput) as ManifestInput;
const loadExample = (): Manifest => parseManifest(example());
const E = parseManifest(example());
const withoutStaging = parseManifest({ ...example(), workloads: example().workloads.filter((w) => w.name !== 'staging') });
const withReplica = parseManifest({
  ...example(),
  workloads: example().workloads.map((w) =>
    w.name === 'prod' ? { ...w, replicaRegions: [...(w.replicaRegions ?? []), 'eu-north-1'], api: { domains: { ...w.api?.domains, ...tlsDomains(w.accountId, w.name, ['eu-north-1']) } } } : w,
  ),
});

interface Scenario {
  readonly event: CiEvent;
  readonly head: Manifest;
  readonly base?: Manifest;
  readonly state?: ReadonlySet<string>;
  readonly ledger?: ReadonlySet<string>;
}

function run(s: Scenario): Step[] {
  const head = synthManifest(s.head);
  const base = s.base ? synthManifest(s.base) : undefined;
  return dryRun({
    event: s.event,
    manifest: s.head,
    stacks: head.stacks,
    ...(base ? { baseManifest: s.base!, baseStacks: base.stacks, baseRef: 'base-commit' } : {}),
    ...(s.state ? { state: s.state } : {}),
    ...(s.ledger ? { ledger: s.ledger } : {}),
  });
}

const names = (m: Manifest) => new Set(ciStacks(m).map((s) => s.name));
const act = (steps: Step[], action: Step['action']) => steps.filter((s) => s.action === action).map((s) => `${s.job} ${s.stack}`);
const stepOf = (steps: Step[], job: string, stack: string) => steps.find((s) => s.job === job && s.stack === stack);

/**
 * The apply-permission check of a manifest's synthesized stacks, as CI runs it. Its result
 * depends on the manifest alone, so it runs once per manifest in this file, however many
 * scenarios have that manifest as their head or base.
 */
const permissionChecks = new Map<string, Promise<CheckResult>>();
function permissionCheck(m: Manifest): Promise<CheckResult> {
  const key = JSON.stringify(m);
  if (!permissionChecks.has(key)) permissionChecks.set(key, checkForCi(m, synthManifest(m).stacks));
  return permissionChecks.get(key)!;
}

/** The checks every scenario's steps pass. */
async function checkSteps(s: Scenario, steps: Step[]): Promise<void> {
  const naming = new Naming(s.head);
  const synth = synthManifest(s.head);
  // The apply-permission check of the head's stacks, and of the base's for destroys.
  const permissions = [await permissionCheck(s.head), ...(s.base ? [await permissionCheck(s.base)] : [])];
  const roles = ciRolesOf(synth.stacks.get(synth.specs.find((x) => x.kind === 'deployment')!.name)!, s.head.deployment.accountId);
  const all = [...ciStacks(s.head), ...(s.base ? ciStacks(s.base).filter((x) => !names(s.head).has(x.name)) : [])];
  const spec = (name: string) => all.find((x) => x.name === name)!;
  const removed = (name: string) => !names(s.head).has(name);
  const readOnly = new Set(['ci-plan', 'ci-preview', 'ci-drift'].map((p) => naming.ciRoleArn(p as 'ci-plan')));
  const state = s.state ?? new Set(s.base ? names(s.base) : []);
  steps.forEach((step, i) => {
    // The role trusts the sub (the synthesized trust names exactly this sub).
    const role = roles.find((r) => r.arn === step.role);
    expect([step.job, role?.trust.Statement[0]?.Condition?.StringEquals?.[`${GITHUB_OIDC_HOST}:sub`]]).toEqual([step.job, step.sub]);
    expect([step.job, step.stack, stepPermissionProblems(permissions, step)]).toEqual([step.job, step.stack, []]);
    if (step.action === 'skip') return expect(step.reason.length).toBeGreaterThan(0);
    if (step.action === 'plan') return expect([step.job, readOnly.has(step.role)]).toEqual([step.job, true]);
    const st = spec(step.stack);
    expect([step.stack, st.adminOnly]).toEqual([step.stack, false]);
    const stage = deployStageOf(removed(step.stack) ? s.base! : s.head, st.accountId);
    expect([step.stack, step.job, step.role]).toEqual([step.stack, `deploy-${stage}`, naming.ciRoleArn(ciApplyPurpose(stage))]);
    if (step.action === 'apply') {
      for (const dep of st.dependsOn) {
        const before = steps.findIndex((x) => x.stack === dep && x.action === 'apply');
        expect([step.stack, dep, before < i, state.has(dep) || (s.ledger?.has(dep) ?? false) || before >= 0]).toEqual([step.stack, dep, true, true]);
      }
    } else {
      for (const dependent of all.filter((x) => x.dependsOn.includes(step.stack) && removed(x.name) && state.has(x.name))) {
        const j = steps.findIndex((x) => x.stack === dependent.name && x.action === 'destroy');
        expect([step.stack, dependent.name, j >= 0 && j < i]).toEqual([step.stack, dependent.name, true]);
      }
    }
  });
}

describe('npm run ci -- dry-run', () => {
  test('the permission hook the apply-permission check plugs into is named and reports whether it is active', async () => {
    expect(STEP_PERMISSION_CHECK.by).toContain('tools/permissions');
    expect(typeof STEP_PERMISSION_CHECK.active).toBe('boolean');
  });

  describe('the first push of a new organisation (another organisation than the example)', () => {
    const O = otherOrgManifest();
    const roleStacks = ciStacks(O)
      .filter((s) => s.rolesStack === s.name)
      .map((s) => s.name);

    test('given nothing applied yet, when it pushes, then nothing is applied: the stacks that create the roles need an administrator, the rest are plannable after bootstrap', async () => {
      const s: Scenario = { event: 'push', head: O, state: new Set() };
      const steps = run(s);
      await checkSteps(s, steps);
      expect(steps.filter((x) => x.action !== 'skip')).toEqual([]);
      for (const n of roleStacks) expect(stepOf(steps, 'preview', n)?.reason).toMatch(/^administrator apply required: never applied.*TF_VAR_access_role=bootstrap npx cdktf deploy /);
      for (const p of ciStacks(O).filter((x) => x.kind === 'payments')) expect(stepOf(steps, 'preview', p.name)?.reason).toMatch(/^plannable after bootstrap: bootstrap-/);
    });

    test('given an administrator applied them, when the push is re-run, then every payments stack is applied in its stage, wave by wave, replicas after their primary', async () => {
      const s: Scenario = { event: 'push', head: O, state: new Set(roleStacks) };
      const steps = run(s);
      await checkSteps(s, steps);
      const payments = ciStacks(O).filter((x) => x.kind === 'payments');
      expect(act(steps, 'apply').sort()).toEqual(payments.map((p) => `deploy-${p.stage} ${p.name}`).sort());
      for (const r of payments.filter((p) => p.wave === 3))
        expect(stepOf(steps, 'preview', r.name)).toMatchObject({ action: 'skip', reason: expect.stringMatching(/^planned in wave 3 after payments-/) });
      expect(act(steps, 'destroy')).toEqual([]);
    });

    test('given an apply that failed half-way (the ledger lists what the first attempt applied), when the failed jobs are re-run, then those stacks are skipped and the rest still applied', async () => {
      const primaries = ciStacks(O)
        .filter((x) => x.kind === 'payments' && x.stage === 'prod' && x.wave === 2)
        .map((x) => x.name);
      const applied = new Set([primaries[0]!]);
      const s: Scenario = { event: 'push', head: O, state: new Set(roleStacks), ledger: applied };
      const steps = run(s);
      await checkSteps(s, steps);
      expect(stepOf(steps, 'deploy-prod', primaries[0]!)).toMatchObject({ action: 'skip', reason: 'already applied by an earlier attempt of this run' });
      for (const p of primaries.slice(1)) expect(stepOf(steps, 'deploy-prod', p)?.action).toBe('apply');
      const replicaOfFirst = ciStacks(O).find((x) => x.dependsOn.includes(primaries[0]!))!;
      expect(stepOf(steps, 'deploy-prod', replicaOfFirst.name)?.action).toBe('apply');
    });
  });

  describe('onboarding a workload', () => {
    const newStacks = [...names(E)].filter((n) => !names(withoutStaging).has(n));

    test("given the pull request that adds it, then the deployment stack is planned and the new account's stacks are plannable after bootstrap, not failed", async () => {
      const s: Scenario = { event: 'pull_request', base: withoutStaging, head: E };
      const steps = run(s);
      await checkSteps(s, steps);
      expect(newStacks.length).toBeGreaterThan(1);
      for (const n of newStacks) expect(stepOf(steps, 'plan', n)).toMatchObject({ action: 'skip', reason: expect.stringMatching(/^plannable after bootstrap: bootstrap-staging is new/) });
      const deployment = ciStacks(E).find((x) => x.kind === 'deployment')!.name;
      expect(stepOf(steps, 'plan', deployment)).toMatchObject({ action: 'plan', reason: 'changed; administrator apply after merge' });
      expect(steps.every((x) => x.job === 'plan')).toBe(true);
    });

    test('given its merge, then CI stops at "administrator apply required" for the grants and the bootstrap, and applies none of the new stacks', async () => {
      const s: Scenario = { event: 'push', base: withoutStaging, head: E };
      const steps = run(s);
      await checkSteps(s, steps);
      const deployment = ciStacks(E).find((x) => x.kind === 'deployment')!.name;
      expect(stepOf(steps, 'preview', deployment)?.action).toBe('plan');
      expect(stepOf(steps, 'preview', 'bootstrap-staging')?.reason).toMatch(/^administrator apply required: never applied/);
      for (const n of newStacks.filter((x) => x.startsWith('payments-'))) expect(stepOf(steps, 'preview', n)?.reason).toMatch(/^plannable after bootstrap/);
      expect(act(steps, 'apply').filter((x) => newStacks.some((n) => x.endsWith(` ${n}`)))).toEqual([]);
      expect(act(steps, 'apply').some((x) => x.includes('bootstrap-') || x.includes('deployment-'))).toBe(false);
      // A change in the shared accounts does not re-plan the other workloads: their plans read only their own account.
      expect(steps.filter((x) => x.job === 'deploy-prod')).toEqual([]);
    });

    test('given the administrator applied them, when the deploy is re-run, then the new payments stacks are applied in the nonprod stage', async () => {
      const s: Scenario = { event: 'push', base: E, head: E, state: new Set([...names(E)].filter((n) => !n.startsWith('payments-staging'))) };
      const steps = run(s);
      await checkSteps(s, steps);
      expect(act(steps, 'apply')).toEqual(newStacks.filter((n) => n.startsWith('payments-')).map((n) => `deploy-nonprod ${n}`));
    });
  });

  test('given a new replica region, then the primary is applied first and the new region is planned only after it, in the prod stage; the pull request marks it plannable after the primary', async () => {
    const push: Scenario = { event: 'push', base: E, head: withReplica };
    const steps = run(push);
    await checkSteps(push, steps);
    const primary = ciStacks(E).find((x) => x.workload === 'prod' && x.kind === 'payments' && x.wave === 2)!.name;
    const replica = [...names(withReplica)].find((n) => !names(E).has(n))!;
    expect(stepOf(steps, 'preview', replica)).toMatchObject({ action: 'skip', reason: `planned in wave 3 after ${primary} is applied` });
    const applies = act(steps, 'apply');
    expect(applies).toContain(`deploy-prod ${primary}`);
    expect(applies.indexOf(`deploy-prod ${primary}`)).toBeLessThan(applies.indexOf(`deploy-prod ${replica}`));
    expect(applies.every((a) => a.startsWith('deploy-prod '))).toBe(true);
    const pr: Scenario = { event: 'pull_request', base: E, head: withReplica };
    const prSteps = run(pr);
    await checkSteps(pr, prSteps);
    expect(stepOf(prSteps, 'plan', primary)?.action).toBe('plan');
    expect(stepOf(prSteps, 'plan', replica)).toMatchObject({ action: 'skip', reason: expect.stringMatching(new RegExp(`^plannable after ${primary} is applied`)) });
  });

  test("given an offboarding, then its payments stacks are destroyed from the base commit's synth in their stage, replicas first, and its bootstrap is handed to an administrator with the exact steps", async () => {
    const s: Scenario = { event: 'push', base: E, head: withoutStaging };
    const steps = run(s);
    await checkSteps(s, steps);
    const gone = [...names(E)].filter((n) => !names(withoutStaging).has(n));
    expect(act(steps, 'destroy').sort()).toEqual(
      gone
        .filter((n) => n.startsWith('payments-'))
        .map((n) => `deploy-nonprod ${n}`)
        .sort(),
    );
    const bootstrap = stepOf(steps, 'deploy-nonprod', 'bootstrap-staging')!;
    expect(bootstrap.action).toBe('skip');
    expect(bootstrap.reason).toMatch(/^administrator destroy required after CI destroyed payments-staging-/);
    expect(bootstrap.reason).toContain('git worktree add ../before-removal base-commit');
    expect(bootstrap.reason).toContain('cd cdktf.out/stacks/bootstrap-staging && terraform init && terraform destroy -var access_role=bootstrap');
    for (const n of gone) expect(steps.some((x) => x.stack === n && x.job.startsWith('deploy-'))).toBe(true);
  });

  test("given a workload moved from staging to prod, then its stacks wait for the administrator to re-apply its bootstrap (its deploy role's trust changes stage), and nothing else runs", async () => {
    const moved = parseManifest({
      ...example(),
      workloads: example().workloads.map((w) =>
        w.name === 'staging' ? { ...w, environment: 'prod' as const, api: { domains: tlsDomains(w.accountId, w.name, [w.primaryRegion, ...(w.replicaRegions ?? [])]) } } : w,
      ),
    });
    const s: Scenario = { event: 'push', base: E, head: moved };
    const steps = run(s);
    await checkSteps(s, steps);
    const reasons = (stack: string) => steps.filter((x) => x.stack === stack && x.action === 'skip').map((x) => x.reason);
    expect(reasons('bootstrap-staging')).toEqual([expect.stringMatching(/^administrator apply required: \d+ change\(s\) CI never applies/)]);
    for (const n of [...names(moved)].filter((x) => x.startsWith('payments-staging'))) expect(reasons(n)[0]).toMatch(/^waits for (bootstrap|payments)-staging/);
    expect(act(steps, 'apply')).toEqual([]);
    expect(steps.every((x) => x.job === 'preview')).toBe(true);
  });

  test('given a push that changes nothing, then the preview plans every stack read-only and no stage job runs', async () => {
    const s: Scenario = { event: 'push', base: E, head: E };
    const steps = run(s);
    await checkSteps(s, steps);
    expect(steps.map((x) => `${x.job} ${x.action}`)).toEqual([...names(E)].map(() => 'preview plan'));
  });

  test('given the schedule, then the drift check plans every stack that has state and skips the rest', async () => {
    const applied = new Set([...names(E)].filter((n) => !n.startsWith('payments-prod')));
    const s: Scenario = { event: 'schedule', head: E, state: applied };
    const steps = run(s);
    await checkSteps(s, steps);
    expect(
      steps
        .filter((x) => x.action === 'plan')
        .map((x) => x.stack)
        .sort(),
    ).toEqual([...applied].sort());
    expect(steps.every((x) => x.job === 'drift')).toBe(true);
  });
});

describe('npm run ci (the command line)', () => {
  const cli = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, toolArgs(join(cwd, 'tools/ci/ci.ts'), args), { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });

  test('given an unknown flag, then it prints the usage and exits 2', async () => {
    const r = cli(['dry-run', '--event', 'push', '--no-such-flag'], join(__dirname, '../../..'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage: npm run ci -- <command>');
  });

  test('given a repository whose last commit removes a workload, when dry-run --base HEAD~1 runs, then it prints the destroys as JSON on stdout and one line on stderr', async () => {
    const repo = new TestRepo(example(), {});
    try {
      repo.writeJson(MANIFEST_FILE, { ...example(), workloads: example().workloads.filter((w) => w.name !== 'staging') });
      repo.commit('offboard staging');
      const r = cli(['dry-run', '--event', 'push', '--base', 'HEAD~1'], repo.dir, { PAYMENTS_MANIFEST: MANIFEST_FILE });
      expect(r.stderr).toMatch(/^ci dry-run \(push\): \d+ steps, \d+ not skipped\n$/);
      expect(r.status).toBe(0);
      const { steps } = JSON.parse(r.stdout) as { steps: Step[] };
      expect(
        steps
          .filter((x) => x.action === 'destroy')
          .map((x) => x.stack)
          .sort(),
      ).toEqual([...names(E)].filter((n) => n.startsWith('payments-staging')).sort());
      expect(steps.find((x) => x.stack === 'bootstrap-staging' && x.job === 'deploy-nonprod')?.reason).toMatch(/^administrator destroy required/);
    } finally {
      repo.dispose();
    }
  }, 180_000);
});

describe('the command sequence the deploy and drift workflows run', () => {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'ci-sequence-'));
  const synthDir = join(dir, 'cdktf.out');
  const ci = join(dir, 'ci');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function ciRun(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await main(argv, { write: (s: string) => ((out += s), true) } as never, { write: (s: string) => ((err += s), true) } as never);
    return { code, out, err };
  }
  const jsonl = (text: string) =>
    text
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Step);
  const showOf = (addresses: string[]) => ({ resource_changes: addresses.map((address) => ({ address, change: { actions: ['create'] } })) });

  test('given the roles stacks and one workload applied, when the preview records its plans, then the gate opens the stages with changes, each stage job applies wave by wave, a re-run skips what the ledger holds, and result passes', async () => {
    const m = loadExample();
    expect(synthesize(manifestPath(), synthDir).ok).toBe(true);
    const applied = ciStacks(m)
      .filter((s) => s.rolesStack === s.name || s.workload === 'dev')
      .map((s) => s.name);
    fs.writeFileSync(join(dir, 'keys.json'), JSON.stringify(applied.map((n) => new Naming(m).stateKey(n))));
    const ctx = join(ci, 'context.json');
    fs.mkdirSync(ci, { recursive: true });
    expect((await ciRun('context', '--out', ctx, '--state-keys', join(dir, 'keys.json'), '--synth', synthDir)).code).toBe(0);

    // Preview: a stack with state has no changes; one without state creates everything.
    const waves = (await ciRun('waves', '--context', ctx)).out.trim().split('\n');
    expect(waves).toEqual(['0', '1', '2', '3']);
    for (const wave of waves) {
      for (const step of jsonl((await ciRun('preview-steps', '--context', ctx, '--results', join(ci, 'results'), '--wave', wave)).out)) {
        if (step.action !== 'plan') continue;
        const show = join(dir, `${step.stack}.show.json`);
        fs.writeFileSync(show, JSON.stringify(applied.includes(step.stack) ? showOf([]) : showOf([`aws_s3_bucket.${step.stack}`])));
        expect((await ciRun('record', '--results', join(ci, 'results'), '--stack', step.stack, '--show', show)).code).toBe(0);
      }
    }
    const gate = await ciRun('gate', '--context', ctx, '--results', join(ci, 'results'), '--summary', join(ci, 'gate.md'));
    expect(gate.out).toBe('shared=false\nnonprod=true\nprod=true\n');
    expect(fs.readFileSync(join(ci, 'gate.md'), 'utf8')).toMatch(/### prod: has changes \(its job runs\)/);

    // The nonprod stage job: staging's primary is applied; dev has nothing to do.
    const nonprod = async (ledger: string) =>
      (
        await Promise.all(
          ['1', '2'].map(async (w) => jsonl((await ciRun('stage-steps', '--context', ctx, '--results', join(ci, 'results'), '--ledger', ledger, '--stage', 'nonprod', '--wave', w)).out)),
        )
      ).flat();
    const first = await nonprod(join(ci, 'ledger'));
    const staging = ciStacks(m).find((s) => s.workload === 'staging' && s.kind === 'payments')!.name;
    const dev = ciStacks(m).find((s) => s.workload === 'dev' && s.kind === 'payments')!.name;
    expect(first.find((s) => s.stack === staging)?.action).toBe('apply');
    expect(first.find((s) => s.stack === dev)).toMatchObject({ action: 'skip', reason: 'no changes' });
    fs.mkdirSync(join(ci, 'ledger'), { recursive: true });
    fs.writeFileSync(join(ci, 'ledger', staging), '');
    expect((await nonprod(join(ci, 'ledger'))).find((s) => s.stack === staging)).toMatchObject({ action: 'skip', reason: 'already applied by an earlier attempt of this run' });
    expect(await ciRun('result', '--context', ctx, '--results', join(ci, 'results'))).toMatchObject({ code: 0, out: '' });

    // A preview plan that failed stops the run, and what depends on it in its account waits.
    expect((await ciRun('record', '--results', join(ci, 'results'), '--stack', staging, '--failed')).code).toBe(0);
    const result = await ciRun('result', '--context', ctx, '--results', join(ci, 'results'));
    expect(result.code).toBe(1);
    expect(result.out).toContain(`${staging}: failed to plan`);
  }, 120_000);

  test('given drift results, then the report separates "would change" from "failed to plan" and exits 1 on a failure, 2 on drift alone', async () => {
    const m = loadExample();
    const [a, b] = ciStacks(m)
      .filter((s) => s.kind === 'payments')
      .map((s) => s.name);
    fs.writeFileSync(join(dir, 'drift-keys.json'), JSON.stringify([a, b].map((n) => new Naming(m).stateKey(n!))));
    const results = join(dir, 'drift-results');
    fs.writeFileSync(join(dir, 'drift.show.json'), JSON.stringify(showOf(['aws_lambda_function.charge'])));
    await ciRun('record', '--results', results, '--stack', a!, '--show', join(dir, 'drift.show.json'));
    const driftOnly = await ciRun('drift-report', '--results', results, '--state-keys', join(dir, 'drift-keys.json'));
    expect(driftOnly.code).toBe(1); // b has no result: the run stopped before it, which counts as failed
    expect(driftOnly.out).toContain(`### Would change (1)\n- \`${a}\``);
    expect(driftOnly.out).toContain(`- \`${b}\`: no result recorded`);
    fs.writeFileSync(join(dir, 'clean.show.json'), JSON.stringify(showOf([])));
    await ciRun('record', '--results', results, '--stack', b!, '--show', join(dir, 'clean.show.json'));
    expect((await ciRun('drift-report', '--results', results, '--state-keys', join(dir, 'drift-keys.json'))).code).toBe(2);
  });
});
