/**
 * Bundles one handler folder of `lambdas/` with esbuild at synth time: one CommonJS
 * `index.js` per function with everything it imports (AWS SDK and Powertools included:
 * nothing is expected from the runtime, F-16), tree-shaken and minified, no source maps,
 * no banner with a date or path, packed into a deterministic zip (F-26).
 *
 * Output: `.gen/lambdas/<name>/index.js` and `.gen/lambdas/<name>.zip` (git-ignored). The
 * same process bundles each function once, however many stacks use it.
 *
 * Built once, across processes: next to each zip, `.gen/lambdas/<name>.json` records the
 * content hash of everything that shapes the bundle — the esbuild version and options, the
 * zip writer, `package-lock.json` (which pins every package the bundle pulls from
 * node_modules) and the content of every file of this repository that esbuild read for it
 * (its metafile's inputs: the handler, `lambdas/runtime/`, `contract/`, …). A synth whose
 * inputs hash the same reuses the zip without starting esbuild; any change to one of those
 * files (or a new import, which changes the importing file) rebuilds it. The zip is then
 * byte-identical to a fresh build, as bundling is deterministic.
 */
import { buildSync, version as esbuildVersion, type BuildOptions } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { createZip } from './deterministic-zip';

const ROOT = resolve(__dirname, '..', '..');
export const LAMBDAS_DIR = join(ROOT, 'lambdas');
export const BUNDLE_DIR = join(ROOT, '.gen', 'lambdas');
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
  /**
   * The zip's content hash as cdktf's `TerraformAsset` names an asset's folder (upper-case hex
   * MD5), given to it so that it does not read and hash the zip again for every function of
   * every stack (test/lambdas/asset-hash.test.ts checks the two agree).
   */
  readonly assetHash: string;
  readonly bytes: number;
}

const OPTIONS = {
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
  metafile: true,
  // Powertools and the SDK ship ESM and CJS; prefer the CJS `main` so `require` works alike everywhere.
  mainFields: ['main', 'module'],
} as const satisfies BuildOptions;

/** What the cache file next to a zip records. */
interface CacheRecord {
  /** Content hash of the bundle's inputs (see the top of this file). */
  readonly key: string;
  /** Files of this repository esbuild read for the bundle, relative to the repository root. */
  readonly inputs: readonly string[];
  /** base64 SHA-256 of the zip it produced. */
  readonly sha256: string;
}

const built = new Map<HandlerName, LambdaBundle>();
let esbuildRuns = 0;

/** How many times this process ran esbuild (a synth with unchanged handlers runs it zero times). */
export function esbuildRunCount(): number {
  return esbuildRuns;
}

export function bundleHandler(name: HandlerName): LambdaBundle {
  const hit = built.get(name);
  if (hit) return hit;
  const entry = join(LAMBDAS_DIR, name, 'index.ts');
  if (!existsSync(entry)) throw new Error(`no handler at ${entry}: add lambdas/${name}/index.ts or fix the name`);
  const dir = join(BUNDLE_DIR, name);
  const scriptPath = join(dir, 'index.js');
  const zipPath = join(BUNDLE_DIR, `${name}.zip`);
  const recordPath = join(BUNDLE_DIR, `${name}.json`);
  const bundle = fromCache(name, recordPath, zipPath, scriptPath) ?? buildAndCache(name, recordPath, zipPath, scriptPath);
  built.set(name, bundle);
  return bundle;
}

/**
 * Bundles `name` with esbuild and returns the zip's bytes, writing nothing and reading no
 * cache: what a clean checkout would build.
 */
export function freshBundle(name: HandlerName): { zip: Buffer; script: Buffer; inputs: string[] } {
  const entry = join(LAMBDAS_DIR, name, 'index.ts');
  esbuildRuns += 1;
  const result = buildSync({ ...OPTIONS, entryPoints: [entry] });
  const script = Buffer.from(result.outputFiles[0]!.contents);
  const inputs = Object.keys(result.metafile.inputs)
    .map((p) => (isAbsolute(p) ? relative(ROOT, p) : relative(ROOT, resolve(process.cwd(), p))))
    .filter((p) => !p.startsWith('..') && !p.split(/[\\/]/).includes('node_modules'))
    .map((p) => p.split('\\').join('/'))
    .sort();
  return { zip: createZip([{ name: 'index.js', data: script }]), script, inputs };
}

function buildAndCache(name: HandlerName, recordPath: string, zipPath: string, scriptPath: string): LambdaBundle {
  const { zip, script, inputs } = freshBundle(name);
  mkdirSync(join(BUNDLE_DIR, name), { recursive: true });
  atomicWrite(scriptPath, script);
  atomicWrite(zipPath, zip);
  const sha256 = createHash('sha256').update(zip).digest('base64');
  const key = inputsKey(inputs);
  // Written last: a record only ever describes a zip already in place.
  if (key !== undefined) atomicWrite(recordPath, Buffer.from(`${JSON.stringify({ key, inputs, sha256 } satisfies CacheRecord, null, 2)}\n`));
  return { name, zipPath, scriptPath, sha256, assetHash: assetHashOf(zip), bytes: zip.length };
}

const assetHashOf = (zip: Buffer): string => createHash('md5').update(zip).digest('hex').toUpperCase();

function fromCache(name: HandlerName, recordPath: string, zipPath: string, scriptPath: string): LambdaBundle | undefined {
  if (!existsSync(recordPath) || !existsSync(zipPath) || !existsSync(scriptPath)) return undefined;
  let record: CacheRecord;
  try {
    record = JSON.parse(readFileSync(recordPath, 'utf8')) as CacheRecord;
  } catch {
    return undefined;
  }
  if (!Array.isArray(record.inputs) || typeof record.key !== 'string' || inputsKey(record.inputs) !== record.key) return undefined;
  const zip = readFileSync(zipPath);
  const sha256 = createHash('sha256').update(zip).digest('base64');
  // A zip changed by hand (or half written by a killed process) is rebuilt, not trusted.
  if (sha256 !== record.sha256) return undefined;
  return { name, zipPath, scriptPath, sha256, assetHash: assetHashOf(zip), bytes: zip.length };
}

/** Hash of everything that shapes a bundle whose repository inputs are `inputs`; undefined when one of them is gone. */
function inputsKey(inputs: readonly string[]): string | undefined {
  const hash = createHash('sha256');
  hash.update(`esbuild ${esbuildVersion}\n${JSON.stringify(OPTIONS)}\n`);
  // The zip writer's source: a change to how zips are written changes every zip.
  hash.update(readFileSync(join(__dirname, 'deterministic-zip.ts')));
  const lock = join(ROOT, 'package-lock.json');
  hash.update(existsSync(lock) ? readFileSync(lock) : Buffer.from('no lock file'));
  for (const input of inputs) {
    const file = join(ROOT, input);
    if (!existsSync(file)) return undefined;
    hash.update(`\n${input}\n`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

/** Several processes (jest workers, synth workers) may bundle at once: write aside, then rename. */
function atomicWrite(path: string, data: Buffer): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
