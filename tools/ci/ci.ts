/**
 * `npm run ci -- <command>`: every decision the GitHub workflows take. The workflows only run
 * Terraform and move files; which stack is planned, applied, destroyed or skipped, with which
 * role, in which wave, and why, comes from here (tools/ci/engine.ts), so `dry-run` shows what
 * they will do without GitHub or AWS.
 *
 *   role --job <job>                       JSON {"region","role","stateBucket"}: the role the job assumes (no ARN in any workflow)
 *   context --out <ctx.json> [--base <ref>] [--state-keys <keys.json>] [--synth <dir>]
 *                                          fixes a deploy run's inputs: the base commit's manifest (removed
 *                                          stacks), the stacks with state (keys from `aws s3api list-objects-v2`;
 *                                          absent = none readable yet), admin-owned resource addresses
 *   waves --context <ctx.json> [--stage <stage>]
 *                                          the waves to walk, one per line
 *   preview-steps --context <ctx.json> --results <dir> --wave <n>
 *   stage-steps --context <ctx.json> --results <dir> --stage <stage> --wave <n>|destroy [--ledger <dir>]
 *                                          JSON lines, one step each: {job, role, sub, stack, action, wave, reason}
 *   record --results <dir> --stack <s> (--show <show.json> | --failed)
 *                                          records a plan result (`terraform show -json` of the plan)
 *   gate --context <ctx.json> --results <dir> [--summary <file.md>]
 *                                          `<stage>=true|false` lines for $GITHUB_OUTPUT (stage has changes);
 *                                          the Markdown of what will happen goes to --summary
 *   result --context <ctx.json> --results <dir>
 *                                          exit 1 and list why when anything needs a person (administrator
 *                                          apply, failed plan, manual destroy, waiting stacks)
 *   synth-base --base <ref> --out <dir>    synthesizes the base commit with its own code (destroys run from it)
 *   pr-steps --review <review.json> [--base <ref>]
 *                                          JSON lines for the pull request's plan jobs
 *   comment --markdown <review.md> --steps <pr-steps.jsonl>
 *                                          the pull request's comment: the review and which stacks CI plans,
 *                                          within GitHub's limit on a comment
 *   drift-steps --state-keys <keys.json>   JSON lines for the drift check
 *   drift-report --results <dir> --state-keys <keys.json>
 *                                          Markdown: "would change" apart from "failed to plan"; exit 0 clean,
 *                                          2 drift only, 1 any failure
 *   dry-run --event push|pull_request|schedule [--base <ref>] [--state-keys <keys.json>] [--ledger <file|dir>]
 *                                          JSON {"steps":[…]}: every step the workflows would take, Terraform's
 *                                          plans predicted from the synthesized difference to --base
 *
 * Data on stdout, one summary line on stderr; usage errors exit 2.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Manifest } from '../../accounts/schema';
import { DEPLOY_STAGES, Naming, type DeployStage } from '../../modules/core/naming';
import { GITHUB_COMMENT_LIMIT } from '../review/markdown';
import { buildReport } from '../review/report';
import { repoRoot } from '../review/synth';
import type { Side, TfJson } from '../review/types';
import { loadManifestOrExit } from '../cli';
import { planStacks, stacksJson } from '../../stacks/topology';
import {
  CI_EVENTS,
  ciStacks,
  decide,
  driftSteps,
  jobRole,
  planResultFromShow,
  previewSteps,
  pullRequestSteps,
  pushSteps,
  removedStacks,
  stacksWithState,
  stageHasChanges,
  stageSteps,
  STOPPING,
  waves,
  type CiEvent,
  type Decision,
  type PlanResult,
  type Step,
  type StackStatus,
} from './engine';
import { adminAddressesOf, predictPlan, readBase, readJson, readLedger, readResults, readSynth, worldOf, writeJson, type RunContext } from './world';

const USAGE = `usage: npm run ci -- <command> [options]
  role --job <job>
  context --out <ctx.json> [--base <ref>] [--state-keys <keys.json>] [--synth <dir>]
  waves --context <ctx.json> [--stage shared|nonprod|prod]
  preview-steps --context <ctx.json> --results <dir> --wave <n>
  stage-steps --context <ctx.json> --results <dir> --stage <stage> --wave <n>|destroy [--ledger <dir>]
  record --results <dir> --stack <stack> (--show <show.json> | --failed)
  gate --context <ctx.json> --results <dir> [--summary <file.md>]
  result --context <ctx.json> --results <dir>
  synth-base --base <ref> --out <dir>
  pr-steps --review <review.json> [--base <ref>]
  comment --markdown <review.md> --steps <pr-steps.jsonl>
  drift-steps --state-keys <keys.json>
  drift-report --results <dir> --state-keys <keys.json>
  dry-run --event push|pull_request|schedule [--base <ref>] [--state-keys <keys.json>] [--ledger <file|dir>]`;

export class UsageError extends Error {}

const OPTIONS = {
  job: { type: 'string' },
  out: { type: 'string' },
  base: { type: 'string' },
  'state-keys': { type: 'string' },
  synth: { type: 'string' },
  context: { type: 'string' },
  stage: { type: 'string' },
  results: { type: 'string' },
  wave: { type: 'string' },
  ledger: { type: 'string' },
  stack: { type: 'string' },
  show: { type: 'string' },
  failed: { type: 'boolean' },
  summary: { type: 'string' },
  review: { type: 'string' },
  markdown: { type: 'string' },
  steps: { type: 'string' },
  event: { type: 'string' },
  help: { type: 'boolean' },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function need(values: Values, name: keyof Values): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

function stageOf(v: string | undefined): DeployStage {
  if (!v || !(DEPLOY_STAGES as readonly string[]).includes(v)) throw new UsageError(`--stage must be one of ${DEPLOY_STAGES.join(', ')}`);
  return v as DeployStage;
}

const lines = (steps: readonly Step[]) => steps.map((s) => `${JSON.stringify(s)}\n`).join('');

/** Stacks with state from a key listing; `null` (nothing listed: no bucket or no credentials yet) is none. */
function stateFrom(file: string | undefined): Set<string> | undefined {
  if (file === undefined) return undefined;
  const keys = readJson<string[] | null>(file);
  return stacksWithState(keys ?? []);
}

