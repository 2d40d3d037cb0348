/**
 * Entry point of `cdktf synth` / `npm run synth`: loads the manifest and builds the
 * App. Nothing else. A bad manifest prints every problem and exits non-zero before
 * anything is written (F-23).
 */
import { loadManifest, manifestPath } from './accounts/load';
import { ManifestError } from './accounts/schema';
import { buildApp } from './stacks/app';

export interface SynthResult {
  readonly ok: boolean;
  /** What a person reads on stderr when it fails. */
  readonly message?: string;
}

/** Validates the manifest at `file` and, only if it is valid, synthesizes every stack into `outdir`. */
export function synthesize(file: string, outdir: string): SynthResult {
  let loaded;
  try {
    loaded = loadManifest(file);
  } catch (err) {
    if (err instanceof ManifestError) return { ok: false, message: `${err.message}\nNothing was synthesized.\n` };
    throw err;
  }
  buildApp(loaded.manifest, { outdir }).app.synth();
  return { ok: true };
}

if (require.main === module) {
  const result = synthesize(manifestPath(), process.env.CDKTF_OUTDIR ?? 'cdktf.out');
  if (!result.ok) {
    process.stderr.write(result.message ?? '');
    process.exitCode = 1;
  }
}
