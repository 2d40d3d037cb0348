/**
 * `npm run stacks -- --json` is a contract CI reads: one object per stack with name,
 * kind, accountId, workload, region, dependsOn and wave.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { otherOrganisation } from '../support/manifests';
import { parseManifest } from '../support/synth';
import { toolArgs } from '../support/tool-launcher';

const ROOT = resolve(__dirname, '../..');

function runStacks(args: string[], manifestFile: string) {
  return spawnSync(process.execPath, toolArgs('tools/stacks.ts', args), {
    cwd: ROOT,
    env: { ...process.env, PAYMENTS_MANIFEST: manifestFile },
    encoding: 'utf8',
  });
}

describe('npm run stacks', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stacks-'));
    file = join(dir, 'm.json');
    writeFileSync(file, JSON.stringify(otherOrganisation()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('given a manifest, when run with --json, then stdout is a JSON array describing every stack', () => {
    const run = runStacks(['--json'], file);
    expect(run.status).toBe(0);
    const stacks = JSON.parse(run.stdout) as Record<string, unknown>[];
    const m = parseManifest(otherOrganisation());
    const latam = m.workloads.find((w) => w.name === 'live-latam')!;
    const replica = stacks.find((s) => s.name === `payments-live-latam-${latam.replicaRegions[0]}`);
    expect(replica).toEqual({
      name: `payments-live-latam-${latam.replicaRegions[0]}`,
      kind: 'payments',
      accountId: latam.accountId,
      workload: 'live-latam',
      region: latam.replicaRegions[0],
      primary: false,
      dependsOn: [`payments-live-latam-${latam.primaryRegion}`],
      wave: 3,
    });
    const deployment = stacks.find((s) => s.kind === 'deployment')!;
    expect(deployment).toEqual({ name: `deployment-${m.deployment.region}`, kind: 'deployment', accountId: m.deployment.accountId, region: m.deployment.region, dependsOn: [], wave: 0 });
    for (const s of stacks) expect(Object.keys(s)).toEqual(expect.arrayContaining(['name', 'kind', 'accountId', 'region', 'dependsOn', 'wave']));
    expect(stacks).toHaveLength(17);
  });

  test('given a manifest, when run without --json, then it prints a table with one row per stack in wave order', () => {
    const run = runStacks([], file);
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^WAVE\s+STACK\s+KIND\s+ACCOUNT/);
    expect(lines).toHaveLength(18);
    const waves = lines.slice(1).map((l) => Number(l.split(/\s+/)[0]));
    expect(waves).toEqual([...waves].sort((a, b) => a - b));
  });

  test('given a bad manifest, when run, then it exits non-zero with the problems and prints nothing on stdout', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...otherOrganisation(), audit: { accountId: 'x' } }));
    const run = runStacks(['--json'], bad);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('audit.accountId:');
  });
});
