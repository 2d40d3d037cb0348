/**
 * Synthesizes a manifest's stacks, in one process or, for a large organisation, in several:
 * each process builds only its share of the stacks (stacks hold no references to one another,
 * only deploy-order dependencies), writes their folders into the same `cdktf.out`, and checks
 * them with the guardrails; this process then writes `manifest.json` for all of them, with
 * every dependency the topology gives, and combines the guardrails reports in manifest order.
 * The output is byte for byte what a single-process synth writes.
 *
 * A worker is this file run by Node with tsx's CommonJS hook (`--require tsx/cjs`), given the
 * path of a request file; it writes its outcome next to it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Manifest as CdktfManifest, type StackManifest } from 'cdktf';
import type { Manifest } from '../accounts/schema';
import { loadManifest } from '../accounts/load';
import type { StackReport } from '../modules/guardrails';
import { HANDLERS, bundleHandler } from '../modules/workflow/lambda-bundle';
import { buildApp } from './app';
import { withSourceMappedStacks, withoutSourceMappedStacks } from './source-maps';
import { planStacks, type StackSpec } from './topology';

/** Below this many stacks one process is faster: a worker first spends about a second loading the provider bindings. */
export const PARALLEL_THRESHOLD = 40;

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
 * Prepares `outdir` for a synth of `specs`: removes `manifest.json` and the report (a synth that
 * fails leaves none for a deploy to read) and the folder of every stack the manifest no longer
 * has (as `cdktf synth` does), keeping the folders of current stacks (their `.terraform`).
 */
export function prepareOutdir(outdir: string, specs: readonly StackSpec[]): void {
  mkdirSync(join(outdir, CdktfManifest.stacksFolder), { recursive: true });
  rmSync(join(outdir, CdktfManifest.fileName), { force: true });
  rmSync(join(outdir, 'guardrails-report.json'), { force: true });
  const current = new Set(specs.map((s) => s.name));
  for (const entry of readdirSync(join(outdir, CdktfManifest.stacksFolder), { withFileTypes: true })) {
    if (entry.isDirectory() && !current.has(entry.name)) rmSync(join(outdir, CdktfManifest.stacksFolder, entry.name), { recursive: true, force: true });
  }
}

/** Synthesizes the stacks named in `only` (every stack when undefined) into `outdir`, in this process. */
export function synthShare(manifest: Manifest, outdir: string, only?: ReadonlySet<string>): ShareOutcome {
  const { app, guardrails } = buildApp(manifest, { outdir, ...(only ? { only } : {}) });
  let error: ShareOutcome['error'];
  try {
    app.synth();
  } catch (err) {
    withSourceMappedStacks(); // the stack is formatted when first read: name the .ts lines
    error = err instanceof Error ? { message: err.message, ...(err.stack !== undefined ? { stack: err.stack } : {}) } : { message: String(err) };
  }
  return { reports: guardrails.report?.stacks, entries: { ...app.manifest.stacks }, ...(error ? { error } : {}) };
}

/** How many processes to synthesize `stacks` stacks with, given `cores`. */
export function workerCount(stacks: number, cores: number): number {
  if (stacks < PARALLEL_THRESHOLD) return 1;
  return Math.max(1, Math.min(cores, Math.floor(stacks / (PARALLEL_THRESHOLD / 2))));
}

/** Splits `specs` into `n` shares of alternating stacks (so each gets a like mix of kinds). */
export function shares(specs: readonly StackSpec[], n: number): string[][] {
  const out: string[][] = Array.from({ length: n }, () => []);
  specs.forEach((s, i) => out[i % n]!.push(s.name));
  return out.filter((s) => s.length > 0);
}

interface WorkerRequest {
  readonly manifestFile: string;
  readonly outdir: string;
  readonly stacks: readonly string[];
  readonly creationStacks: boolean;
}

/**
 * Synthesizes every stack of the manifest at `manifestFile` into `outdir` with `processes`
 * processes (this one and `processes - 1` workers), then writes `manifest.json` if every stack
 * synthesized and passed the guardrails.
 */
export async function synthInProcesses(manifestFile: string, manifest: Manifest, outdir: string, processes: number, options: { readonly creationStacks?: boolean } = {}): Promise<ShareOutcome> {
  const specs = planStacks(manifest);
  const parts = shares(specs, Math.max(1, processes));
  // Bundles first, here: the workers then find every zip in the cache and run no esbuild.
  for (const h of HANDLERS) bundleHandler(h);
  const dir = mkdtempSync(join(tmpdir(), 'synth-workers-'));
  try {
    const workers = parts.slice(1).map((stacks, i) => {
      const request = join(dir, `request-${i}.json`);
      writeFileSync(request, JSON.stringify({ manifestFile, outdir, stacks, creationStacks: options.creationStacks ?? false } satisfies WorkerRequest));
      return runWorker(request);
    });
    // This process's own share runs while the workers run theirs.
    const own = synthShare(manifest, outdir, new Set(parts[0]));
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
  if (!failed) {
    // What App.synth() writes at its end, for all the shares: each stack's entry, with the
    // dependencies the whole App would have recorded (a share knows only its own stacks).
    const manifest = new CdktfManifest(cdktfVersion(), outdir, process.env.SYNTH_HCL_OUTPUT === 'true');
    for (const spec of specs) {
      const entry = entries[spec.name];
      if (!entry) throw new Error(`no worker synthesized stack ${spec.name}`);
      (manifest.stacks as Record<string, StackManifest>)[spec.name] = { ...entry, dependencies: [...spec.dependsOn] };
    }
    manifest.writeToFile();
  }
  return { reports: sorted, entries, ...(failed?.error ? { error: failed.error } : {}) };
}

function cdktfVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- cdktf records its own version in manifest.json
  return (require('cdktf/package.json') as { version: string }).version;
}

function runWorker(request: string): Promise<ShareOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), __filename, request], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (code) => {
      const result = `${request}.result.json`;
      if (code === 0 && existsSync(result)) resolve(JSON.parse(readFileSync(result, 'utf8')) as ShareOutcome);
      else resolve({ reports: undefined, entries: {}, error: { message: `a synth worker exited with ${code}: ${stderr.trim()}` } });
    });
  });
}

if (require.main === module) {
  const request = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as WorkerRequest;
  if (!request.creationStacks) withoutSourceMappedStacks();
  const outcome = synthShare(loadManifest(request.manifestFile).manifest, request.outdir, new Set(request.stacks));
  writeFileSync(`${process.argv[2]}.result.json`, JSON.stringify(outcome));
}
