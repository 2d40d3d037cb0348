/**
 * Bundles one handler folder of `lambdas/` with esbuild at synth time: one CommonJS
 * `index.js` per function with everything it imports (AWS SDK and Powertools included:
 * nothing is expected from the runtime, F-16), tree-shaken and minified, no source maps,
 * no banner with a date or path, packed into a deterministic zip (F-26).
 *
 * Output: `.gen/lambdas/<name>/index.js` and `.gen/lambdas/<name>.zip` (git-ignored). The
 * same process bundles each function once, however many stacks use it.
 */
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createZip } from './deterministic-zip';

export const LAMBDAS_DIR = resolve(__dirname, '..', '..', 'lambdas');
export const BUNDLE_DIR = resolve(__dirname, '..', '..', '.gen', 'lambdas');
/** Handler folders of `lambdas/` that are deployed as functions. */
export const HANDLERS = ['validate', 'fraud', 'charge', 'submit', 'status', 'failure', 'reconcile'] as const;
export type HandlerName = (typeof HANDLERS)[number];

export interface LambdaBundle {
  readonly name: HandlerName;
  /** Absolute path of the zip. */
  readonly zipPath: string;
  /** Absolute path of the bundled `index.js` (what the zip holds). */
  readonly scriptPath: string;
  /** base64 SHA-256 of the zip: Lambda's `source_code_hash`. */
  readonly sha256: string;
  readonly bytes: number;
}

const built = new Map<HandlerName, LambdaBundle>();

export function bundleHandler(name: HandlerName): LambdaBundle {
  const hit = built.get(name);
  if (hit) return hit;
  const entry = join(LAMBDAS_DIR, name, 'index.ts');
  if (!existsSync(entry)) throw new Error(`no handler at ${entry}: add lambdas/${name}/index.ts or fix the name`);
  const result = buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    treeShaking: true,
    sourcemap: false,
    legalComments: 'none',
    charset: 'utf8',
    write: false,
    logLevel: 'silent',
    // Powertools and the SDK ship ESM and CJS; prefer the CJS `main` so `require` works alike everywhere.
    mainFields: ['main', 'module'],
  });
  const script = Buffer.from(result.outputFiles[0].contents);
  const zip = createZip([{ name: 'index.js', data: script }]);
  const dir = join(BUNDLE_DIR, name);
  mkdirSync(dir, { recursive: true });
  const scriptPath = join(dir, 'index.js');
  const zipPath = join(BUNDLE_DIR, `${name}.zip`);
  atomicWrite(scriptPath, script);
  atomicWrite(zipPath, zip);
  const bundle: LambdaBundle = { name, zipPath, scriptPath, sha256: createHash('sha256').update(zip).digest('base64'), bytes: zip.length };
  built.set(name, bundle);
  return bundle;
}

/** Several processes (jest workers) may bundle at once: write aside, then rename. */
function atomicWrite(path: string, data: Buffer): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
