/**
 * Synthesizes a manifest's stacks, in one process or in several: each process builds only its
 * share of the stacks (stacks hold no references to one another, only deploy-order
 * dependencies), a batch at a time, writes their folders into the same `cdktf.out`, and checks
 * them with the guardrails; this process then writes `manifest.json` for all of them, with
 * every dependency the topology gives, and combines the guardrails reports in manifest order.
 * The output is byte for byte what one cdktf App of every stack writes.
 *
 * A worker is a process started by a `WorkerCommand` with `PAYMENTS_SYNTH_WORKER=1`: it reads
 * its request (one line of JSON) from stdin, synthesizes its share (`synthWorkerShare`) and writes the
 * outcome to the file the request names. `npm run synth`'s workers are main.ts again, which
 * loads the compiled program as the first process did (with the same code cache) and runs its
 * `runWorker` (stacks/launcher.ts, stacks/program.ts); from the sources, the worker is
 * stacks/synth-worker.ts under tsx's hook. A worker given an empty request exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Manifest as CdktfManifest, type StackManifest } from 'cdktf';
import type { Manifest } from '../accounts/schema';
import { loadManifest } from '../accounts/load';
import type { StackReport } from '../modules/guardrails';
import { HANDLERS, bundleHandler } from '../modules/workflow/lambda-bundle';
import { buildApp } from './app';
import { withStacksOnlyForErrors, withSourceMappedStacks, withoutSourceMappedStacks } from './source-maps';
import { planStacks, stacksJson, type StackSpec } from './topology';

/**
 * Below this many stacks one process is faster: a process synthesizing alone already keeps a
 * second core busy with V8's garbage collection, and a worker first spends about a tenth of a
 * second starting and loading the compiled program (about a second from the sources). Measured
 * with `--workers` on generated organisations: 18 stacks took 0.80 s in one process and 0.85 s
 * in two, 26 stacks 1.43 s and 1.35 s.
 */
export const PARALLEL_THRESHOLD = 24;

/** Written beside `manifest.json` by a synth that succeeds: every stack as `npm run stacks -- --json` lists it. */
export const STACK_LIST = 'stacks.json';

/** What synthesizing some stacks gave. */
export interface ShareOutcome {
  /** The guardrails report of each stack, in manifest order; undefined when the check did not run. */
  readonly reports: readonly StackReport[] | undefined;
  /** cdktf's manifest entry of each stack synthesized. */
  readonly entries: Readonly<Record<string, StackManifest>>;
  /** What was thrown, if anything (the guardrails' own failure included). */
  readonly error?: { readonly message: string; readonly stack?: string };
}

/**
 * Prepares `outdir` for a synth of `specs`: removes `manifest.json`, `stacks.json` and the
 * report (a synth that fails leaves none for a deploy to read) and the folder of every stack
 * the manifest no longer has (as `cdktf synth` does), keeping the folders of current stacks
 * (their `.terraform`).
 */
export function prepareOutdir(outdir: string, specs: readonly StackSpec[]): void {
  mkdirSync(join(outdir, CdktfManifest.stacksFolder), { recursive: true });
  rmSync(join(outdir, CdktfManifest.fileName), { force: true });
  rmSync(join(outdir, 'guardrails-report.json'), { force: true });
  rmSync(join(outdir, STACK_LIST), { force: true });
  const current = new Set(specs.map((s) => s.name));
  for (const entry of readdirSync(join(outdir, CdktfManifest.stacksFolder), { withFileTypes: true })) {
    if (entry.isDirectory() && !current.has(entry.name)) rmSync(join(outdir, CdktfManifest.stacksFolder, entry.name), { recursive: true, force: true });
  }
}

/** How a share's stacks are synthesized. */
export interface ShareOptions {
  /** Keep cdktf's token creation stacks (see `withoutCreationStacks`); the default leaves them out. */
  readonly creationStacks?: boolean;
}

/**
 * Stacks built and synthesized together by one cdktf App. A share is synthesized a batch at a
 * time, so a process holds the constructs of one batch, not of its whole share: its memory
 * stays flat however many stacks it synthesizes.
 */
export const BATCH_SIZE = 8;

/**
 * Synthesizes the stacks named in `only` (every stack when undefined) into `outdir`, in this
 * process, `BATCH_SIZE` at a time; `combineShares` then writes the whole `manifest.json`.
 */
export function synthShare(manifest: Manifest, outdir: string, only?: ReadonlySet<string>, options: ShareOptions = {}): ShareOutcome {
  const names = planStacks(manifest)
    .map((s) => s.name)
    .filter((n) => only === undefined || only.has(n));
  const outcomes: ShareOutcome[] = [];
  for (let i = 0; i < names.length; i += BATCH_SIZE) {
    const outcome = synthBatch(manifest, outdir, new Set(names.slice(i, i + BATCH_SIZE)), options);
    outcomes.push(outcome);
    // Findings in one batch do not stop the others (the report names every finding); anything else does.
    if (outcome.reports === undefined) break;
  }
  const error = outcomes.find((o) => o.error !== undefined)?.error;
  return {
    reports: outcomes.every((o) => o.reports !== undefined) ? outcomes.flatMap((o) => o.reports!) : undefined,
    entries: Object.assign({}, ...outcomes.map((o) => o.entries)) as Record<string, StackManifest>,
    ...(error ? { error } : {}),
  };
}

