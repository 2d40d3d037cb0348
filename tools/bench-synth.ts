/**
 * `npm run bench:synth`: wall time, CPU time and peak memory of a full synth in fresh processes,
 * as a user or CI runs it, for:
 *
 *   - the `cdktf init --template typescript` project with one `aws_dynamodb_table`: the
 *     template's own files (`main.ts`, `tsconfig.json`, `cdktf.json`, `package.json`, read from
 *     cdktf-cli's copy of the template) with the AWS provider and one table added, synthesized
 *     the way the template does it: `npm run synth` there is `cdktf synth`, whose `cdktf.json`
 *     runs `npx ts-node main.ts` (type-check, then run). This is the baseline of the targets.
 *     Two lighter variants are printed for comparison: the same program without the CLI
 *     (`tsc --noEmit` with the template's tsconfig, then `tsx main.ts`) and `tsx main.ts` alone;
 *   - this repository's synth, as `npm run synth` runs it (`node --no-experimental-strip-types
 *     main.ts`: the Node arguments of package.json's synth script), on the example
 *     organisation, and the same through `cdktf synth` (what `cdktf diff`/`deploy` run);
 *   - generated organisations of 10, 25 and 37 workloads × 3 regions (42, 102 and 150 stacks).
 *
 * The cases run in rounds, each case once per round, so that the machine's speed drifting
 * during the bench slows all the cases of a round alike. Then the speed-up of each
 * organisation over the template (from the medians, with the lowest and highest of the
 * rounds), and a linear fit of the organisation cases (fixed cost + cost per stack). Every synth runs with the compiled synth
 * program and the Lambda bundles already built (as any synth after the first). Peak memory is
 * the largest sum of the resident memory of the process and all its descendants (sampled every
 * 20 ms), so a synth shared out between processes counts all of them. Prints numbers on
 * stdout; asserts nothing.
 *
 *   npm run bench:synth [-- --runs <n>] [-- --quick]
 *
 *   --runs <n>  measured rounds, after one unmeasured warm-up round (default 5); each round runs
 *               every case once, in turn, and the median of each case is printed
 *   --quick     one measured run and no warm-up; the template and the 150-stack generated organisation only
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ManifestInput } from '../accounts/schema';
import { loadManifest } from '../accounts/load';
import { REGION_NAMES } from '../accounts/regions';
import { planStacks } from '../stacks/topology';
import { parseCommandLine } from './cli';
import { synthCommand } from './review/synth';

const ROOT = resolve(__dirname, '..');
const TSX = require.resolve('tsx/cli');
const TSC = require.resolve('typescript/bin/tsc');
const CDKTF = require.resolve('cdktf-cli/bundle/bin/cdktf');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
/** The CLI neither phones home nor asks questions (a template user's first run would, at some cost to the template). */
const CLI_ENV = { CI: '1', CHECKPOINT_DISABLE: '1' };
/** This repository's synth: the Node arguments of its package.json's synth script. */
const SYNTH = synthCommand(ROOT);

/** The regions generated manifests use, in turn: workload `i` is in regions `i`, `i + 1` and `i + 2` of this list. */
export const GENERATED_REGIONS = REGION_NAMES.filter((r) => !['ap-east-2', 'mx-central-1'].includes(r));

