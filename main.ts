/**
 * Entry point of `cdktf synth` / `npm run synth`: loads the manifest and builds the
 * App. Nothing else. A bad manifest prints every problem and exits non-zero before
 * anything is written (F-23).
 */
import { loadManifest } from './accounts/load';
import { ManifestError } from './accounts/schema';
import { buildApp } from './stacks/app';

function main(): void {
  let loaded;
  try {
    loaded = loadManifest();
  } catch (err) {
    if (err instanceof ManifestError) {
      process.stderr.write(`${err.message}\nNothing was synthesized.\n`);
      process.exit(1);
    }
    throw err;
  }
  buildApp(loaded.manifest, { outdir: process.env.CDKTF_OUTDIR ?? 'cdktf.out' }).app.synth();
}

main();
