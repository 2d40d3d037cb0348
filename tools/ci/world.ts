/**
 * What the CI commands read from disk and git: the context a deploy run fixes at its start
 * (base manifest, stacks with state, admin-owned resource addresses), the plan results the
 * jobs record, the ledger of stacks earlier attempts applied, and, for the dry run, plan
 * results predicted from the synthesized difference between the base commit and this tree.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { validateManifest, type Manifest } from '../../accounts/schema';
import { diffResources } from '../review/diff';
import { checkout, resolveCommit, synthCommand } from '../review/synth';
import type { TfJson } from '../review/types';
import { adminOwnedAddresses, type PlanResult, type PushWorld } from './engine';

/** Fixed at the start of a deploy run (the preview job writes it; the stage jobs read the same file). */
export interface RunContext {
  readonly baseRef?: string;
  readonly baseManifest?: Manifest;
  /** Stacks with state when the run started. */
  readonly state: string[];
  readonly adminAddresses: Record<string, string[]>;
  /** Removed stacks the base commit's synth has (their destroy can be planned). */
  readonly baseSynthesized?: string[];
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** The stacks synthesized into `outdir` (cdktf.out), by name. */
export function readSynth(outdir: string): Map<string, TfJson> {
  const stacks = new Map<string, TfJson>();
  const dir = join(outdir, 'stacks');
  if (!existsSync(dir)) return stacks;
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name, 'cdk.tf.json');
    if (existsSync(file)) stacks.set(name, readJson<TfJson>(file));
  }
  return stacks;
}

export function adminAddressesOf(stacks: ReadonlyMap<string, TfJson>): Record<string, string[]> {
  return Object.fromEntries([...stacks].map(([name, tf]) => [name, [...adminOwnedAddresses(tf)].sort()]));
}

/** A ledger is a directory with one empty file per stack applied (artifacts of several attempts merge into it), or a JSON list. */
export function readLedger(path: string | undefined): Set<string> {
  if (path === undefined || !existsSync(path)) return new Set();
  if (statSync(path).isDirectory()) return new Set(readdirSync(path));
  return new Set(readJson<string[]>(path));
}

/** Plan results recorded as `<dir>/<stack>.json`. */
export function readResults(dir: string | undefined): Map<string, PlanResult> {
  const out = new Map<string, PlanResult>();
  if (dir === undefined || !existsSync(dir)) return out;
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.json'))
    .sort()) {
    const r = readJson<PlanResult>(join(dir, f));
    out.set(r.stack, r);
  }
  return out;
}

export function worldOf(manifest: Manifest, ctx: RunContext, results: ReadonlyMap<string, PlanResult>, ledger: ReadonlySet<string>): PushWorld {
  return {
    manifest,
    ...(ctx.baseManifest ? { baseManifest: ctx.baseManifest } : {}),
    ...(ctx.baseRef ? { baseRef: ctx.baseRef } : {}),
    state: new Set(ctx.state),
    preview: results,
    adminAddresses: new Map(Object.entries(ctx.adminAddresses).map(([k, v]) => [k, new Set(v)])),
    ledger,
    ...(ctx.baseSynthesized ? { baseSynthesized: new Set(ctx.baseSynthesized) } : {}),
  };
}

const TSX_CLI = require.resolve('tsx/cli');

function tsx(tree: string, args: string[], env: NodeJS.ProcessEnv): string {
  return node(tree, [TSX_CLI, ...args], env);
}

/** Runs Node with `args` in `tree` and returns its stdout; throws with its stderr when it fails. */
function node(tree: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, args, { cwd: tree, env, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed in ${tree} (exit ${r.status}):\n${(r.stderr ?? '').trim()}`);
  return r.stdout;
}

/** PAYMENTS_MANIFEST as the extracted tree should see it (a file inside the repository is read from that tree). */
function envFor(repo: string, tree: string, env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
  const chosen = env.PAYMENTS_MANIFEST;
  if (chosen === undefined || chosen.trim() === '') return { ...env };
  const abs = isAbsolute(chosen) ? chosen : resolve(cwd, chosen);
  const rel = relative(repo, abs);
  const inside = !rel.startsWith('..') && !isAbsolute(rel);
  return { ...env, PAYMENTS_MANIFEST: inside ? join(tree, rel) : abs };
}

export interface BaseTree {
  readonly commit: string;
  readonly manifest: Manifest | undefined;
  /** Synthesized into this directory when asked (the destroy needs it). */
  readonly outdir?: string;
  readonly stacks: ReadonlyMap<string, TfJson>;
}

/**
 * The base commit, built by its own code: its manifest (validated by this tree's schema) and,
 * when `outdir` is given, its synthesized stacks (what a destroy of a removed stack runs).
 * A base without a manifest (the repository's first commit) has no stacks.
 */
export function readBase(repo: string, ref: string, options: { outdir?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): BaseTree {
  const commit = resolveCommit(repo, ref);
  const tree = checkout(repo, commit);
  try {
    const env = envFor(repo, tree, options.env ?? process.env, options.cwd ?? repo);
    const script = "const l=require('./accounts/load');process.stdout.write(JSON.stringify(l.loadManifest(l.manifestPath()).manifest))";
    let manifest: Manifest | undefined;
    try {
      const checked = validateManifest(JSON.parse(tsx(tree, ['-e', script], env)));
      if (!checked.ok) throw new Error(`the base commit's manifest is not valid here: ${checked.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
      manifest = checked.manifest;
    } catch (err) {
      if (!existsSync(join(tree, 'accounts', 'load.ts'))) manifest = undefined;
      else throw err;
    }
    let stacks = new Map<string, TfJson>();
    if (options.outdir !== undefined && manifest !== undefined) {
      const outdir = resolve(options.outdir);
      rmSync(outdir, { recursive: true, force: true });
      mkdirSync(outdir, { recursive: true });
      node(tree, synthCommand(tree), { ...env, CDKTF_OUTDIR: outdir });
      stacks = readSynth(outdir);
    }
    return { commit, manifest, ...(options.outdir !== undefined ? { outdir: resolve(options.outdir) } : {}), stacks };
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

/**
 * The dry run's stand-in for `terraform plan`: what the synthesized configuration changes
 * against what was applied. A stack without state was never applied (everything is created);
 * one with state was applied from the base commit's synth, or, when the base does not have it,
 * from this tree (an administrator applied it from this commit). It cannot see drift, and it
 * does not know values only AWS knows.
 */
export function predictPlan(stack: string, state: ReadonlySet<string>, base: ReadonlyMap<string, TfJson>, head: ReadonlyMap<string, TfJson>): PlanResult {
  const before = !state.has(stack) ? undefined : base.has(stack) ? base.get(stack) : head.get(stack);
  const addresses = diffResources(stack, before, head.get(stack)).map((c) => c.address);
  return { stack, outcome: addresses.length > 0 ? 'changes' : 'unchanged', addresses };
}
