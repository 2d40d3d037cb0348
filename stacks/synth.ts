/**
 * The synth program behind `npm run synth` and `cdktf synth` (main.ts runs it, compiled; see
 * there): validates the manifest and synthesizes every stack. A bad manifest prints every
 * problem and exits non-zero before anything is written (F-23). The guardrails rule pack
 * checks every stack during the synth; any finding prints in full (stack, resource, rule, fix)
 * and exits non-zero.
 *
 * Quiet when all is well: one summary line on stderr (stacks, findings, suppressions per
 * rule); the whole report is in `<outdir>/guardrails-report.json`, and `--verbose` also
 * prints every suppressed finding with its reason. `cdktf synth` runs main.ts with no
 * arguments (cdktf.json's `app`), so the same switch is the environment variable
 * `PAYMENTS_SYNTH_VERBOSE=1`.
 *
 * `<outdir>` (`CDKTF_OUTDIR`, which `cdktf synth` sets, or `cdktf.out`) ends up holding
 * exactly the manifest's stacks, and, when the synth succeeds, `stacks.json`: the stack list
 * `npm run stacks -- --json` prints. A large organisation's stacks are shared out between
 * processes, one per core (`--workers` or `PAYMENTS_SYNTH_WORKERS` sets how many, 1 for this
 * one only), with the same output (see stacks/parallel-synth.ts).
 */
import { availableParallelism } from 'node:os';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadManifest, manifestPath, type LoadedManifest } from '../accounts/load';
import { ManifestError } from '../accounts/schema';
import { parseCommandLine } from '../modules/core/command-line';
import { combine, formatReport, PAYMENTS_RULE_PACK } from '../modules/guardrails';
import { withSourceMappedStacks, withoutSourceMappedStacks } from './source-maps';
import { MAX_PROCESSES, PARALLEL_THRESHOLD, STACK_LIST, prepareOutdir, synthInProcesses, synthInThisProcess, workerCount, type ShareOutcome, type WorkerCommand } from './parallel-synth';
import { planStacks } from './topology';

export interface SynthResult {
  readonly ok: boolean;
  /** What a person reads on stderr (the guardrails summary on success, the problems on failure). */
  readonly message?: string;
}

export interface SynthOptions {
  /** Also print every suppressed finding with its reason, and keep stack traces (token creation stacks included) source-mapped throughout. */
  readonly verbose?: boolean;
  /** How a worker process is started (default: stacks/synth-worker.ts from the sources). */
  readonly worker?: WorkerCommand;
  /** Names the source file and line of each frame of a stack trace (the compiled program's frames name the compiled file). */
  readonly readableStack?: (stack: string) => string;
}

/** What main.ts gives the synth command. */
export interface SynthContext {
  readonly worker?: WorkerCommand;
  readonly readableStack?: (stack: string) => string;
}

/** Validates the manifest at `file`. The outcome of the previous synth into `outdir` goes first: a synth that fails leaves no manifest.json, stacks.json or report behind. */
function load(file: string, outdir: string): LoadedManifest | SynthResult {
  rmSync(join(outdir, 'manifest.json'), { force: true });
  rmSync(join(outdir, 'guardrails-report.json'), { force: true });
  rmSync(join(outdir, STACK_LIST), { force: true });
  try {
    return loadManifest(file);
  } catch (err) {
    if (err instanceof ManifestError) return { ok: false, message: `${err.message}\nNothing was synthesized.\n` };
    throw err;
  }
}

const isResult = (x: LoadedManifest | SynthResult): x is SynthResult => 'ok' in x;

/** Validates the manifest at `file` and, only if it is valid, synthesizes every stack into `outdir` under the guardrails, in this process. */
export function synthesize(file: string, outdir: string, options: SynthOptions = {}): SynthResult {
  const loaded = load(file, outdir);
  if (isResult(loaded)) return loaded;
  prepare(loaded, outdir, options);
  return finish(synthInThisProcess(loaded.manifest, outdir, { creationStacks: options.verbose ?? false }), outdir, options);
}

/** As `synthesize`, with `processes` processes (1: this one only). */
export async function synthesizeInParallel(file: string, outdir: string, processes: number, options: SynthOptions = {}): Promise<SynthResult> {
  if (processes <= 1) return synthesize(file, outdir, options);
  const loaded = load(file, outdir);
  if (isResult(loaded)) return loaded;
  return synthesizeLoaded(loaded, outdir, processes, options);
}

