/**
 * Synth in several processes, each building its share of the stacks a batch at a time:
 * `cdktf.out` ends up byte for byte what one cdktf App of every stack writes (stack JSON,
 * manifest.json with every dependency) and what one process writes (the guardrails report and
 * the stack list too).
 * And `cdktf.out` holds exactly the stacks of the manifest synthesized.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DEFAULT_MANIFEST } from '../../accounts/load';
import { synthesize, synthesizeInParallel } from '../../stacks/synth';
import { buildApp } from '../../stacks/app';
import { BATCH_SIZE, PARALLEL_THRESHOLD, shares, synthShare, workerCount } from '../../stacks/parallel-synth';
import { planStacks } from '../../stacks/topology';
import { exampleManifest } from '../support/synth';
import { toolArgs } from '../support/tool-launcher';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe('synth in worker processes', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'parallel-synth-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('given the example manifest, when synthesized by three processes, then every file is byte-identical to a single-process synth, and no stack of another manifest is left', async () => {
    const single = tempDir();
    const parallel = tempDir();
    const specs = planStacks(exampleManifest());
    // given: the folder of a stack this manifest does not have, and Terraform's working files in one it has
    mkdirSync(join(parallel, 'stacks', 'payments-gone-eu-west-1'), { recursive: true });
    writeFileSync(join(parallel, 'stacks', 'payments-gone-eu-west-1', 'cdk.tf.json'), '{}');
    mkdirSync(join(parallel, 'stacks', specs[0]!.name, '.terraform'), { recursive: true });
    writeFileSync(join(parallel, 'stacks', specs[0]!.name, '.terraform', 'kept'), 'provider cache');
    expect(shares(specs, 3).flat().sort()).toEqual(specs.map((s) => s.name).sort()); // each stack in exactly one share

    expect(synthesize(DEFAULT_MANIFEST, single)).toEqual({ ok: true, message: expect.any(String) });
    expect(await synthesizeInParallel(DEFAULT_MANIFEST, parallel, 3)).toEqual({ ok: true, message: expect.any(String) });
    // the reference: cdktf's own synth of one App holding every stack, manifest.json included
    const whole = tempDir();
    buildApp(exampleManifest(), { outdir: whole }).app.synth();
    const cdktfFiles = filesUnder(whole);
    expect(cdktfFiles).toEqual(expect.arrayContaining(['manifest.json', ...specs.map((s) => join('stacks', s.name, 'cdk.tf.json'))]));
    for (const file of cdktfFiles) expect([file, readFileSync(join(single, file)).equals(readFileSync(join(whole, file)))]).toEqual([file, true]);

    const produced = filesUnder(single);
    expect(produced).toEqual(expect.arrayContaining(['manifest.json', 'guardrails-report.json', ...specs.map((s) => join('stacks', s.name, 'cdk.tf.json'))]));
    expect(filesUnder(parallel)).toEqual([...produced, join('stacks', specs[0]!.name, '.terraform', 'kept')].sort());
    for (const file of produced) expect([file, readFileSync(join(parallel, file)).equals(readFileSync(join(single, file)))]).toEqual([file, true]);
    expect(readdirSync(join(parallel, 'stacks')).sort()).toEqual(specs.map((s) => s.name).sort());
    const manifest = JSON.parse(readFileSync(join(parallel, 'manifest.json'), 'utf8')) as { stacks: Record<string, { dependencies: string[] }> };
    for (const spec of specs) expect([spec.name, manifest.stacks[spec.name]!.dependencies]).toEqual([spec.name, [...spec.dependsOn]]);
    // and the stack list beside it is what `npm run stacks -- --json` prints
    const listed = spawnSync(process.execPath, toolArgs('tools/stacks.ts', ['--json']), {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
      env: { ...process.env, PAYMENTS_MANIFEST: '' },
    });
    expect(listed.status).toBe(0);
    expect(readFileSync(join(parallel, 'stacks.json'), 'utf8')).toBe(listed.stdout);
  });

  test('given more stacks than one batch holds, when synthesized in one process, then the batches together write exactly what one App of every stack writes', () => {
    const manifest = exampleManifest();
    const specs = planStacks(manifest);
    expect(specs.length).toBeGreaterThan(BATCH_SIZE); // more than one batch
    const batched = tempDir();
    const whole = tempDir();
    expect(synthesize(DEFAULT_MANIFEST, batched)).toEqual({ ok: true, message: expect.any(String) });
    buildApp(manifest, { outdir: whole }).app.synth();
    const cdktfFiles = filesUnder(whole);
    expect(filesUnder(batched)).toEqual([...cdktfFiles, 'guardrails-report.json', 'stacks.json'].sort());
    for (const file of cdktfFiles) expect([file, readFileSync(join(batched, file)).equals(readFileSync(join(whole, file)))]).toEqual([file, true]);
  });

  test('given every stack synthesized as a share (batch after batch), then no manifest.json is written: only the whole synth writes it, at its end, so a synth killed half-way leaves none', () => {
    const outdir = tempDir();
    const outcome = synthShare(exampleManifest(), outdir);
    expect(outcome.error).toBeUndefined();
    expect(Object.keys(outcome.entries).sort()).toEqual(
      planStacks(exampleManifest())
        .map((s) => s.name)
        .sort(),
    );
    expect(existsSync(join(outdir, 'stacks', planStacks(exampleManifest())[0]!.name, 'cdk.tf.json'))).toBe(true);
    expect(existsSync(join(outdir, 'manifest.json'))).toBe(false);
  });

  test('given stacks of unlike cost, when split into shares, then the payments stacks (the heavy ones) are spread evenly and each share keeps the manifest order', () => {
    const specs = planStacks(exampleManifest());
    for (const n of [2, 3, 4]) {
      const parts = shares(specs, n);
      expect(parts.flat().sort()).toEqual(specs.map((s) => s.name).sort());
      const payments = parts.map((p) => p.filter((name) => specs.find((s) => s.name === name)!.kind === 'payments').length);
      expect(Math.max(...payments) - Math.min(...payments)).toBeLessThanOrEqual(1);
      const order = specs.map((s) => s.name);
      for (const p of parts) expect(p).toEqual([...p].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    }
  });

  test('given the number of stacks, then one process synthesizes a small organisation, and one per core (at least half the threshold each) a large one', () => {
    expect(workerCount(1, 2)).toBe(1);
    expect(workerCount(9, 8)).toBe(1);
    expect(workerCount(PARALLEL_THRESHOLD - 1, 8)).toBe(1);
    expect(workerCount(PARALLEL_THRESHOLD, 8)).toBe(2);
    expect(workerCount(150, 2)).toBe(2);
    expect(workerCount(150, 8)).toBe(8);
    expect(workerCount(150, 1)).toBe(1);
  });

  test('given a worker that ends without doing its share, when synthesized in parallel, then the synth fails naming the worker and what it printed, and leaves no manifest.json', async () => {
    const outdir = tempDir();
    const worker = { command: process.execPath, args: ['-e', 'process.stderr.write("worker broke"); process.exit(3)'] };
    const result = await synthesizeInParallel(DEFAULT_MANIFEST, outdir, 2, { worker });
    expect(result.ok).toBe(false);
    expect(result.message).toContain('a synth worker exited with 3: worker broke');
    expect(existsSync(join(outdir, 'manifest.json'))).toBe(false);
    expect(existsSync(join(outdir, 'stacks.json'))).toBe(false);
  });

  test('given a manifest file that does not validate, when synthesized in parallel, then nothing is written and the problems are reported', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ organization: {} }));
    const result = await synthesizeInParallel(file, join(dir, 'out'), 2);
    expect(result.ok).toBe(false);
    expect(result.message).toContain('Nothing was synthesized');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
