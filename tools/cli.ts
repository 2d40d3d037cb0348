/**
 * Shared plumbing for the command-line tools: load the manifest or exit with every
 * problem listed (no stack trace), and small argument helpers.
 */
import { loadManifest, type LoadedManifest } from '../accounts/load';
import { ManifestError } from '../accounts/schema';

export function loadManifestOrExit(): LoadedManifest {
  try {
    return loadManifest();
  } catch (err) {
    if (err instanceof ManifestError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** `--name value` or `--name=value`; undefined when absent. */
export function flag(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === `--${name}`) return args[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

export function hasFlag(args: readonly string[], name: string): boolean {
  return args.includes(`--${name}`);
}
