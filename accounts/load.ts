/**
 * Loads the manifest: the TypeScript one in this folder by default, or the file that
 * `PAYMENTS_MANIFEST` names (`.ts` exporting `manifest` or a default export, or `.json`).
 * Always validated; never falls back silently.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { atomicWrite } from '../modules/core/atomic-write';
import { ManifestError, validateManifest, type Manifest } from './schema';

export const DEFAULT_MANIFEST = resolve(__dirname, 'manifest.ts');

export interface LoadedManifest {
  readonly manifest: Manifest;
  /** Absolute path of the file it came from. */
  readonly source: string;
}

/** Resolves `PAYMENTS_MANIFEST` (relative to the working directory) or the default. */
export function manifestPath(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const chosen = env.PAYMENTS_MANIFEST;
  if (chosen === undefined || chosen.trim() === '') return DEFAULT_MANIFEST;
  return isAbsolute(chosen) ? chosen : resolve(cwd, chosen);
}

/** Reads the raw (unvalidated) manifest object from a `.ts` or `.json` file. */
export function readRawManifest(file: string): unknown {
  const shown = displayPath(file);
  if (!existsSync(file)) throw new ManifestError(shown, [{ path: '(file)', message: `no such file: ${file}` }]);
  const ext = extname(file);
  if (ext === '.json') {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ManifestError(shown, [{ path: '(file)', message: `not valid JSON: ${(err as Error).message}` }]);
    }
  }
  if (ext === '.ts' || ext === '.js' || ext === '.cjs' || ext === '.mts') {
    let mod: Record<string, unknown>;
    try {
      mod = requireManifest(file);
    } catch (err) {
      throw new ManifestError(shown, [{ path: '(file)', message: `could not be loaded: ${(err as Error).message.split('\n')[0]}` }]);
    }
    const value = mod.manifest ?? mod.default;
    if (value === undefined) {
      throw new ManifestError(shown, [{ path: '(file)', message: 'must export `manifest` (or a default export)' }]);
    }
    return value;
  }
  throw new ManifestError(shown, [{ path: '(file)', message: `unsupported extension ${JSON.stringify(ext)}: use .ts or .json` }]);
}

/**
 * Loads a manifest module. A TypeScript manifest that imports nothing at run time (as
 * accounts/manifest.ts, which imports only types) is compiled to CommonJS by esbuild, once per
 * content (`compiledManifest`), and run as a strict-mode module of its own: a synth then loads
 * no TypeScript stripper (see main.ts). Any other manifest, and one esbuild cannot compile
 * exactly (an error, or a warning such as `import.meta`, which CommonJS does not have), is
 * loaded with `require`; where Node cannot load it that way (in the synth, which runs with
 * Node's type stripping off, no TypeScript file; in the tools, a manifest that imports a module
 * without its extension, say), it is loaded again through tsx, as the rest of the tools run.
 */
function requireManifest(file: string): Record<string, unknown> {
  const compiled = extname(file) === '.ts' ? compiledManifest(file) : undefined;
  if (compiled !== undefined && !/\brequire\s*\(|\bimport\s*\(/.test(compiled)) return runModule(compiled, file);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the manifest's path is known only at run time
    return require(file) as Record<string, unknown>;
  } catch (err) {
    // Only a manifest Node could not load (not one that threw while it ran) is tried again.
    const code = (err as { code?: string }).code;
    const notLoadable =
      err instanceof SyntaxError ||
      ['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX', 'ERR_INVALID_TYPESCRIPT_SYNTAX', 'ERR_UNKNOWN_FILE_EXTENSION', 'ERR_REQUIRE_ESM'].includes(code ?? '');
    if (!/\.m?ts$/.test(file) || !notLoadable) throw err;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- tsx only when it is needed
    const { register } = require('tsx/cjs/api') as { register(): () => void };
    const unregister = register();
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
      return require(file) as Record<string, unknown>;
    } finally {
      unregister();
    }
  }
}

/**
 * Where compiled TypeScript manifests are kept, and how many: beside the compiled synth program
 * (see stacks/launcher.ts), where every checkout that uses the same node_modules finds them.
 */
const COMPILED_MANIFESTS = resolve(__dirname, '..', 'node_modules', '.cache', 'payments-manifests');
const COMPILED_KEEP = 100;

/**
 * The TypeScript manifest at `file` compiled to CommonJS by esbuild; undefined when esbuild cannot
 * compile it, or warns (then `require` loads it, or reports what is wrong, as before). Kept as
 * `<COMPILED_MANIFESTS>/<hash of its content>.js`, so the same manifest is compiled once, for every
 * checkout; the `COMPILED_KEEP` most recently used are kept.
 */
function compiledManifest(file: string): string | undefined {
  const source = readFileSync(file, 'utf8');
  // Version 2: compiled in strict mode (what version 1 compiled was not).
  const cached = join(COMPILED_MANIFESTS, `${createHash('sha256').update(`compiled manifest 2\n${source}`).digest('hex').slice(0, 32)}.js`);
  let code: string | undefined;
  try {
    code = readFileSync(cached, 'utf8');
  } catch {
    // not compiled yet
  }
  if (code !== undefined) {
    try {
      const now = new Date();
      utimesSync(cached, now, now);
    } catch {
      // a read-only node_modules: it is used all the same
    }
    return code;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- esbuild only to compile a manifest not compiled before
    const result = (require('esbuild') as typeof import('esbuild')).transformSync(source, { loader: 'ts', format: 'cjs', target: 'node22', sourcefile: file, logLevel: 'silent' });
    if (result.warnings.length > 0) return undefined;
    // On the first line, so that every line keeps its number; a hashbang, which esbuild keeps and a function body may not hold, blanked.
    code = `"use strict";${result.code.replace(/^#!.*/, '')}`;
  } catch {
    return undefined;
  }
  try {
    mkdirSync(COMPILED_MANIFESTS, { recursive: true });
    atomicWrite(cached, code);
    const kept = readdirSync(COMPILED_MANIFESTS)
      .map((name) => ({ name, used: statSync(join(COMPILED_MANIFESTS, name), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
      .sort((a, b) => b.used - a.used);
    for (const old of kept.slice(COMPILED_KEEP)) rmSync(join(COMPILED_MANIFESTS, old.name), { force: true });
  } catch {
    // Only saves time: with node_modules read-only, it is compiled again next time.
  }
  return code;
}

/**
 * Runs `code` as the CommonJS module `file` (its own `require`, `__filename` and `__dirname`),
 * in the caller's realm (a jest test's objects stay its own), with stack frames named by `file`.
 */
function runModule(code: string, file: string): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  const run = new Function('exports', 'require', 'module', '__filename', '__dirname', `${code}\n//# sourceURL=${pathToFileURL(file).href}`) as (...args: unknown[]) => void;
  run(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

/** Loads and validates; throws `ManifestError` listing every problem. */
export function loadManifest(file: string = manifestPath()): LoadedManifest {
  const result = validateManifest(readRawManifest(file));
  if (!result.ok) throw new ManifestError(displayPath(file), result.problems);
  return { manifest: result.manifest, source: file };
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}
