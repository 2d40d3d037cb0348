/**
 * Every decision the CI workflows take, as pure functions of what a job knows at that moment:
 * the manifest (and the base commit's, for removed stacks), which stacks have state in the
 * state bucket, the results of the plans made so far, and which stacks earlier attempts of
 * the same run already applied (the ledger). The workflows call these through
 * `npm run ci -- <command>` (tools/ci/ci.ts) and only run Terraform; `npm run ci -- dry-run`
 * feeds them predicted plan results instead of Terraform's, so it cannot diverge from them.
 *
 * The jobs and the role each assumes:
 *   pull-request.yml  plan               ci-plan            read-only plans of added and changed stacks
 *   deploy.yml        preview            ci-preview         read-only plans, wave by wave, before any approval
 *                     deploy-<stage>     ci-apply-<stage>   plan + apply, wave by wave, in the stage's environment
 *   drift.yml         drift              ci-drift           read-only plans of every applied stack
 *
 * Who applies what: `deployment-*` and `bootstrap-*` are applied by an administrator only
 * (they own the CI roles and the access roles, which no deploy may change); CI plans them
 * read-only and stops with "administrator apply required" when they change. `log-archive-*`
 * owns its account's access roles too: CI applies it unless a change touches those roles (or
 * it was never applied: its first apply creates the roles CI would use). `payments-*` are CI's.
 */
import type { Manifest } from '../../accounts/schema';
import { CI_WORKFLOWS, STAGE_ENVIRONMENTS } from '../../modules/access/github-oidc';
import { ciApplyPurpose, DEPLOY_STAGES, deployStageOf, Naming, type CiRolePurpose, type DeployStage } from '../../modules/core/naming';
import { planStacks, type StackKind, type StackSpec } from '../../stacks/topology';

export const CI_EVENTS = ['push', 'pull_request', 'schedule'] as const;
export type CiEvent = (typeof CI_EVENTS)[number];
export type StepAction = 'plan' | 'apply' | 'destroy' | 'skip';

export interface Step {
  readonly job: string;
  /** ARN of the CI role the job assumes. */
  readonly role: string;
  /** The `sub` claim of the job's OIDC token. */
  readonly sub: string;
  readonly stack: string;
  readonly action: StepAction;
  readonly wave: number;
  readonly reason: string;
}

export interface CiJob {
  readonly workflow: string;
  readonly role: CiRolePurpose;
  /** The GitHub environment the job declares (it decides the token's `sub`). */
  readonly environment?: string;
}

/** Every job that assumes a role, by job id (ids are unique across the workflows). */
export const CI_JOBS: Readonly<Record<string, CiJob>> = {
  plan: { workflow: CI_WORKFLOWS.pullRequest, role: 'ci-plan' },
  preview: { workflow: CI_WORKFLOWS.deploy, role: 'ci-preview' },
  ...Object.fromEntries(DEPLOY_STAGES.map((s) => [deployJob(s), { workflow: CI_WORKFLOWS.deploy, role: ciApplyPurpose(s), environment: STAGE_ENVIRONMENTS[s] }])),
  drift: { workflow: CI_WORKFLOWS.drift, role: 'ci-drift' },
};

export function deployJob(stage: DeployStage): string {
  return `deploy-${stage}`;
}

/**
 * The `sub` GitHub puts in a job's token (GitHub's OIDC reference): `environment:<name>` when
 * the job declares an environment, else `pull_request` for pull-request events, else the
 * ref; push and schedule here only run on the default branch.
 */
export function jobSub(manifest: Manifest, job: string, event: CiEvent): string {
  const j = CI_JOBS[job];
  if (!j) throw new Error(`no CI job ${job}`);
  const repo = manifest.deployment.repository;
  if (j.environment !== undefined) return `repo:${repo}:environment:${j.environment}`;
  if (event === 'pull_request') return `repo:${repo}:pull_request`;
  return `repo:${repo}:ref:refs/heads/${manifest.deployment.defaultBranch}`;
}