/** A manifest of `n` workloads, each with a primary and two replica regions (ids generated, not real). */
export function generatedManifest(n: number): ManifestInput {
  const id = (i: number) => String(300_000_000_000 + i);
  const regions = GENERATED_REGIONS;
  return {
    organization: { id: 'o-benchmark01', managementAccountId: id(1) },
    deployment: { accountId: id(2), region: 'us-east-1', repository: 'bench/payments' },
    logArchive: { accountId: id(3), region: 'us-east-1' },
    audit: { accountId: id(4) },
    workloads: Array.from({ length: n }, (_, i) => {
      const name = `w${String(i).padStart(3, '0')}`;
      const environment = (['dev', 'staging', 'prod'] as const)[i % 3]!;
      const workloadRegions = [0, 1, 2].map((k) => regions[(i + k) % regions.length]!);
      // A prod workload serves its API on TLS 1.2 custom domains in every region (the manifest demands it).
      const domains = Object.fromEntries(
        workloadRegions.map((r) => [r, { name: `${name}.${r}.api.bench.test`, certificateArn: `arn:aws:acm:${r}:${id(100 + i)}:certificate/00000000-0000-4000-8000-000000000001` }]),
      );
      return {
        name,
        accountId: id(100 + i),
        environment,
        organizationalUnit: 'Workloads',
        primaryRegion: workloadRegions[0]!,
        replicaRegions: workloadRegions.slice(1),
        alertEmails: ['bench@example.com'],
        payments: { currencies: ['USD'], maxAmountMinor: 100_000, fraudReviewThresholdMinor: 50_000 },
        ...(environment === 'prod' ? { api: { domains } } : {}),
      };
    }),
  };
}

/** Where cdktf-cli keeps the files `cdktf init --template typescript` copies. */
const TEMPLATE_DIR = join(dirname(require.resolve('cdktf-cli/package.json')), 'bundle', 'templates', 'typescript');

/** The template's `main.ts` with the AWS provider and one DynamoDB table where it says "define resources here". */
function templateMain(): string {
  const main = readFileSync(join(TEMPLATE_DIR, 'main.ts'), 'utf8');
  const resources = `new AwsProvider(this, "aws", { region: "us-east-1" });
    new DynamodbTable(this, "table", { name: "my-table", billingMode: "PAY_PER_REQUEST", hashKey: "id", attribute: [{ name: "id", type: "S" }] });`;
  if (!main.includes('// define resources here')) throw new Error(`the template's main.ts in ${TEMPLATE_DIR} changed: no "define resources here"`);
  return (
    `import { AwsProvider } from "@cdktf/provider-aws/lib/provider";\nimport { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";\n` +
    main.replace('// define resources here', resources).replace('{{ $base }}', 'template')
  );
}

