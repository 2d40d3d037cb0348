/**
 * Before the jest run:
 *
 *  - a directory the run's synths are shared through (see synthManifest in
 *    test/support/synth.ts). Workers inherit the environment, so every test file finds it;
 *  - one `npm run synth` of the example organisation, as a user runs it, into that directory:
 *    on a fresh clone it builds what every later synth of this checkout reuses (the compiled
 *    synth program and its code cache, the Lambda zips; see main.ts and
 *    modules/workflow/lambda-bundle.ts). Without it, the workers and the synths they start at
 *    the same moment would each build them; a second run in a fresh clone took about 30 s less
 *    than the first. A synth that fails here is left to the tests that synthesize to report.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

export default function globalSetup(): void {
  const shared = mkdtempSync(join(tmpdir(), 'jest-synth-'));
  process.env.SYNTH_CACHE_DIR = shared;
  spawnSync(process.execPath, [join(ROOT, 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: join(shared, 'warm-up'), PAYMENTS_MANIFEST: '', PAYMENTS_SYNTH_VERBOSE: '' },
    stdio: 'ignore',
  });
}