/** The role a job assumes and where (the deployment account's region). */
export function jobRole(manifest: Manifest, job: string): { region: string; role: string; purpose: CiRolePurpose } {
  const j = CI_JOBS[job];
  if (!j) throw new Error(`no CI job ${job}; known: ${Object.keys(CI_JOBS).join(', ')}`);
  return { region: manifest.deployment.region, role: new Naming(manifest).ciRoleArn(j.role), purpose: j.role };
}

// ---------------------------------------------------------------------------------------------
// Stacks as CI sees them

export interface CiStack {
  readonly name: string;
  readonly kind: StackKind;
  readonly accountId: string;
  readonly workload?: string;
  readonly stage: DeployStage;
  readonly wave: number;
  readonly dependsOn: readonly string[];
  /** Applied only by an administrator (owns the CI roles or an account's access roles, entirely). */
  readonly adminOnly: boolean;
  /** The stack that creates the roles CI assumes in this stack's account. */
  readonly rolesStack: string;
}

const ADMIN_ONLY: ReadonlySet<StackKind> = new Set(['deployment', 'bootstrap']);

export function ciStacks(manifest: Manifest): CiStack[] {
  const specs = planStacks(manifest);
  const rolesStackOf = (accountId: string): string => specs.find((s) => s.accountId === accountId && s.kind !== 'payments')!.name;
  return specs.map((s: StackSpec) => ({
    name: s.name,
    kind: s.kind,
    accountId: s.accountId,
    ...(s.workload !== undefined ? { workload: s.workload } : {}),
    stage: deployStageOf(manifest, s.accountId),
    wave: s.wave,
    dependsOn: s.dependsOn,
    adminOnly: ADMIN_ONLY.has(s.kind),
    rolesStack: rolesStackOf(s.accountId),
  }));
}

export function waves(stacks: readonly CiStack[]): number[] {
  return [...new Set(stacks.map((s) => s.wave))].sort((a, b) => a - b);
}

const byWave = (a: CiStack, b: CiStack) => a.wave - b.wave || a.accountId.localeCompare(b.accountId) || a.name.localeCompare(b.name);

// ---------------------------------------------------------------------------------------------
// Plan results, from Terraform (`terraform show -json`) or predicted from the synthesized diff

export interface PlanResult {
  readonly stack: string;
  readonly outcome: 'unchanged' | 'changes' | 'failed';
  /** Addresses of the resources the plan would create, change or destroy. */
  readonly addresses: readonly string[];
}

/** Reads `terraform show -json <plan>` (resource_changes) into a result. */
export function planResultFromShow(stack: string, show: { resource_changes?: { address: string; change: { actions: string[] } }[] }): PlanResult {
  const addresses = (show.resource_changes ?? []).filter((c) => !c.change.actions.every((a) => a === 'no-op' || a === 'read')).map((c) => c.address);
  return { stack, outcome: addresses.length > 0 ? 'changes' : 'unchanged', addresses };
}

