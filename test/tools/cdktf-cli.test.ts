/**
 * `cdktf synth` (and so `cdktf diff`/`deploy`, which synthesize the same way) keeps
 * working through cdktf.json: the CLI runs main.ts and finds every stack.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exampleManifest } from '../support/synth';
import { planStacks } from '../../stacks/topology';

const ROOT = resolve(__dirname, '../..');

test('given the repository, when `cdktf synth` runs, then it writes every stack the manifest calls for', () => {
  const out = mkdtempSync(join(tmpdir(), 'cdktf-cli-'));
  try {
    const run = spawnSync(process.execPath, [require.resolve('cdktf-cli/bundle/bin/cdktf'), 'synth', '--output', out], {
      cwd: ROOT,
      env: { ...process.env, CI: 'true', CHECKPOINT_DISABLE: '1', CDKTF_DISABLE_PLUGIN_CACHE_ENV: '1' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    for (const spec of planStacks(exampleManifest())) expect(existsSync(join(out, 'stacks', spec.name, 'cdk.tf.json'))).toBe(true);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
