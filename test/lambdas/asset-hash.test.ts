/**
 * A function's zip is given to cdktf's `TerraformAsset` with its hash already known, so that
 * cdktf does not read and hash it again for every function of every stack: the hash given is
 * the one cdktf computes itself (it names the asset's folder in the synthesized JSON).
 */
import { App, AssetType, TerraformAsset, TerraformStack } from 'cdktf';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HANDLERS, bundleHandler } from '../../modules/workflow/lambda-bundle';

test.each(HANDLERS)('given the %s bundle, when cdktf hashes its zip itself, then it finds the asset hash the bundle carries', (name) => {
  const outdir = mkdtempSync(join(tmpdir(), 'asset-hash-'));
  try {
    const bundle = bundleHandler(name);
    const stack = new TerraformStack(new App({ outdir }), 'assets');
    const hashedByCdktf = new TerraformAsset(stack, 'code', { path: bundle.zipPath, type: AssetType.FILE });
    expect(hashedByCdktf.assetHash).toMatch(/^[0-9A-F]{32}$/);
    expect(bundle.assetHash).toBe(hashedByCdktf.assetHash);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