function synthBatch(manifest: Manifest, outdir: string, only: ReadonlySet<string>, options: ShareOptions): ShareOutcome {
  let built: ReturnType<typeof buildApp> | undefined;
  let error: ShareOutcome['error'];
  const build = () => {
    built = buildApp(manifest, { outdir, only });
    // A batch's App would write a manifest.json of its stacks alone; the whole one is written
    // by combineShares once every stack is synthesized, so that a synth killed half-way leaves
    // no manifest.json for a deploy to read.
    built.app.manifest.writeToFile = () => undefined;
    built.app.synth();
  };
  try {
    // Without stacks captured; a construct that throws is built again with them, to name its file and line.
    if (options.creationStacks) build();
    else withStacksOnlyForErrors(build);
  } catch (err) {
    withSourceMappedStacks(); // the stack is formatted when first read: name the .ts lines
    error = err instanceof Error ? { message: err.message, ...(err.stack !== undefined ? { stack: err.stack } : {}) } : { message: String(err) };
  }
  return { reports: built?.guardrails.report?.stacks, entries: { ...built?.app.manifest.stacks }, ...(error ? { error } : {}) };
}

/** Synthesizes every stack into `outdir` in this process, then writes `manifest.json` if every stack synthesized and passed the guardrails. */
export function synthInThisProcess(manifest: Manifest, outdir: string, options: ShareOptions = {}): ShareOutcome {
  return combineShares(planStacks(manifest), outdir, [synthShare(manifest, outdir, undefined, options)]);
}

/** How many processes to synthesize `stacks` stacks with, given `cores`: one per core from `PARALLEL_THRESHOLD` stacks on, each with at least half that many. */
export function workerCount(stacks: number, cores: number): number {
  if (stacks < PARALLEL_THRESHOLD) return 1;
  return Math.max(1, Math.min(cores, Math.floor(stacks / (PARALLEL_THRESHOLD / 2))));
}

/**
 * Roughly how much synthesizing a stack of each kind costs, relative to the others: a payments
 * stack holds the whole workflow (its JSON is three to four times a bootstrap's or a shared
 * account's).
 */
const STACK_WEIGHT: Record<StackSpec['kind'], number> = { payments: 4, deployment: 1, 'log-archive': 1, bootstrap: 1 };

/**
 * Splits `specs` into at most `n` shares of like cost: the heaviest stacks first, each to the
 * share with the least cost so far; each share keeps the manifest's order.
 */
export function shares(specs: readonly StackSpec[], n: number): string[][] {
  const load = Array.from({ length: Math.max(1, n) }, () => 0);
  const owner = new Map<string, number>();
  const heaviestFirst = specs.map((spec, i) => ({ spec, i })).sort((a, b) => STACK_WEIGHT[b.spec.kind] - STACK_WEIGHT[a.spec.kind] || a.i - b.i);
  for (const { spec } of heaviestFirst) {
    const least = load.indexOf(Math.min(...load));
    owner.set(spec.name, least);
    load[least]! += STACK_WEIGHT[spec.kind];
  }
  return load.map((_, k) => specs.filter((s) => owner.get(s.name) === k).map((s) => s.name)).filter((share) => share.length > 0);
}

interface WorkerRequest {
  readonly manifestFile: string;
  readonly outdir: string;
  readonly stacks: readonly string[];
  readonly creationStacks: boolean;
  /** Where the worker writes its `ShareOutcome`. */
  readonly result: string;
}

/**
 * Synthesizes every stack of the manifest at `manifestFile` into `outdir` with `processes`
 * processes (this one and `processes - 1` workers), then writes `manifest.json` if every stack
 * synthesized and passed the guardrails.
 */
