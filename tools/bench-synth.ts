/**
 * `npm run bench:synth`: wall time of a full `npm run synth` (a fresh process, as a
 * user or CI runs it) for the example manifest and for generated manifests of
 * 10, 25 and 50 workloads × 3 regions, the time per stack, and peak memory.
 * Prints numbers; asserts nothing.
 *
 *   npm run bench:synth [-- --runs 3]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ManifestInput } from '../accounts/schema';
import { loadManifest } from '../accounts/load';
import { REGION_NAMES } from '../accounts/regions';
import { planStacks } from '../stacks/topology';
import { flag } from './cli';

const ROOT = resolve(__dirname, '..');
const TSX = require.resolve('tsx/cli');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** A manifest of `n` workloads, each with a primary and two replica regions (ids generated, not real). */
export function generatedManifest(n: number): ManifestInput {
  const id = (i: number) => String(300_000_000_000 + i);
  const regions = REGION_NAMES.filter((r) => !['ap-east-2', 'mx-central-1'].includes(r));
  return {
    organization: { id: 'o-benchmark01', managementAccountId: id(1) },
    deployment: { accountId: id(2), region: 'us-east-1', repository: 'bench/payments' },
    logArchive: { accountId: id(3), region: 'us-east-1' },
    audit: { accountId: id(4) },
    workloads: Array.from({ length: n }, (_, i) => ({
      name: `w${String(i).padStart(3, '0')}`,
      accountId: id(100 + i),
      environment: (['dev', 'staging', 'prod'] as const)[i % 3]!,
      organizationalUnit: 'Workloads',
      primaryRegion: regions[i % regions.length]!,
      replicaRegions: [regions[(i + 1) % regions.length]!, regions[(i + 2) % regions.length]!],
      alertEmails: ['bench@example.com'],
      payments: { currencies: ['USD'], maxAmountMinor: 100_000, fraudReviewThresholdMinor: 50_000 },
    })),
  };
}

interface Run {
  seconds: number;
  peakMb?: number;
}

function synthOnce(manifestFile: string | undefined, outdir: string): Run {
  const env = { ...process.env, CDKTF_OUTDIR: outdir, ...(manifestFile ? { PAYMENTS_MANIFEST: manifestFile } : {}) };
  const cmd = TIME ? TIME : process.execPath;
  const args = TIME ? ['-f', '%M', process.execPath, TSX, 'main.ts'] : [TSX, 'main.ts'];
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`synth failed:\n${r.stderr}`);
  const kb = TIME ? Number(r.stderr.trim().split('\n').pop()) : NaN;
  return { seconds, peakMb: Number.isFinite(kb) ? kb / 1024 : undefined };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  const runs = Number(flag(process.argv.slice(2), 'runs') ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'bench-synth-'));
  try {
    const cases: { label: string; file?: string; stacks: number }[] = [];
    // example manifest: count its stacks from the topology
    cases.push({ label: 'example manifest', stacks: planStacks(loadManifest().manifest).length });
    for (const n of [10, 25, 50]) {
      const file = join(dir, `generated-${n}.json`);
      writeFileSync(file, JSON.stringify(generatedManifest(n)));
      cases.push({ label: `generated ${n} workloads × 3 regions`, file, stacks: 2 + n * 4 });
    }
    process.stdout.write(`full synth, fresh process each run, median of ${runs} warm runs (one unmeasured warm-up first)\n`);
    process.stdout.write('case                                  stacks   wall s   ms/stack   peak MB\n');
    const points: [number, number][] = [];
    for (const c of cases) {
      synthOnce(c.file, join(dir, 'warmup'));
      const results = Array.from({ length: runs }, (_, i) => synthOnce(c.file, join(dir, `out-${i}`)));
      const wall = median(results.map((r) => r.seconds));
      const peak = Math.max(...results.map((r) => r.peakMb ?? 0));
      points.push([c.stacks, wall]);
      process.stdout.write(
        `${c.label.padEnd(38)}${String(c.stacks).padStart(6)}${wall.toFixed(2).padStart(9)}${((wall * 1000) / c.stacks).toFixed(1).padStart(11)}${(peak ? peak.toFixed(0) : '-').padStart(10)}\n`,
      );
    }
    // least-squares fit: wall = fixed + perStack × stacks
    const n = points.length;
    const sx = points.reduce((a, [x]) => a + x, 0);
    const sy = points.reduce((a, [, y]) => a + y, 0);
    const sxx = points.reduce((a, [x]) => a + x * x, 0);
    const sxy = points.reduce((a, [x, y]) => a + x * y, 0);
    const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    const intercept = (sy - slope * sx) / n;
    process.stdout.write(`linear fit: ${intercept.toFixed(2)} s fixed (process start, provider load) + ${(slope * 1000).toFixed(1)} ms per stack\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main();
