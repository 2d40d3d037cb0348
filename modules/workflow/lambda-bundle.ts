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
 * zip writer, the installed packages (`node_modules/.package-lock.json`), `package.json` and
 * `tsconfig.json`, the content of every file of this repository that esbuild read for it (its
 * metafile's inputs: the handler, `lambdas/runtime/`, `contract/`, …) and the module names
 * beside them (see `inputsKey`). A synth whose inputs hash the same reuses the zip without
 * starting esbuild; any change to one of those files (or a new import, which changes the
 * importing file) rebuilds it. The zip is then byte-identical to a fresh build, as bundling is
 * deterministic.
 *
 * Built once, across checkouts: every bundle built is also kept, under its key, in
 * `node_modules/.cache/payments-lambdas/` (`STORE_DIR`), which every checkout that uses the same
 * node_modules shares: a worktree with node_modules linked, or a commit that `npm run review`
 * extracts. A checkout without a zip of its own takes the stored one whose recorded inputs hash
 * the same here (the most recently used first), so building the same code again elsewhere does
 * not start esbuild either. The store keeps the last `STORE_KEEP` bundles of each function.
 */
import type { BuildOptions } from 'esbuild';
import { version as esbuildVersion } from 'esbuild/package.json';
import { createHash } from 'node:crypto';
import { type Dirent, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { atomicWrite } from '../core/atomic-write';
import { createZip } from './deterministic-zip';

const ROOT = resolve(__dirname, '..', '..');
export const LAMBDAS_DIR = join(ROOT, 'lambdas');
export const BUNDLE_DIR = join(ROOT, '.gen', 'lambdas');
/** Bundles kept for every checkout that uses this node_modules (see the top of this file). */
export const STORE_DIR = join(ROOT, 'node_modules', '.cache', 'payments-lambdas');
/** How many bundles of each function the store keeps (the most recently used). */
export const STORE_KEEP = 8;
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
  const bundle = fromCache(name, recordPath, zipPath, scriptPath) ?? fromStore(name, recordPath, zipPath, scriptPath) ?? buildAndCache(name, recordPath, zipPath, scriptPath);
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
  // Loaded only to build: a synth whose bundles are all cached does not load esbuild at all.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildSync } = require('esbuild') as typeof import('esbuild');
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
  if (key !== undefined) {
    const record = Buffer.from(`${JSON.stringify({ key, inputs, sha256 } satisfies CacheRecord, null, 2)}\n`);
    // Written last: a record only ever describes a zip already in place.
    atomicWrite(recordPath, record);
    store(name, key, { zip, script, record });
  }
  return { name, zipPath, scriptPath, sha256, assetHash: assetHashOf(zip), bytes: zip.length };
}

/** Keeps a bundle built here for other checkouts, and forgets all but the last `STORE_KEEP` of that function. */
function store(name: HandlerName, key: string, files: { zip: Buffer; script: Buffer; record: Buffer }): void {
  const dir = join(STORE_DIR, name);
  try {
    mkdirSync(dir, { recursive: true });
    atomicWrite(join(dir, `${key}.zip`), files.zip);
    atomicWrite(join(dir, `${key}.js`), files.script);
    atomicWrite(join(dir, `${key}.json`), files.record);
    for (const old of storedRecords(dir).slice(STORE_KEEP)) {
      for (const ext of ['.json', '.zip', '.js']) rmSync(join(dir, `${old}${ext}`), { force: true });
    }
  } catch {
    // The store only saves time: a read-only or full node_modules leaves this checkout's bundle as it is.
  }
}

/** Keys of the bundles stored in `dir`, the most recently used first. */
function storedRecords(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const used = (key: string) => {
    try {
      return statSync(join(dir, `${key}.json`)).mtimeMs;
    } catch {
      return 0;
    }
  };
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .map((key) => ({ key, used: used(key) }))
    .sort((a, b) => b.used - a.used || a.key.localeCompare(b.key))
    .map((r) => r.key);
}

/** The stored bundle of `name` whose recorded inputs hash the same in this checkout, copied into it. */
function fromStore(name: HandlerName, recordPath: string, zipPath: string, scriptPath: string): LambdaBundle | undefined {
  const dir = join(STORE_DIR, name);
  for (const key of storedRecords(dir)) {
    try {
      const recordBytes = readFileSync(join(dir, `${key}.json`));
      const record = JSON.parse(recordBytes.toString('utf8')) as CacheRecord;
      if (record.key !== key || !Array.isArray(record.inputs) || inputsKey(record.inputs) !== key) continue;
      const zip = readFileSync(join(dir, `${key}.zip`));
      const sha256 = createHash('sha256').update(zip).digest('base64');
      if (sha256 !== record.sha256) continue;
      const script = readFileSync(join(dir, `${key}.js`));
      mkdirSync(join(BUNDLE_DIR, name), { recursive: true });
      atomicWrite(scriptPath, script);
      atomicWrite(zipPath, zip);
      atomicWrite(recordPath, recordBytes);
      const now = new Date();
      utimesSync(join(dir, `${key}.json`), now, now);
      return { name, zipPath, scriptPath, sha256, assetHash: assetHashOf(zip), bytes: zip.length };
    } catch {
      // removed by another process meanwhile, or unreadable: try the next, or build
    }
  }
  return undefined;
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
  // Built before the store existed, or the store was emptied (`npm ci` replaces node_modules): keep it there too.
  if (!existsSync(join(STORE_DIR, name, `${record.key}.json`))) store(name, record.key, { zip, script: readFileSync(scriptPath), record: readFileSync(recordPath) });
  return { name, zipPath, scriptPath, sha256, assetHash: assetHashOf(zip), bytes: zip.length };
}

/**
 * Hash of everything that shapes a bundle whose repository inputs are `inputs`; undefined when
 * one of them is gone: esbuild's version and options, the zip writer, the packages installed
 * (`node_modules/.package-lock.json`, which npm rewrites on every install; the lock file
 * without it), the `package.json` and `tsconfig.json` esbuild reads, the inputs' content, and
 * the module names beside them and in every folder above them (a file added there can change
 * what an import resolves to).
 */
function inputsKey(inputs: readonly string[]): string | undefined {
  const hash = createHash('sha256');
  hash.update(`inputs key 2\nesbuild ${esbuildVersion}\n${JSON.stringify(OPTIONS)}\n`);
  // The zip writer's source: a change to how zips are written changes every zip.
  hash.update(contentDigest(join(__dirname, 'deterministic-zip.ts')) ?? 'absent');
  const installed = join(ROOT, 'node_modules', '.package-lock.json');
  for (const file of [existsSync(installed) ? installed : join(ROOT, 'package-lock.json'), join(ROOT, 'package.json'), join(ROOT, 'tsconfig.json')]) {
    hash.update(`\n${relative(ROOT, file)}\n`);
    hash.update(contentDigest(file) ?? 'absent');
  }
  for (const input of inputs) {
    const digest = contentDigest(join(ROOT, input));
    if (digest === undefined) return undefined;
    hash.update(`\n${input}\n`);
    hash.update(digest);
  }
  hash.update(`\n${moduleNamesAround(inputs)}`);
  return hash.digest('hex');
}

/** Digests of files this process has read, with the file's identity when it was read (see `contentDigest`). */
const digests = new Map<string, { readonly stamp: string; readonly digest: Buffer }>();

/**
 * SHA-256 of the file's content; undefined when there is no such file. Every handler's key holds
 * the lock file and the shared sources, so a process that checks seven bundles would read and
 * hash them seven times: a digest is remembered while the file's inode, size, and change and
 * modification times stay the same (a write, and even a `utimes`, changes its change time).
 * A file changed in the last two seconds is read again every time: the kernel's clock for those
 * times moves in steps of a few milliseconds, and two writes within one step leave the same times.
 */
function contentDigest(file: string): Buffer | undefined {
  const stat = statSync(file, { bigint: true, throwIfNoEntry: false });
  if (stat === undefined || !stat.isFile()) return undefined;
  const stamp = `${stat.ino}:${stat.size}:${stat.ctimeNs}:${stat.mtimeNs}`;
  const known = digests.get(file);
  if (known?.stamp === stamp) return known.digest;
  const digest = createHash('sha256').update(readFileSync(file)).digest();
  if (BigInt(Date.now()) * 1_000_000n - stat.ctimeNs > 2_000_000_000n) digests.set(file, { stamp, digest });
  else digests.delete(file);
  return digest;
}

/** The module files and module folders (holding an index file or package.json) in every folder of `inputs` and every folder above them. */
function moduleNamesAround(inputs: readonly string[]): string {
  const folders = new Set<string>();
  for (const input of inputs) for (let d = dirname(input); !folders.has(d); d = dirname(d)) folders.add(d);
  // .tsx and .jsx too: esbuild tries them first when it resolves an import without extension.
  // A plain file that is not a module holds no index file: only folders (and links, which may be folders) are looked into.
  const isModule = (path: string, entry: Dirent) =>
    /\.(c|m)?(t|j)sx?$|\.json$/.test(entry.name) || (!entry.isFile() && ['index.ts', 'index.js', 'package.json'].some((f) => existsSync(join(path, entry.name, f))));
  return [...folders]
    .sort()
    .map((d) => {
      const path = join(ROOT, d);
      const names = existsSync(path)
        ? readdirSync(path, { withFileTypes: true })
            .filter((entry) => entry.name !== 'node_modules' && isModule(path, entry))
            .map((entry) => entry.name)
        : ['(gone)'];
      return `${d}: ${names.sort().join(' ')}`;
    })
    .join('\n');
}