function sideOf(label: string, manifest: Manifest | undefined, stacks: ReadonlyMap<string, TfJson>): Side {
  return { label, stacks, specs: manifest ? (stacksJson(planStacks(manifest)) as Side['specs']) : [], notes: [] };
}

export interface DryRunInput {
  readonly event: CiEvent;
  readonly manifest: Manifest;
  readonly stacks: ReadonlyMap<string, TfJson>;
  readonly baseManifest?: Manifest;
  readonly baseStacks?: ReadonlyMap<string, TfJson>;
  readonly baseRef?: string;
  /** Stacks with state. @default push: every stack of the base; schedule: every stack of this tree */
  readonly state?: ReadonlySet<string>;
  readonly ledger?: ReadonlySet<string>;
}

/** The steps the workflows would take for `event`, Terraform's plans predicted from the synthesized difference. */
export function dryRun(input: DryRunInput): Step[] {
  const baseStacks = input.baseStacks ?? new Map<string, TfJson>();
  if (input.event === 'pull_request') {
    const report = buildReport(sideOf('base', input.baseManifest, baseStacks), sideOf('head', input.manifest, input.stacks));
    const status = new Map<string, StackStatus>(report.stacks.map((s) => [s.name, s.status]));
    return pullRequestSteps(input.manifest, input.baseManifest, status);
  }
  if (input.event === 'schedule') return driftSteps(input.manifest, input.state ?? new Set(input.stacks.keys()));
  const state = input.state ?? new Set(baseStacks.keys());
  const ctx: RunContext = {
    ...(input.baseRef ? { baseRef: input.baseRef } : {}),
    ...(input.baseManifest ? { baseManifest: input.baseManifest } : {}),
    state: [...state],
    adminAddresses: adminAddressesOf(input.stacks),
    baseSynthesized: [...baseStacks.keys()],
  };
  const world = worldOf(input.manifest, ctx, new Map(), input.ledger ?? new Set());
  return pushSteps(world, (stack) => predictPlan(stack, state, baseStacks, input.stacks));
}

