/**
 * F-26 Noisy plans: two syntheses of the same commit must be byte-identical, every file
 * in cdktf.out (stack JSON, manifest, assets and their hashes), even when the commit is
 * extracted at two different paths and the second built from nothing, so no plan ever shows a
 * change nobody made.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { checkout, resolveCommit, synthCommand } from '../../../tools/review/synth';
import { withoutSharedStore } from '../../support/checkouts';
import { SOURCE_REPO } from './git-repo';

function filesOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

function synthAt(tree: string): Map<string, string> {
  const outdir = mkdtempSync(join(tmpdir(), 'determinism-out-'));
  try {
    execFileSync(process.execPath, synthCommand(tree), { cwd: tree, env: { ...process.env, CDKTF_OUTDIR: outdir }, stdio: ['ignore', 'ignore', 'pipe'] });
    return filesOf(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

test('F-26 given one commit extracted twice at different paths, when each is synthesized, then every file in cdktf.out is byte-identical', () => {
  const commit = resolveCommit(SOURCE_REPO, 'HEAD');
  const a = checkout(SOURCE_REPO, commit);
  const b = checkout(SOURCE_REPO, commit);
  // b builds everything itself: the same packages, but not the build store they hold for every
  // checkout (node_modules/.cache), which would hand b what a built.
  withoutSharedStore(b);
  try {
    const first = synthAt(a);
    const second = synthAt(b);
    expect(first.size).toBeGreaterThan(0);
    expect([...first.keys()].filter((f) => f.endsWith('cdk.tf.json')).length).toBeGreaterThan(0);
    expect(Object.fromEntries(second)).toEqual(Object.fromEntries(first));
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});