async function synthesizeLoaded(loaded: LoadedManifest, outdir: string, processes: number, options: SynthOptions): Promise<SynthResult> {
  prepare(loaded, outdir, options);
  if (processes <= 1) return finish(synthInThisProcess(loaded.manifest, outdir, { creationStacks: options.verbose ?? false }), outdir, options);
  const outcome = await synthInProcesses(loaded.source, loaded.manifest, outdir, processes, { creationStacks: options.verbose ?? false, ...(options.worker ? { worker: options.worker } : {}) });
  return finish(outcome, outdir, options);
}

function prepare(loaded: LoadedManifest, outdir: string, options: SynthOptions): void {
  if (options.verbose) withSourceMappedStacks();
  else withoutSourceMappedStacks();
  prepareOutdir(outdir, planStacks(loaded.manifest));
}

function finish(outcome: ShareOutcome, outdir: string, options: SynthOptions): SynthResult {
  if (outcome.reports === undefined) {
    // The check runs as an App validation; without a report it did not run (a construct threw, or skipValidation) and nothing may be deployed.
    // A construct that threw: its stack, which names the file and line.
    const why = outcome.error ? `${outcome.error.stack ? (options.readableStack ?? String)(outcome.error.stack) : outcome.error.message}\n` : '';
    // cdktf names where a token that failed to resolve was made only when it recorded creation stacks.
    const hint = !options.verbose && outcome.error?.message.includes('Resolution error') ? 'Run `npm run synth -- --verbose` to see where the token that failed was made.\n' : '';
    return { ok: false, message: `${why}${hint}Guardrails did not run; refusing to synthesize without them.\n` };
  }
  const report = combine(outcome.reports);
  mkdirSync(outdir, { recursive: true });
  writeFileSync(join(outdir, 'guardrails-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const text = `${formatReport(report, PAYMENTS_RULE_PACK.name, PAYMENTS_RULE_PACK.rules.length, { verbose: options.verbose ?? false })}\n`;
  if (report.findings.length > 0) {
    return {
      ok: false,
      message: `${text}\nSynth failed: fix the findings above or suppress one with Guardrails.suppress(resource, ruleId, reason, { appliesTo }).\nReport: ${join(outdir, 'guardrails-report.json')}\n`,
    };
  }
  if (outcome.error !== undefined) {
    const err = new Error(outcome.error.message);
    if (outcome.error.stack !== undefined) err.stack = outcome.error.stack;
    throw err;
  }
  return { ok: true, message: text };
}

const USAGE = `usage: npm run synth [-- --verbose] [-- --workers <n>]
  --verbose      also print every suppressed finding with its reason (or PAYMENTS_SYNTH_VERBOSE=1)
  --workers <n>  processes to synthesize with (default: one per core from ${PARALLEL_THRESHOLD} stacks; or PAYMENTS_SYNTH_WORKERS)
`;

/**
 * `npm run synth [-- --verbose] [-- --workers <n>]`: parses `argv` strictly, synthesizes, and
 * prints the outcome on stderr; resolves to the exit status (0 synthesized, 1 failed, 2 usage).
 */
export async function runSynth(argv: readonly string[], context: SynthContext = {}): Promise<number> {
  const values = parseCommandLine(argv, { verbose: { type: 'boolean' }, workers: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE.trimEnd());
  if (typeof values === 'number') return values;
  const workersArg = values.workers ?? process.env.PAYMENTS_SYNTH_WORKERS;
  if (workersArg !== undefined && !/^[1-9][0-9]*$/.test(workersArg)) {
    process.stderr.write(`--workers must be a positive whole number, got ${JSON.stringify(workersArg)}\n${USAGE}`);
    return 2;
  }
  const verbose = values.verbose === true || process.env.PAYMENTS_SYNTH_VERBOSE === '1';
  const file = manifestPath();
  const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
  const loaded = load(file, outdir);
  const stacks = isResult(loaded) ? 0 : planStacks(loaded.manifest).length;
  const processes = workersArg !== undefined ? Number(workersArg) : workerCount(stacks, Math.min(availableParallelism(), MAX_PROCESSES));
  const result = isResult(loaded) ? loaded : await synthesizeLoaded(loaded, outdir, processes, { verbose, ...context });
  process.stderr.write(result.message ?? '');
  return result.ok ? 0 : 1;
}

/** Prints what `runSynth` threw: the stack, with the source lines it names when source maps can tell them. */
export function reportCrash(err: unknown): void {
  withSourceMappedStacks(); // the stack is formatted when first read: name the .ts lines
  process.stderr.write(`${err instanceof Error ? err.stack || err.message : String(err)}\n`);
}
