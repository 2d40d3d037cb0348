/**
 * Shared plumbing for the command-line tools: load the manifest or exit with every
 * problem listed (no stack trace), and strict argument parsing.
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

export { parseCommandLine } from '../modules/core/command-line';