/**
 * The pull request's comment: the review's Markdown, then which stacks CI plans and why, within
 * GitHub's limit on a comment (GitHub refuses a longer one, and the job that posts it fails).
 * The review already keeps within that limit, so the list may not fit beside it: then a count
 * stands in for it, or nothing when not even that fits. The whole list is in the run's `review`
 * artifact (`pr-steps.jsonl`).
 */
export function commentWithPlans(review: string, steps: readonly Step[], limit = GITHUB_COMMENT_LIMIT): string {
  const body = review.endsWith('\n') || review === '' ? review : `${review}\n`;
  const listed = steps.map((s) => `- \`${s.stack}\`: ${s.action === 'plan' ? 'planned read-only' : 'not planned'} (${s.reason})`);
  const full = `\n### CI plans\n${listed.map((l) => `${l}\n`).join('')}`;
  if (body.length + full.length <= limit) return body + full;
  const planned = steps.filter((s) => s.action === 'plan').length;
  const counted = `\n### CI plans\n${planned} stack(s) planned read-only, ${steps.length - planned} not planned: the list is in the run's \`review\` artifact (\`pr-steps.jsonl\`).\n`;
  if (body.length + counted.length <= limit) return body + counted;
  if (body.length <= limit) return body;
  // Not from `npm run review`, which keeps within the limit: cut at the last whole line that fits (or anywhere, in a review of
  // one long line), and say so.
  const note = "\n(cut to fit one comment: the whole review is in the run's artifacts)\n";
  const room = limit - note.length;
  const end = body.lastIndexOf('\n', room - 1);
  return `${body.slice(0, end >= 0 ? end + 1 : room)}${note}`;
}

