/**
 * `npm run bench:synth`: wall time, CPU time and peak memory of a full synth in a fresh
 * process (as a user or CI runs it), for:
 *
 *   - the `cdktf init --template typescript` project with one `aws_dynamodb_table`: the
 *     template's own `main.ts` and `tsconfig.json` (read from cdktf-cli's copy of the
 *     template) with the AWS provider and one table added, in a project of its own, run the
 *     way the template's `cdktf.json` runs it: `npx ts-node main.ts`, which type-checks the
 *     program and then runs it. ts-node is not a dependency here, so the same two steps run
 *     as `tsc --noEmit` with the template's tsconfig, then `tsx main.ts`; the second step
 *     alone is printed too (the template switched to a transpile-only runner);
 *   - the example organisation (`npm run synth`);
 *   - generated organisations of 10, 25 and 37 workloads × 3 regions (42, 102 and 150 stacks).
 *
 * Then the ratio of the template to the example, and a linear fit of the organisation cases
 * (fixed cost + cost per stack). Every synth runs with bundles already cached (as any synth
 * after the first). Prints numbers on stdout; asserts nothing.
 *
 *   npm run bench:synth [-- --runs <n>] [-- --quick]
 *
 *   --runs <n>  measured runs per case, after one unmeasured warm-up (default 3; the median is printed)
 *   --quick     one measured run and no warm-up, and only the 150-stack generated organisation
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ManifestInput } from '../accounts/schema';
import { loadManifest } from '../accounts/load';
import { REGION_NAMES } from '../accounts/regions';
import { planStacks } from '../stacks/topology';

const ROOT = resolve(__dirname, '..');
const TSX = require.resolve('tsx/cli');
const TSC = require.resolve('typescript/bin/tsc');
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

interface Run {
  readonly seconds: number;
  readonly cpuSeconds?: number;
  readonly peakMb?: number;
}

/** Runs `args` under `/usr/bin/time` (peak RSS of the process tree, CPU time) and the wall clock. */
function timed(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Run {
  const cmd = TIME ?? process.execPath;
  const argv = TIME ? ['-f', '%M %U %S', process.execPath, ...args] : [...args];
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd, env, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed in ${cwd}:\n${r.stderr}`);
  const [kb, user, sys] = TIME ? r.stderr.trim().split('\n').pop()!.split(' ').map(Number) : [];
  return { seconds, ...(user !== undefined && sys !== undefined ? { cpuSeconds: user + sys } : {}), ...(kb !== undefined ? { peakMb: kb / 1024 } : {}) };
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
  readonly organisation: boolean;
  run(i: number): Run;
}

interface Row {
  readonly label: string;
  readonly stacks: number;
  readonly organisation: boolean;
  readonly wall: number;
  readonly cpu?: number;
  readonly peak?: number;
}

const USAGE = `usage: npm run bench:synth [-- --runs <n>] [-- --quick]
  --runs <n>  measured runs per case after one warm-up (default 3)
  --quick     one run, no warm-up, the template and the 150-stack organisation only
`;

function main(argv: readonly string[]): number {
  let values: { runs?: string; quick?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { runs: { type: 'string' }, quick: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.runs !== undefined && !/^[1-9][0-9]*$/.test(values.runs)) {
    process.stderr.write(`--runs must be a positive whole number\n${USAGE}`);
    return 2;
  }
  const quick = values.quick === true;
  const runs = quick ? 1 : Number(values.runs ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'bench-synth-'));
  try {
    const synthEnv = (manifestFile: string | undefined, outdir: string) => ({ ...process.env, CDKTF_OUTDIR: outdir, ...(manifestFile ? { PAYMENTS_MANIFEST: manifestFile } : {}) });
    const template = join(dir, 'template');
    mkdirSync(template);
    writeFileSync(join(template, 'main.ts'), templateMain());
    copyFileSync(join(TEMPLATE_DIR, 'tsconfig.json'), join(template, 'tsconfig.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(template, 'node_modules'), 'dir');
    const runTemplate = (i: number) => timed([TSX, 'main.ts'], template, { ...process.env, CDKTF_OUTDIR: join(template, `out-${i}`) });
    const checkTemplate = () => {
      rmSync(join(template, 'tsconfig.tsbuildinfo'), { force: true });
      return timed([TSC, '--noEmit', '-p', 'tsconfig.json'], template, process.env);
    };
    const cases: Case[] = [
      { label: 'template: type-check + run (ts-node)', stacks: 1, organisation: false, run: (i) => sum(checkTemplate(), runTemplate(i)) },
      { label: 'template: run only (tsx)', stacks: 1, organisation: false, run: runTemplate },
    ];
    if (!quick) {
      cases.push({
        label: 'example organisation',
        stacks: planStacks(loadManifest().manifest).length,
        organisation: true,
        run: (i) => timed([TSX, 'main.ts'], ROOT, synthEnv(undefined, join(dir, `example-${i}`))),
      });
    }
    for (const n of quick ? [37] : [10, 25, 37]) {
      const file = join(dir, `generated-${n}.json`);
      writeFileSync(file, JSON.stringify(generatedManifest(n)));
      cases.push({ label: `generated ${n} workloads × 3 regions`, stacks: 2 + n * 4, organisation: true, run: (i) => timed([TSX, 'main.ts'], ROOT, synthEnv(file, join(dir, `generated-${n}-${i}`))) });
    }

    process.stdout.write(`full synth in a fresh process; median of ${runs} run${runs === 1 ? '' : 's'}${quick ? '' : ' after one unmeasured warm-up'}; CPU = user + system of the process tree\n`);
    process.stdout.write(`${'case'.padEnd(40)}${'stacks'.padStart(6)}${'wall s'.padStart(9)}${'CPU s'.padStart(8)}${'ms/stack'.padStart(10)}${'peak MB'.padStart(9)}\n`);
    const rows: Row[] = [];
    for (const c of cases) {
      if (!quick) c.run(-1);
      const results = Array.from({ length: runs }, (_, i) => c.run(i));
      const cpus = results.map((r) => r.cpuSeconds).filter((x): x is number => x !== undefined);
      const peaks = results.map((r) => r.peakMb).filter((x): x is number => x !== undefined);
      const row: Row = {
        label: c.label,
        stacks: c.stacks,
        organisation: c.organisation,
        wall: median(results.map((r) => r.seconds)),
        ...(cpus.length > 0 ? { cpu: median(cpus) } : {}),
        ...(peaks.length > 0 ? { peak: Math.max(...peaks) } : {}),
      };
      rows.push(row);
      process.stdout.write(
        `${row.label.padEnd(40)}${String(row.stacks).padStart(6)}${row.wall.toFixed(2).padStart(9)}${(row.cpu?.toFixed(2) ?? '-').padStart(8)}${((row.wall * 1000) / row.stacks).toFixed(1).padStart(10)}${(row.peak?.toFixed(0) ?? '-').padStart(9)}\n`,
      );
    }
    const [checked, runOnly] = rows;
    for (const r of rows.filter((x) => x.organisation)) {
      process.stdout.write(
        `${r.label} (${r.stacks} stacks): ${(checked!.wall / r.wall).toFixed(1)}× faster than the template type-checked and run, ${(runOnly!.wall / r.wall).toFixed(1)}× than the template run only\n`,
      );
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
      process.stdout.write(`linear fit over the organisations: ${intercept.toFixed(2)} s fixed (process start, provider load) + ${(slope * 1000).toFixed(1)} ms per stack\n`);
    }
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