/** Addresses (`type.name`) of the resources of a synthesized stack that belong to its account's access roles: only an administrator changes them. */
export function adminOwnedAddresses(tf: { resource?: Record<string, Record<string, Record<string, unknown>>> } | undefined): Set<string> {
  const out = new Set<string>();
  for (const [type, byName] of Object.entries(tf?.resource ?? {})) {
    for (const [name, cfg] of Object.entries(byName)) {
      const path = (cfg['//'] as { metadata?: { path?: string } } | undefined)?.metadata?.path ?? '';
      if (path.split('/').includes('access-roles')) out.add(`${type}.${name}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// What a push does

export interface PushWorld {
  readonly manifest: Manifest;
  /** The manifest of the commit before the push: stacks it has and this one lacks are removed. @default none */
  readonly baseManifest?: Manifest;
  /** Stacks with state in the state bucket (ever applied). */
  readonly state: ReadonlySet<string>;
  /** Results of the preview's read-only plans made so far. */
  readonly preview: ReadonlyMap<string, PlanResult>;
  /** Admin-owned resource addresses per stack (from the synthesized stacks). */
  readonly adminAddresses: ReadonlyMap<string, ReadonlySet<string>>;
  /** Stacks earlier attempts of this run applied (re-runs skip them). */
  readonly ledger: ReadonlySet<string>;
  /** Removed stacks whose configuration the base commit's synth has (a destroy needs it). @default every removed stack */
  readonly baseSynthesized?: ReadonlySet<string>;
  /** The base commit, for the manual steps. */
  readonly baseRef?: string;
}

export type DecisionKind = 'apply' | 'unchanged' | 'admin' | 'failed' | 'waits' | 'destroy' | 'manual-destroy' | 'gone';

export interface Decision {
  readonly stack: CiStack;
  readonly kind: DecisionKind;
  readonly reason: string;
  /** Removed from the manifest. */
  readonly removed: boolean;
}

/** Decisions that stop the run (the final result job fails on them, with the reason). */
export const STOPPING: ReadonlySet<DecisionKind> = new Set(['admin', 'failed', 'waits', 'manual-destroy']);

/**
 * The command an administrator runs for `s`. `cdktf deploy` refuses a selection that leaves out a
 * stack one of them depends on (the deployment stack, applied by then), unless told to with
 * `--ignore-missing-stack-dependencies`; one stack per command, so nothing needs ordering.
 */
export function adminCommand(s: CiStack): string {
  return `TF_VAR_access_role=bootstrap npx cdktf deploy ${s.dependsOn.length > 0 ? '--ignore-missing-stack-dependencies ' : ''}${s.name}`;
}

/**
 * The decision for every stack, in wave order. A stack the preview did not plan (because a
 * dependency changes in this run) is planned in its stage job after that dependency is applied.
 */
export function decide(world: PushWorld): Decision[] {
  const head = ciStacks(world.manifest);
  const out = new Map<string, Decision>();
  const ready = (s: CiStack) => s.rolesStack === s.name || world.state.has(s.rolesStack);
  for (const s of [...head].sort(byWave)) {
    const d = (kind: DecisionKind, reason: string) => out.set(s.name, { stack: s, kind, reason, removed: false });
    const deps = s.dependsOn.map((n) => out.get(n)!);
    // A dependency blocks when it never got applied or failed; an administrator change pending on a
    // stack of ANOTHER account does not (the dependent keeps using what is applied), one in the same account does.
    const blocking = deps.find((x) => x.kind === 'failed' || x.kind === 'waits' || (x.kind === 'admin' && (!world.state.has(x.stack.name) || x.stack.accountId === s.accountId)));
    const r = world.preview.get(s.name);
    if (s.rolesStack === s.name && !world.state.has(s.name)) {
      d('admin', `administrator apply required: never applied, and its first apply creates the roles CI uses (README, CI: first push): ${adminCommand(s)}`);
    } else if (!ready(s)) {
      d('waits', `plannable after bootstrap: ${s.rolesStack} creates the roles CI uses in account ${s.accountId}; an administrator applies it first`);
    } else if (blocking) {
      d('waits', `waits for ${blocking.stack.name} (${blocking.kind === 'admin' ? 'administrator apply required' : blocking.kind === 'failed' ? 'failed to plan' : 'waiting'})`);
    } else if (r === undefined) {
      const changing = sameAccountChanges(s, deps);
      if (changing.length > 0) d('apply', `planned in wave ${s.wave} after ${changing.join(', ')} ${changing.length > 1 ? 'are' : 'is'} applied`);
      else d('failed', 'not planned by the preview');
    } else if (r.outcome === 'failed') {
      d('failed', 'failed to plan (read-only preview); see the preview job');
    } else if (r.outcome === 'changes') {
      const admin = world.adminAddresses.get(s.name) ?? new Set<string>();
      const adminChanges = s.adminOnly ? r.addresses : r.addresses.filter((a) => admin.has(a));
      if (adminChanges.length > 0)
        d(
          'admin',
          `administrator apply required: ${adminChanges.length} change(s) CI never applies (${adminChanges.slice(0, 3).join(', ')}${adminChanges.length > 3 ? ', …' : ''}): ${adminCommand(s)}`,
        );
      else d('apply', `${r.addresses.length} change(s) in the preview`);
    } else {
      const changing = sameAccountChanges(s, deps);
      if (changing.length > 0 && !s.adminOnly) d('apply', `no change in the preview, re-planned after ${changing.join(', ')} (changes in this run)`);
      else d('unchanged', 'no changes');
    }
  }
  for (const s of removedStacks(world)) out.set(s.name, decideRemoved(world, s, head));
  return [...out.values()];
}

/**
 * The dependencies whose changes in this run a stack's plan can see: those in its own account. A
 * stack's providers are pinned to its one account, so its data sources read only that account (a
 * replica region reads the key its primary creates); a dependency in another account (the log
 * archive, the deployment account) only has to be applied first, which the stage order ensures.
 */
function sameAccountChanges(s: CiStack, deps: readonly Decision[]): string[] {
  return deps.filter((x) => x.kind === 'apply' && !x.removed && x.stack.accountId === s.accountId).map((x) => x.stack.name);
}

/** Stacks of the base manifest that this manifest no longer has. */
export function removedStacks(world: Pick<PushWorld, 'manifest' | 'baseManifest'>): CiStack[] {
  if (!world.baseManifest) return [];
  const now = new Set(planStacks(world.manifest).map((s) => s.name));
  return ciStacks(world.baseManifest)
    .filter((s) => !now.has(s.name))
    .sort(byWave);
}

function decideRemoved(world: PushWorld, s: CiStack, head: readonly CiStack[]): Decision {
  const d = (kind: DecisionKind, reason: string): Decision => ({ stack: s, kind, reason, removed: true });
  if (!world.state.has(s.name)) return d('gone', 'removed from the manifest; it has no state, nothing to destroy');
  const base = world.baseRef ?? '<the last commit that has it>';
  const manual =
    `git worktree add ../before-removal ${base} && cd ../before-removal && npm ci && npm run synth && ` +
    `cd cdktf.out/stacks/${s.name} && terraform init && terraform destroy -var access_role=${s.adminOnly ? 'bootstrap' : 'deploy'}`;
  if (s.adminOnly || s.rolesStack === s.name) {
    const first = removedStacks(world)
      .filter((x) => x.accountId === s.accountId && x.name !== s.name && world.state.has(x.name))
      .map((x) => x.name);
    return d('manual-destroy', `administrator destroy required${first.length ? ` after CI destroyed ${first.join(', ')}` : ''}: ${manual}`);
  }
  if (world.baseSynthesized && !world.baseSynthesized.has(s.name)) return d('manual-destroy', `the base commit does not have it, so CI cannot plan its destroy; destroy it by hand: ${manual}`);
  if (head.some((h) => h.name === s.rolesStack) === false && !world.state.has(s.rolesStack))
    return d('manual-destroy', `its account's roles are gone; destroy it by hand with administrator credentials: ${manual}`);
  return d('destroy', `removed from the manifest: destroy planned from the base commit's synth in ${deployJob(s.stage)}${s.stage === 'prod' ? ' behind the production approval' : ''}`);
}

/** Whether the job of `stage` has anything to do (the workflow skips the job, and its approval, otherwise). */
export function stageHasChanges(decisions: readonly Decision[], stage: DeployStage): boolean {
  return decisions.some((d) => d.stack.stage === stage && (d.kind === 'apply' || d.kind === 'destroy'));
}

/** The preview job's steps for one wave: read-only plans of every stack that can be planned now. */
export function previewSteps(world: PushWorld, wave: number, event: CiEvent = 'push'): Step[] {
  const job = 'preview';
  const base = { job, role: jobRole(world.manifest, job).role, sub: jobSub(world.manifest, job, event) };
  const decided = new Map(decide(world).map((d) => [d.stack.name, d]));
  const steps: Step[] = [];
  for (const s of ciStacks(world.manifest)
    .filter((x) => x.wave === wave)
    .sort(byWave)) {
    const mine = decided.get(s.name)!;
    // Not planned now: a stack that waits (roles missing, a blocking dependency), one never applied whose first
    // apply is an administrator's, and one whose dependency changes in this run (its stage job plans it later).
    const blocked = mine.kind === 'waits' || (mine.kind === 'admin' && !world.state.has(s.name));
    const pending =
      sameAccountChanges(
        s,
        s.dependsOn.map((n) => decided.get(n)!),
      ).length > 0;
    if (blocked || pending) steps.push({ ...base, stack: s.name, action: 'skip', wave, reason: mine.reason });
    else steps.push({ ...base, stack: s.name, action: 'plan', wave, reason: s.adminOnly ? 'read-only plan (administrator applies it)' : 'read-only preview' });
  }
  for (const s of removedStacks(world).filter((x) => x.wave === wave)) {
    const mine = decided.get(s.name)!;
    steps.push({ ...base, stack: s.name, action: 'skip', wave, reason: mine.reason });
  }
  return steps;
}

/**
 * The steps of `deploy-<stage>` for one wave: plan and apply what changes (a stack already applied by
 * an earlier attempt of this run is skipped), then, after the last wave, the destroys of removed
 * stacks in reverse wave order.
 */
export function stageSteps(world: PushWorld, stage: DeployStage, wave: number | 'destroy', event: CiEvent = 'push'): Step[] {
  const job = deployJob(stage);
  const base = { job, role: jobRole(world.manifest, job).role, sub: jobSub(world.manifest, job, event) };
  const decisions = decide(world).filter((d) => d.stack.stage === stage);
  if (wave === 'destroy') {
    return decisions
      .filter((d) => d.removed && d.kind !== 'gone')
      .sort((a, b) => b.stack.wave - a.stack.wave || a.stack.name.localeCompare(b.stack.name))
      .map((d) => {
        if (d.kind === 'destroy' && world.ledger.has(d.stack.name))
          return { ...base, stack: d.stack.name, action: 'skip' as const, wave: d.stack.wave, reason: 'already destroyed by an earlier attempt of this run' };
        return { ...base, stack: d.stack.name, action: d.kind === 'destroy' ? ('destroy' as const) : ('skip' as const), wave: d.stack.wave, reason: d.reason };
      });
  }
  return decisions
    .filter((d) => !d.removed && d.stack.wave === wave)
    .map((d) => {
      const step = { ...base, stack: d.stack.name, wave };
      if (d.kind !== 'apply') return { ...step, action: 'skip' as const, reason: d.reason };
      if (world.ledger.has(d.stack.name)) return { ...step, action: 'skip' as const, reason: 'already applied by an earlier attempt of this run' };
      return { ...step, action: 'apply' as const, reason: d.reason };
    });
}

/** Every step a push takes: the preview wave by wave, then each stage that has changes. */
export function pushSteps(world: PushWorld, previewResult: (stack: string, world: PushWorld) => PlanResult): Step[] {
  const steps: Step[] = [];
  const preview = new Map(world.preview);
  const all = [...ciStacks(world.manifest), ...removedStacks(world)];
  for (const wave of waves(all)) {
    const ws = previewSteps({ ...world, preview }, wave);
    for (const s of ws) if (s.action === 'plan') preview.set(s.stack, previewResult(s.stack, { ...world, preview }));
    steps.push(...ws);
  }
  const final: PushWorld = { ...world, preview };
  const decisions = decide(final);
  const previewJob = { job: 'preview', role: jobRole(world.manifest, 'preview').role, sub: jobSub(world.manifest, 'preview', 'push') };
  for (const stage of DEPLOY_STAGES) {
    if (!stageHasChanges(decisions, stage)) {
      // The stage job does not run; what needs a person is reported by the preview's gate (and fails `result`).
      const planned = new Set(steps.filter((x) => x.action === 'plan').map((x) => x.stack));
      for (const d of decisions.filter((x) => x.stack.stage === stage && STOPPING.has(x.kind) && planned.has(x.stack.name))) {
        steps.push({ ...previewJob, stack: d.stack.name, action: 'skip', wave: d.stack.wave, reason: d.reason });
      }
      continue;
    }
    for (const wave of waves(all.filter((s) => s.stage === stage))) steps.push(...stageSteps(final, stage, wave));
    steps.push(...stageSteps(final, stage, 'destroy'));
  }
  return steps;
}

// ---------------------------------------------------------------------------------------------
// Pull requests and the drift check

export type StackStatus = 'added' | 'removed' | 'changed' | 'unchanged';

/**
 * The pull request's plan jobs: every added or changed stack, read-only, unless its account's
 * roles do not exist yet (the stack that creates them is new in this pull request): those are
 * "plannable after bootstrap", not failures.
 */
export function pullRequestSteps(manifest: Manifest, baseManifest: Manifest | undefined, status: ReadonlyMap<string, StackStatus>): Step[] {
  const job = 'plan';
  const base = { job, role: jobRole(manifest, job).role, sub: jobSub(manifest, job, 'pull_request') };
  const steps: Step[] = [];
  for (const s of ciStacks(manifest).sort(byWave)) {
    const st = status.get(s.name) ?? 'unchanged';
    if (st === 'unchanged') continue;
    const pendingDeps = st === 'added' ? s.dependsOn.filter((n) => n !== s.rolesStack && status.get(n) !== undefined && status.get(n) !== 'unchanged') : [];
    if (status.get(s.rolesStack) === 'added') {
      steps.push({
        ...base,
        stack: s.name,
        action: 'skip',
        wave: s.wave,
        reason: `plannable after bootstrap: ${s.rolesStack} is new; an administrator applies it after merge, then CI plans and applies this stack`,
      });
    } else if (pendingDeps.length > 0) {
      // A new stack reads what its dependencies create (a replica region reads the key the primary replicates to it).
      steps.push({
        ...base,
        stack: s.name,
        action: 'skip',
        wave: s.wave,
        reason: `plannable after ${pendingDeps.join(', ')} ${pendingDeps.length > 1 ? 'are' : 'is'} applied: the deploy plans it in wave ${s.wave} after merge`,
      });
    } else {
      steps.push({ ...base, stack: s.name, action: 'plan', wave: s.wave, reason: `${st}${s.adminOnly ? '; administrator apply after merge' : ''}` });
    }
  }
  if (baseManifest) {
    for (const s of removedStacks({ manifest, baseManifest })) {
      const how = s.adminOnly
        ? "an administrator destroys it after CI destroyed its account's other stacks"
        : `the deploy destroys it from the base commit's synth in ${deployJob(s.stage)}${s.stage === 'prod' ? ' behind the production approval' : ''}`;
      steps.push({ ...base, stack: s.name, action: 'skip', wave: s.wave, reason: `removed: after merge ${how}` });
    }
  }
  return steps;
}

/** The drift check: every stack that has state, read-only; stacks never applied are skipped, state without a stack is reported. */
export function driftSteps(manifest: Manifest, state: ReadonlySet<string>): Step[] {
  const job = 'drift';
  const base = { job, role: jobRole(manifest, job).role, sub: jobSub(manifest, job, 'schedule') };
  const stacks = ciStacks(manifest).sort(byWave);
  const steps: Step[] = stacks.map((s) =>
    state.has(s.name)
      ? { ...base, stack: s.name, action: 'plan' as const, wave: s.wave, reason: 'drift check (read-only)' }
      : { ...base, stack: s.name, action: 'skip' as const, wave: s.wave, reason: 'never applied: nothing to compare' },
  );
  const known = new Set(stacks.map((s) => s.name));
  for (const orphan of [...state].filter((n) => !known.has(n)).sort())
    steps.push({ ...base, stack: orphan, action: 'skip', wave: -1, reason: 'state without a stack in the manifest: orphaned (destroy it or remove the state)' });
  return steps;
}

/** Stack names from the state bucket's object keys (`stacks/<stack>/terraform.tfstate`). */
export function stacksWithState(keys: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const k of keys) {
    const m = /^stacks\/([a-z][a-z0-9-]*)\/terraform\.tfstate$/.exec(k);
    if (m) out.add(m[1]!);
  }
  return out;
}