/** What will happen, for the approver: per stage, per wave, each stack's decision and why. */
export function gateMarkdown(decisions: readonly Decision[], results: ReadonlyMap<string, PlanResult>): string {
  const out: string[] = ['## Deploy preview', ''];
  for (const stage of DEPLOY_STAGES) {
    const mine = decisions.filter((d) => d.stack.stage === stage);
    out.push(
      `### ${stage}: ${stageHasChanges(decisions, stage) ? 'has changes (its job runs)' : 'no changes (its job is skipped)'}`,
      '',
      '| wave | stack | decision | why |',
      '| --- | --- | --- | --- |',
    );
    for (const d of mine) out.push(`| ${d.stack.wave} | \`${d.stack.name}\` | ${d.removed ? `removed: ${d.kind}` : d.kind} | ${d.reason.replace(/\|/g, '\\|')} |`);
    out.push('');
  }
  const planned = [...results.values()].filter((r) => r.outcome !== 'unchanged');
  if (planned.length) out.push(`Plans with changes or failures: ${planned.map((r) => `\`${r.stack}\` (${r.outcome})`).join(', ')}. Each plan's \`terraform show\` is in this job's summary above.`);
  return `${out.join('\n')}\n`;
}

/** Runs one command; `out` gets the data, `err` the summary line. Returns the exit code (usage errors throw `UsageError`). */
export async function main(argv: string[], out: Pick<NodeJS.WriteStream, 'write'> = process.stdout, err: Pick<NodeJS.WriteStream, 'write'> = process.stderr): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const values = parsed.values as Values;
  const [command, ...rest] = parsed.positionals;
  if (values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  if (!command || rest.length > 0) throw new UsageError(command ? `unexpected ${rest.join(' ')}` : 'a command is required');
  const { manifest } = loadManifestOrExit();
  const ctxOf = (): RunContext => readJson<RunContext>(need(values, 'context'));
  const world = () => worldOf(manifest, ctxOf(), readResults(values.results), readLedger(values.ledger));

  switch (command) {
    case 'role': {
      const { region, role } = jobRole(manifest, need(values, 'job'));
      out.write(`${JSON.stringify({ region, role, stateBucket: new Naming(manifest).stateBucket })}\n`);
      return 0;
    }
    case 'context': {
      const out = need(values, 'out');
      // A push's `before` is all zeros when the branch is new: no base, nothing removed.
      const scratch = mkdtempSync(join(tmpdir(), 'ci-base-'));
      const base = values.base && !/^0+$/.test(values.base) ? readBase(repoRoot(process.cwd()), values.base, { outdir: scratch }) : undefined;
      rmSync(scratch, { recursive: true, force: true });
      const state = stateFrom(values['state-keys']) ?? new Set<string>();
      const ctx: RunContext = {
        ...(base ? { baseRef: base.commit } : {}),
        ...(base?.manifest ? { baseManifest: base.manifest } : {}),
        state: [...state].sort(),
        adminAddresses: adminAddressesOf(readSynth(values.synth ?? 'cdktf.out')),
        ...(base ? { baseSynthesized: [...base.stacks.keys()] } : {}),
      };
      writeJson(out, ctx);
      err.write(`ci context: ${state.size} stacks with state, ${base ? `base ${base.commit.slice(0, 12)}` : 'no base'}\n`);
      return 0;
    }
    case 'waves': {
      const w = world();
      const all = [...ciStacks(manifest), ...removedStacks(w)].filter((s) => values.stage === undefined || s.stage === stageOf(values.stage));
      out.write(
        waves(all)
          .map((n) => `${n}\n`)
          .join(''),
      );
      return 0;
    }
    case 'preview-steps': {
      out.write(lines(previewSteps(world(), Number(need(values, 'wave')))));
      return 0;
    }
    case 'stage-steps': {
      const wave = need(values, 'wave');
      out.write(lines(stageSteps(world(), stageOf(values.stage), wave === 'destroy' ? 'destroy' : Number(wave))));
      return 0;
    }
    case 'record': {
      const dir = need(values, 'results');
      const stack = need(values, 'stack');
      mkdirSync(dir, { recursive: true });
      const result: PlanResult = values.failed ? { stack, outcome: 'failed', addresses: [] } : planResultFromShow(stack, readJson(need(values, 'show')));
      writeJson(join(dir, `${stack}.json`), result);
      err.write(`ci record: ${stack} ${result.outcome}\n`);
      return 0;
    }
    case 'gate': {
      const w = world();
      const decisions = decide(w);
      if (values.summary) writeFileSync(values.summary, gateMarkdown(decisions, w.preview));
      out.write(DEPLOY_STAGES.map((s) => `${s}=${stageHasChanges(decisions, s)}\n`).join(''));
      return 0;
    }
    case 'result': {
      const stops = decide(world()).filter((d) => STOPPING.has(d.kind));
      for (const d of stops) out.write(`${d.stack.name}: ${d.reason}\n`);
      err.write(stops.length ? `ci result: ${stops.length} stack(s) need a person\n` : 'ci result: nothing left to do by hand\n');
      return stops.length ? 1 : 0;
    }
    case 'synth-base': {
      const base = readBase(repoRoot(process.cwd()), need(values, 'base'), { outdir: need(values, 'out') });
      err.write(`ci synth-base: ${base.stacks.size} stacks of ${base.commit.slice(0, 12)}\n`);
      return 0;
    }
    case 'pr-steps': {
      const report = readJson<{ stacks: { name: string; status: StackStatus }[] }>(need(values, 'review'));
      const base = values.base ? readBase(repoRoot(process.cwd()), values.base) : undefined;
      out.write(lines(pullRequestSteps(manifest, base?.manifest, new Map(report.stacks.map((s) => [s.name, s.status])))));
      return 0;
    }
    case 'comment': {
      const steps = readFileSync(need(values, 'steps'), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Step);
      const text = commentWithPlans(readFileSync(need(values, 'markdown'), 'utf8'), steps);
      out.write(text);
      err.write(`ci comment: ${text.length} characters (limit ${GITHUB_COMMENT_LIMIT}), ${steps.length} stacks\n`);
      return 0;
    }
    case 'drift-steps': {
      out.write(lines(driftSteps(manifest, stateFrom(need(values, 'state-keys'))!)));
      return 0;
    }
    case 'drift-report': {
      const results = readResults(need(values, 'results'));
      const steps = driftSteps(manifest, stateFrom(need(values, 'state-keys'))!);
      const drifted = [...results.values()].filter((r) => r.outcome === 'changes');
      const failed = [...results.values()].filter((r) => r.outcome === 'failed');
      const missing = steps.filter((s) => s.action === 'plan' && !results.has(s.stack));
      const orphaned = steps.filter((s) => s.wave < 0);
      const md = [
        '<!-- payments-drift -->',
        '## Drift check',
        '',
        `### Would change (${drifted.length})`,
        ...drifted.map(
          (r) =>
            `- \`${r.stack}\`: ${r.addresses.length} resource(s): ${r.addresses
              .slice(0, 5)
              .map((a) => `\`${a}\``)
              .join(', ')}${r.addresses.length > 5 ? ', …' : ''}`,
        ),
        '',
        `### Failed to plan (${failed.length + missing.length})`,
        ...failed.map((r) => `- \`${r.stack}\`: plan failed (see the run's log)`),
        ...missing.map((s) => `- \`${s.stack}\`: no result recorded (the run stopped before it)`),
        '',
        `### Orphaned state (${orphaned.length})`,
        ...orphaned.map((s) => `- \`${s.stack}\`: ${s.reason}`),
        '',
      ].join('\n');
      out.write(`${md}\n`);
      err.write(`ci drift: ${drifted.length} would change, ${failed.length + missing.length} failed, ${orphaned.length} orphaned\n`);
      return failed.length + missing.length > 0 ? 1 : drifted.length + orphaned.length > 0 ? 2 : 0;
    }
    case 'dry-run': {
      const event = values.event as CiEvent | undefined;
      if (!event || !CI_EVENTS.includes(event)) throw new UsageError(`--event must be one of ${CI_EVENTS.join(', ')}`);
      const repo = repoRoot(process.cwd());
      const outdir = mkdtempSync(join(tmpdir(), 'ci-dry-run-'));
      const base = values.base ? readBase(repo, values.base, { outdir: join(outdir, 'base') }) : undefined;
      const headOut = join(outdir, 'head');
      /* eslint-disable @typescript-eslint/no-require-imports -- loaded once the arguments are checked; `require`, not `import()`, under tsx's CommonJS hook (README, Toolchain pins) */
      const { synthesize } = require('../../stacks/synth') as typeof import('../../stacks/synth');
      const { manifestPath } = require('../../accounts/load') as typeof import('../../accounts/load');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const synthesized = synthesize(manifestPath(), headOut);
      if (!synthesized.ok) throw new Error(`synth failed:\n${synthesized.message ?? ''}`);
      const steps = dryRun({
        event,
        manifest,
        stacks: readSynth(headOut),
        ...(base?.manifest ? { baseManifest: base.manifest } : {}),
        ...(base ? { baseStacks: base.stacks, baseRef: base.commit } : {}),
        ...(values['state-keys'] ? { state: stateFrom(values['state-keys'])! } : {}),
        ...(values.ledger ? { ledger: readLedger(values.ledger) } : {}),
      });
      rmSync(outdir, { recursive: true, force: true });
      out.write(`${JSON.stringify({ steps }, null, 2)}\n`);
      err.write(`ci dry-run (${event}): ${steps.length} steps, ${steps.filter((s) => s.action !== 'skip').length} not skipped\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      if (err instanceof UsageError) {
        process.stderr.write(`${err.message}\n${USAGE}\n`);
        process.exit(2);
      }
      process.stderr.write(`ci failed: ${err.message}\n`);
      process.exit(2);
    },
  );
}
