/**
 * Other checkouts of this repository, for tests of what is built once and shared between
 * checkouts (the compiled synth program, the Lambda zips: see main.ts and
 * modules/workflow/lambda-bundle.ts).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');

/** Copies the repository's tracked files, as the working tree has them, into `dir`, with node_modules linked as `npm run review` links it. */
export function copyRepository(dir: string): string {
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of tracked) {
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(ROOT, file), join(dir, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/**
 * Gives the checkout at `dir` the same packages without the build store every checkout that
 * shares node_modules holds (`node_modules/.cache`): each package linked on its own, and an
 * empty `.cache`. Returns a function that links node_modules whole again.
 */
export function withoutSharedStore(dir: string): () => void {
  const modules = join(dir, 'node_modules');
  const shared = realpathSync(modules);
  rmSync(modules, { recursive: true, force: true });
  mkdirSync(join(modules, '.cache'), { recursive: true });
  for (const entry of readdirSync(shared)) if (entry !== '.cache') symlinkSync(join(shared, entry), join(modules, entry));
  return () => {
    rmSync(modules, { recursive: true, force: true });
    symlinkSync(shared, modules, 'dir');
  };
}
