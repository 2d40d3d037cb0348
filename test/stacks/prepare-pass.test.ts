/**
 * Our stacks skip cdktf's preparing pass (AccountStack.prepareStack: that pass resolves every
 * element once more so that a reference to another stack can add what it needs, and our stacks
 * hold none). The JSON written must be byte for byte what the preparing pass gives: every file
 * of cdktf.out, for organisations of every shape the manifests here make.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { TerraformStack } from 'cdktf';
import type { Manifest } from '../../accounts/schema';
import { AccountStack } from '../../stacks/account-stack';
import { buildApp } from '../../stacks/app';
import { withStacksOnlyForErrors } from '../../stacks/source-maps';
import { generatedManifest } from '../../tools/bench-synth';
import { otherOrganisation } from '../support/manifests';
import { exampleManifest, parseManifest } from '../support/synth';

function filesUnder(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) files.set(relative(dir, join(e.parentPath, e.name)), readFileSync(join(e.parentPath, e.name)));
  }
  return files;
}

/** Every file one cdktf App of every stack of `manifest` writes. */
function synthesized(manifest: Manifest): Map<string, Buffer> {
  const outdir = mkdtempSync(join(tmpdir(), 'prepare-pass-'));
  try {
    withStacksOnlyForErrors(() => buildApp(manifest, { outdir }).app.synth());
    return filesUnder(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** As `synthesized`, with cdktf's own preparing pass put back for our stacks. */
function synthesizedWithPreparingPass(manifest: Manifest): Map<string, Buffer> {
  const ours = Object.getOwnPropertyDescriptor(AccountStack.prototype, 'prepareStack')!;
  Object.defineProperty(AccountStack.prototype, 'prepareStack', { ...ours, value: TerraformStack.prototype.prepareStack });
  try {
    return synthesized(manifest);
  } finally {
    Object.defineProperty(AccountStack.prototype, 'prepareStack', ours);
  }
}

describe("skipping cdktf's preparing pass", () => {
  test('given our stacks, then they do skip it (the comparison below compares two different things)', () => {
    expect(AccountStack.prototype.prepareStack).not.toBe(TerraformStack.prototype.prepareStack);
  });

  test.each([
    ['the example organisation', () => exampleManifest()],
    ['another organisation (other names, regions, replicas and domains)', () => parseManifest(otherOrganisation())],
    ['a generated organisation of 4 workloads, each in three regions', () => parseManifest(generatedManifest(4))],
  ])('given %s, when synthesized with and without the preparing pass, then every file written is byte for byte the same', (_, manifest) => {
    const m = manifest();
    const without = synthesized(m);
    const withPass = synthesizedWithPreparingPass(m);
    expect([...without.keys()].filter((f) => f.endsWith('cdk.tf.json')).length).toBeGreaterThan(0);
    expect([...without.keys()].sort()).toEqual([...withPass.keys()].sort());
    for (const [file, bytes] of withPass) expect([file, without.get(file)!.equals(bytes)]).toEqual([file, true]);
  });
});