export async function synthInProcesses(
  manifestFile: string,
  manifest: Manifest,
  outdir: string,
  processes: number,
  options: ShareOptions & { readonly worker?: WorkerCommand } = {},
): Promise<ShareOutcome> {
  const specs = planStacks(manifest);
  const parts = shares(specs, Math.max(1, processes));
  // Bundles first, here: the workers then find every zip in the cache and run no esbuild.
  for (const h of HANDLERS) bundleHandler(h);
  const dir = mkdtempSync(join(tmpdir(), 'synth-workers-'));
  try {
    const workers = parts
      .slice(1)
      .map((stacks, i) => runWorker(options.worker ?? sourceWorker(), { manifestFile, outdir, stacks, creationStacks: options.creationStacks ?? false, result: join(dir, `result-${i}.json`) }));
    // This process's own share runs while the workers run theirs.
    const own = synthShare(manifest, outdir, new Set(parts[0]), options);
    const outcomes = [own, ...(await Promise.all(workers))];
    return combineShares(specs, outdir, outcomes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function combineShares(specs: readonly StackSpec[], outdir: string, outcomes: readonly ShareOutcome[]): ShareOutcome {
  const entries: Record<string, StackManifest> = Object.assign({}, ...outcomes.map((o) => o.entries));
  const failed = outcomes.find((o) => o.error !== undefined);
  const reports = outcomes.every((o) => o.reports !== undefined) ? outcomes.flatMap((o) => o.reports!) : undefined;
  const order = new Map(specs.map((s, i) => [s.name, i]));
  const sorted = reports?.slice().sort((a, b) => order.get(a.stack)! - order.get(b.stack)!);
  if (!failed && sorted !== undefined && sorted.every((r) => r.findings.length === 0)) {
    // What App.synth() writes at its end, for all the shares: each stack's entry, with the
    // dependencies the whole App would have recorded (a share knows only its own stacks).
    const manifest = new CdktfManifest(cdktfVersion(), outdir, process.env.SYNTH_HCL_OUTPUT === 'true');
    for (const spec of specs) {
      const entry = entries[spec.name];
      if (!entry) throw new Error(`no worker synthesized stack ${spec.name}`);
      (manifest.stacks as Record<string, StackManifest>)[spec.name] = { ...entry, dependencies: [...spec.dependsOn] };
    }
    // The stack list `npm run stacks -- --json` prints, for tools that read a synth's output (the review); manifest.json is written last.
    writeFileSync(join(outdir, STACK_LIST), `${JSON.stringify(stacksJson(specs), null, 2)}\n`);
    manifest.writeToFile();
  }
  return { reports: sorted, entries, ...(failed?.error ? { error: failed.error } : {}) };
}

function cdktfVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- cdktf records its own version in manifest.json
  return (require('cdktf/package.json') as { version: string }).version;
}

/** The program that synthesizes a worker's share: `command args…` with `PAYMENTS_SYNTH_WORKER=1`. */
export interface WorkerCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** Set in the worker's environment besides `PAYMENTS_SYNTH_WORKER=1`. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A worker run from the sources: stacks/synth-worker.ts under tsx's CommonJS hook. */
const sourceWorker = (): WorkerCommand => ({ command: process.execPath, args: ['--require', require.resolve('tsx/cjs'), join(__dirname, 'synth-worker.ts')] });

/** The environment variable that makes a process started by a `WorkerCommand` a synth worker. */
export const WORKER_VARIABLE = 'PAYMENTS_SYNTH_WORKER';

/** At most this many processes synthesize at once, however many cores there are. */
export const MAX_PROCESSES = 8;

/**
 * Starts a worker: it loads the program and then reads its request from stdin. What it
 * prints on stdout goes to our stderr (stdout is not the synth's to use); its stderr is
 * passed on when it ends.
 */
export function startWorker(worker: WorkerCommand): ChildProcess {
  return spawn(worker.command, [...worker.args], { stdio: ['pipe', 2, 'pipe'], env: { ...process.env, ...worker.env, [WORKER_VARIABLE]: '1' } });
}

function runWorker(worker: WorkerCommand, request: WorkerRequest): Promise<ShareOutcome> {
  const child = startWorker(worker);
  return new Promise((resolve) => {
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => (stderr += chunk));
    const done = (code: number | null) => {
      if (code === 0 && existsSync(request.result)) {
        process.stderr.write(stderr); // what its stacks printed (warnings, debugging), as one process would have
        resolve(JSON.parse(readFileSync(request.result, 'utf8')) as ShareOutcome);
      } else resolve({ reports: undefined, entries: {}, error: { message: `a synth worker exited with ${code ?? child.signalCode}: ${stderr.trim()}` } });
    };
    child.once('close', done);
    child.stdin!.on('error', () => undefined); // a worker that ends before reading its request is reported by its exit
    // One line: the worker starts as soon as it has read it, without waiting for the end of
    // stdin, which this process closes only once its event loop runs again (after its own share).
    child.stdin!.end(`${JSON.stringify(request)}\n`);
  });
}

/** A worker's request: the first line of stdin (empty when stdin ends first: no share for it). */
export function readWorkerRequest(): string {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(64 * 1024);
  for (;;) {
    const n = readSync(0, buffer, 0, buffer.length, null);
    if (n === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, n)));
    if (buffer.subarray(0, n).includes(10)) break;
  }
  return Buffer.concat(chunks).toString('utf8').split('\n')[0]!;
}

/** A worker's whole job: synthesizes the share `requestText` names (nothing if it is empty) and writes the outcome where it says. */
export function synthWorkerShare(requestText: string): void {
  if (requestText.trim() === '') return;
  const request = JSON.parse(requestText) as WorkerRequest;
  if (!request.creationStacks) withoutSourceMappedStacks();
  const outcome = synthShare(loadManifest(request.manifestFile).manifest, request.outdir, new Set(request.stacks), { creationStacks: request.creationStacks });
  writeFileSync(request.result, JSON.stringify(outcome));
}