/** The template project, as `cdktf init --template typescript --local` writes it, plus the provider and one table; its packages are ours. */
function writeTemplateProject(dir: string): void {
  mkdirSync(dir);
  writeFileSync(join(dir, 'main.ts'), templateMain());
  copyFileSync(join(TEMPLATE_DIR, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  const cdktfJson = readFileSync(join(TEMPLATE_DIR, 'cdktf.json'), 'utf8').replace('{{projectId}}', 'bench-template').replace('{{sendCrashReports}}', 'false').replace('{{futureFlags}}', '');
  if (!cdktfJson.includes('"app": "npx ts-node main.ts"')) throw new Error(`the template's cdktf.json in ${TEMPLATE_DIR} no longer runs "npx ts-node main.ts"`);
  writeFileSync(join(dir, 'cdktf.json'), cdktfJson);
  writeFileSync(join(dir, 'package.json'), readFileSync(join(TEMPLATE_DIR, 'package.json'), 'utf8').replace('{{ $base }}', 'template'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
}

interface Run {
  readonly seconds: number;
  readonly cpuSeconds?: number;
  readonly peakMb?: number;
}

/** Resident memory (kB) of `pid` and every process descended from it, from /proc. */
function treeRssKb(pid: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      rss.set(Number(entry), Number(fields[21]) * 4); // resident pages of 4 kB
    } catch {
      // the process ended while being read
    }
  }
  let total = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.pop()!;
    total += rss.get(p) ?? 0;
    queue.push(...(children.get(p) ?? []));
  }
  return total;
}

/** Runs `node args…` under `/usr/bin/time` (CPU time of the process tree), with the wall clock and the peak memory of the tree. */
async function timed(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const cmd = TIME ?? process.execPath;
  const argv = TIME ? ['-f', '%U %S', process.execPath, ...args] : [...args];
  const start = process.hrtime.bigint();
  const child = spawn(cmd, argv, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  let peakKb = 0;
  const sampler = existsSync('/proc/self/stat') ? setInterval(() => (peakKb = Math.max(peakKb, treeRssKb(child.pid!))), 20) : undefined;
  const status = await new Promise<number | null>((done) => child.on('close', done));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (sampler) clearInterval(sampler);
  if (status !== 0) throw new Error(`${args.join(' ')} failed in ${cwd}:\n${stderr}`);
  const [user, sys] = TIME ? stderr.trim().split('\n').pop()!.split(' ').map(Number) : [];
  return { seconds, ...(user !== undefined && sys !== undefined ? { cpuSeconds: user + sys } : {}), ...(peakKb > 0 ? { peakMb: peakKb / 1024 } : {}) };
}

const sum = (a: Run, b: Run): Run => ({
  seconds: a.seconds + b.seconds,
  ...(a.cpuSeconds !== undefined && b.cpuSeconds !== undefined ? { cpuSeconds: a.cpuSeconds + b.cpuSeconds } : {}),
  ...(a.peakMb !== undefined || b.peakMb !== undefined ? { peakMb: Math.max(a.peakMb ?? 0, b.peakMb ?? 0) } : {}),
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Case {
  readonly label: string;
  readonly stacks: number;
  /** A synth of this repository (fitted and compared with the template). */
  readonly organisation: boolean;
  /** The baseline of the targets. */
  readonly baseline?: boolean;
  run(i: number): Promise<Run>;
}

interface Row {
  readonly label: string;
  readonly stacks: number;
  readonly organisation: boolean;
  readonly baseline: boolean;
  readonly wall: number;
  readonly cpu?: number;
  readonly peak?: number;
}

const USAGE = `usage: npm run bench:synth [-- --runs <n>] [-- --quick]
  --runs <n>  measured rounds (every case once, in turn) after one warm-up round (default 5)
  --quick     one run, no warm-up, the template and the 150-stack organisation only
`;

async function main(argv: readonly string[]): Promise<number> {
  const values = parseCommandLine(argv, { runs: { type: 'string' }, quick: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, USAGE.trimEnd());
  if (typeof values === 'number') return values;
  if (values.runs !== undefined && !/^[1-9][0-9]*$/.test(values.runs)) {
    process.stderr.write(`--runs must be a positive whole number\n${USAGE}`);
    return 2;
  }
  const quick = values.quick === true;
  const runs = quick ? 1 : Number(values.runs ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'bench-synth-'));
  try {
    const synthEnv = (manifestFile: string | undefined, outdir: string) => ({ ...process.env, CDKTF_OUTDIR: outdir, ...(manifestFile ? { PAYMENTS_MANIFEST: manifestFile } : {}) });
    const template = join(dir, 'template');
    writeTemplateProject(template);
    const templateCli = (i: number) => timed([CDKTF, 'synth', '--output', join(template, `cli-${i}`)], template, { ...process.env, ...CLI_ENV });
    const templateRun = (i: number) => timed([TSX, 'main.ts'], template, { ...process.env, CDKTF_OUTDIR: join(template, `out-${i}`) });
    const templateCheck = () => {
      rmSync(join(template, 'tsconfig.tsbuildinfo'), { force: true });
      return timed([TSC, '--noEmit', '-p', 'tsconfig.json'], template, process.env);
    };
    const cases: Case[] = [
      { label: 'template: cdktf synth (ts-node)', stacks: 1, organisation: false, baseline: true, run: templateCli },
      { label: 'template: tsc --noEmit, then tsx', stacks: 1, organisation: false, run: async (i) => sum(await templateCheck(), await templateRun(i)) },
      { label: 'template: tsx only', stacks: 1, organisation: false, run: templateRun },
    ];
    if (!quick) {
      const stacks = planStacks(loadManifest().manifest).length;
      cases.push({ label: 'example organisation', stacks, organisation: true, run: (i) => timed(SYNTH, ROOT, synthEnv(undefined, join(dir, `example-${i}`))) });
      cases.push({
        label: 'example organisation: cdktf synth',
        stacks,
        organisation: false,
        run: (i) => timed([CDKTF, 'synth', '--output', join(dir, `example-cli-${i}`)], ROOT, { ...process.env, ...CLI_ENV }),
      });
    }
    for (const n of quick ? [37] : [10, 25, 37]) {
      const file = join(dir, `generated-${n}.json`);
      writeFileSync(file, JSON.stringify(generatedManifest(n)));
      cases.push({ label: `generated ${n} workloads × 3 regions`, stacks: 2 + n * 4, organisation: true, run: (i) => timed(SYNTH, ROOT, synthEnv(file, join(dir, `generated-${n}-${i}`))) });
    }

    process.stdout.write(
      `full synth in fresh processes; median of ${runs} round${runs === 1 ? '' : 's'} (every case once per round)${quick ? '' : ' after one unmeasured warm-up round'}; CPU = user + system of the process tree; peak = largest sum of the tree's resident memory\n`,
    );
    process.stdout.write(`${'case'.padEnd(40)}${'stacks'.padStart(6)}${'wall s'.padStart(9)}${'CPU s'.padStart(8)}${'ms/stack'.padStart(10)}${'peak MB'.padStart(9)}\n`);
    const rows: Row[] = [];
    // In rounds, every case once per round: the machine's speed drifts (by a fifth within minutes, more between hours), and
    // a drift then slows every case of a round alike instead of the cases measured in its course.
    const measured = new Map<Case, Run[]>(cases.map((c) => [c, []]));
    if (!quick) {
      process.stderr.write('warm-up round\n');
      for (const c of cases) await c.run(-1);
    }
    for (let i = 0; i < runs; i++) {
      process.stderr.write(`round ${i + 1} of ${runs}\n`);
      for (const c of cases) measured.get(c)!.push(await c.run(i));
    }
    for (const c of cases) {
      const results = measured.get(c)!;
      const cpus = results.map((r) => r.cpuSeconds).filter((x): x is number => x !== undefined);
      const peaks = results.map((r) => r.peakMb).filter((x): x is number => x !== undefined);
      const row: Row = {
        label: c.label,
        stacks: c.stacks,
        organisation: c.organisation,
        baseline: c.baseline ?? false,
        wall: median(results.map((r) => r.seconds)),
        ...(cpus.length > 0 ? { cpu: median(cpus) } : {}),
        ...(peaks.length > 0 ? { peak: Math.max(...peaks) } : {}),
      };
      rows.push(row);
      process.stdout.write(
        `${row.label.padEnd(40)}${String(row.stacks).padStart(6)}${row.wall.toFixed(2).padStart(9)}${(row.cpu?.toFixed(2) ?? '-').padStart(8)}${((row.wall * 1000) / row.stacks).toFixed(1).padStart(10)}${(row.peak?.toFixed(0) ?? '-').padStart(9)}\n`,
      );
    }
    const baseline = rows.find((r) => r.baseline)!;
    const baselineRuns = measured.get(cases.find((c) => c.baseline)!)!;
    for (const r of rows.filter((x) => x.organisation)) {
      const perRound = measured.get(cases.find((c) => c.label === r.label)!)!.map((run, i) => baselineRuns[i]!.seconds / run.seconds);
      const range = runs > 1 ? ` (rounds: ${Math.min(...perRound).toFixed(1)}–${Math.max(...perRound).toFixed(1)}×)` : '';
      process.stdout.write(`${r.label} (${r.stacks} stacks): ${(baseline.wall / r.wall).toFixed(1)}× as fast as the template's cdktf synth${range}\n`);
    }
    const points = rows.filter((r) => r.organisation).map((r) => [r.stacks, r.wall] as const);
    if (points.length >= 2) {
      // least-squares fit: wall = fixed + perStack × stacks
      const n = points.length;
      const sx = points.reduce((a, [x]) => a + x, 0);
      const sy = points.reduce((a, [, y]) => a + y, 0);
      const sxx = points.reduce((a, [x]) => a + x * x, 0);
      const sxy = points.reduce((a, [x, y]) => a + x * y, 0);
      const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
      const intercept = (sy - slope * sx) / n;
      process.stdout.write(`linear fit over the organisations: ${intercept.toFixed(2)} s fixed + ${(slope * 1000).toFixed(1)} ms per stack (wall)\n`);
    }
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
