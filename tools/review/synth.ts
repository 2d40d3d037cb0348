/**
 * Synthesizes one side of a review: the working tree as it is, or a git ref extracted
 * with `git archive` into a temporary directory (the working tree, index and refs are
 * never touched). The extracted tree gets a symlink to this repository's node_modules
 * and runs its OWN main.ts (as its own `npm run synth` does), which also lists its stacks
 * (`stacks.json`; a tree from before that runs its own tools/stacks.ts), so the base is built
 * and listed by the base's code.
 *
 * A `PAYMENTS_MANIFEST` inside the repository is read from each side's own tree, so a
 * manifest edit shows up as the change it is; one outside the repository is the same
 * file for both sides.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Side, StackInfo, TfJson } from './types';

export function git(repo: string, args: string[], input?: Buffer): Buffer {
  return execFileSync('git', args, { cwd: repo, input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function repoRoot(cwd: string): string {
  return git(cwd, ['rev-parse', '--show-toplevel']).toString().trim();
}

/** The full commit id of a ref, or a clear error. */
export function resolveCommit(repo: string, ref: string): string {
  try {
    return git(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])
      .toString()
      .trim();
  } catch {
    throw new Error(`--base ${ref}: no such commit in ${repo} (fetch it first, e.g. git fetch origin ${ref})`);
  }
}

/** Extracts `commit` into a fresh temporary directory with node_modules linked; returns its path. */
export function checkout(repo: string, commit: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'review-base-'));
  const tar = git(repo, ['archive', '--format=tar', commit]);
  execFileSync('tar', ['-x', '-C', dir], { input: tar, maxBuffer: 1 << 30 });
  const modules = join(repo, 'node_modules');
  if (existsSync(modules)) symlinkSync(realpathSync(modules), join(dir, 'node_modules'), 'dir');
  return dir;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (status) => {
      if (status === 0) resolvePromise(Buffer.concat(out).toString());
      else reject(new Error(`${args.join(' ')} failed in ${cwd} (exit ${status}):\n${Buffer.concat(err).toString().trim()}`));
    });
  });
}

const TSX_CLI = require.resolve('tsx/cli');

/**
 * How `tree` synthesizes, as its own `npm run synth` does: the Node arguments of its package.json's
 * synth script where that is `node [--flag…] main.ts` (main.ts compiles the program itself; it
 * is now `node --no-experimental-strip-types main.ts`, and was `node main.ts`), else main.ts
 * under tsx (trees from before that).
 */
export function synthCommand(tree: string): string[] {
  let script: unknown;
  try {
    script = (JSON.parse(readFileSync(join(tree, 'package.json'), 'utf8')) as { scripts?: Record<string, unknown> }).scripts?.synth;
  } catch {
    script = undefined;
  }
  const words = typeof script === 'string' ? script.trim().split(/\s+/) : [];
  const flags = words.slice(1, -1);
  if (words[0] === 'node' && words.at(-1) === 'main.ts' && flags.every((f) => /^--[A-Za-z0-9_-]+(=\S+)?$/.test(f))) return [...flags, 'main.ts'];
  return [TSX_CLI, 'main.ts'];
}

export interface SynthOptions {
  /** The tree to build (the repository itself, or an extracted commit). */
  readonly tree: string;
  /** The repository root (to map an in-repository PAYMENTS_MANIFEST onto `tree`). */
  readonly repo: string;
  readonly label: string;
  readonly env: NodeJS.ProcessEnv;
  /** Where PAYMENTS_MANIFEST is resolved from, as `npm run` would (the repository root by default). */
  readonly cwd: string;
}

/** Synthesizes every stack of `tree` (its own main.ts) and lists its stacks (the list its synth writes, or its own tools/stacks.ts). */
export async function synthSide(o: SynthOptions): Promise<Side> {
  const notes: string[] = [];
  const env: NodeJS.ProcessEnv = { ...o.env };
  const chosen = o.env.PAYMENTS_MANIFEST;
  if (chosen !== undefined && chosen.trim() !== '') {
    const abs = isAbsolute(chosen) ? chosen : resolve(o.cwd, chosen);
    const rel = relative(o.repo, abs);
    const inside = !rel.startsWith('..') && !isAbsolute(rel);
    const mapped = inside ? join(o.tree, rel) : abs;
    if (!existsSync(mapped)) {
      notes.push(`PAYMENTS_MANIFEST ${inside ? rel : abs} does not exist here: no stacks on this side`);
      return { label: o.label, stacks: new Map(), specs: [], notes };
    }
    env.PAYMENTS_MANIFEST = mapped;
  }
  const outdir = mkdtempSync(join(tmpdir(), 'review-synth-'));
  try {
    env.CDKTF_OUTDIR = outdir;
    await run(process.execPath, synthCommand(o.tree), o.tree, env);
    // The synth writes the stack list beside manifest.json; a tree from before that lists them with its own tools/stacks.ts.
    const listed = join(outdir, 'stacks.json');
    const listing = existsSync(listed)
      ? readFileSync(listed, 'utf8')
      : existsSync(join(o.tree, 'tools', 'stacks.ts'))
        ? await run(process.execPath, [TSX_CLI, 'tools/stacks.ts', '--json'], o.tree, env)
        : '[]';
    const specs = JSON.parse(listing) as StackInfo[];
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { synthesizedStackPath: string }> };
    const stacks = new Map<string, TfJson>();
    for (const name of Object.keys(manifest.stacks).sort()) {
      stacks.set(name, JSON.parse(readFileSync(join(outdir, manifest.stacks[name]!.synthesizedStackPath), 'utf8')) as TfJson);
    }
    return { label: o.label, stacks, specs, notes };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export interface ReviewSides {
  readonly base: Side;
  readonly head: Side;
}

/** Synthesizes `baseRef` (extracted) and the working tree of `repo`, in parallel. */
export async function synthBoth(repo: string, baseRef: string, env: NodeJS.ProcessEnv = process.env, cwd = repo): Promise<ReviewSides> {
  const commit = resolveCommit(repo, baseRef);
  const tree = checkout(repo, commit);
  try {
    const [base, head] = await Promise.all([synthSide({ tree, repo, label: `${baseRef} (${commit.slice(0, 12)})`, env, cwd }), synthSide({ tree: repo, repo, label: 'working tree', env, cwd })]);
    return { base, head };
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}
