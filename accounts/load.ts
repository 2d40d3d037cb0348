/**
 * Loads the manifest: the TypeScript one in this folder by default, or the file that
 * `PAYMENTS_MANIFEST` names (`.ts` exporting `manifest` or a default export, or `.json`).
 * Always validated; never falls back silently.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, isAbsolute, relative, resolve } from 'node:path';
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
 * Loads a manifest module. The compiled synth program (see main.ts) runs under Node alone, whose
 * type stripping loads a TypeScript manifest that imports nothing but types (as
 * accounts/manifest.ts); a manifest it cannot load that way (one that imports a module without
 * its extension, say) is loaded again through tsx, as the rest of the tools run.
 */
function requireManifest(file: string): Record<string, unknown> {
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
