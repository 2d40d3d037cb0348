/**
 * `npm run bench:workflow [-- --payments <n>] [--fault <window>]... [--account-concurrency <n>] [--manifest <file>]`
 *
 * A load test of the local run of the synthesized workflow (payments-<first workload>-<primary
 * region>): n payments submitted at once through the API as the `default` client, `tok_success`,
 * distinct customers; a shed request (429, 5xx) is sent again with its key after its Retry-After,
 * as a client would; reconciliation once at the end, as in every local run. AWS's limits hold
 * on the local run's model clock (tools/local/capacity.ts): retry waits are as long as in AWS.
 *
 * Reports on stdout (JSON): settled payments per second, counting only payments that reached
 * the outcome their token calls for (SETTLED for `tok_success`) and have their archive; the
 * payments by status and by status and reason; latency from the client's first request to the
 * payment's terminal status (p50/p95/p99, model seconds: what the same load would see in AWS);
 * peak memory (RSS); the API's answers, Lambda's throttles and the tasks' retries. One summary
 * line on stderr. Exit 1 when any payment did not reach its outcome or a settled one has no
 * archive: under this model that is a failure for want of capacity (or a fault window that
 * outlasted the retries); exit 2 on a usage error.
 * `--fault <services>@<from>+<for>[x<rate>]`: DynamoDB, S3 and/or SNS answer throttling and 5xx
 * errors from <from> for <for> model seconds (rate: the share refused, default 1).
 */
import { parseCommandLine } from './cli';

const writeResult = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
const USAGE = 'usage: npm run bench:workflow [-- --payments <n>] [--fault <services>@<from>+<for>[x<rate>]]... [--account-concurrency <n>] [--manifest <file>]';

/** The outcome each sandbox token of the load calls for. */
const EXPECTED: Record<string, string> = { tok_success: 'SETTLED' };

const percentile = (sorted: readonly number[], p: number): number | null => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms) / 1000);

async function main(): Promise<number> {
  const values = parseCommandLine(
    process.argv.slice(2),
    { payments: { type: 'string' }, fault: { type: 'string', multiple: true }, 'account-concurrency': { type: 'string' }, manifest: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    USAGE,
  );
  if (typeof values === 'number') return values;
  const n = values.payments === undefined ? 200 : Number(values.payments);
  const concurrency = values['account-concurrency'] === undefined ? 1000 : Number(values['account-concurrency']);
  if (!Number.isSafeInteger(n) || n < 1 || !Number.isSafeInteger(concurrency) || concurrency < 1) {
    process.stderr.write(`--payments and --account-concurrency must be positive whole numbers\n${USAGE}\n`);
    return 2;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded once the arguments are checked; `require`, not `import()`, under tsx's CommonJS hook (README, Toolchain pins)
  const { parseFaultWindow } = require('./local/capacity') as typeof import('./local/capacity');
  let faults;
  try {
    faults = (values.fault ?? []).map(parseFaultWindow);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded once the arguments are checked; `require`, not `import()`, under tsx's CommonJS hook (README, Toolchain pins) */
  const { loadManifest } = require('../accounts/load') as typeof import('../accounts/load');
  const { LocalWorkflow, summarize } = require('./local/local-workflow') as typeof import('./local/local-workflow');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const manifest = loadManifest(values.manifest).manifest;
  const local = await LocalWorkflow.start({ manifest, waitScale: 1, gatewayTimeoutMs: 'stack', accountConcurrency: concurrency, faults });
  try {
    const currency = manifest.workloads[0]!.payments.currencies[0]!;
    const token = 'tok_success';
    const body = (k: number) => ({ amount: 1250, currency, merchantId: 'mer_bench', customerId: `cus_bench${k}`, paymentMethod: { type: 'card', token: `${token}__${k}` } });
    const wallStart = performance.now();
    const modelStart = local.clock.now();
    const results = await local.simulate(Array.from({ length: n }, (_, k) => ({ idempotencyKey: `bench-${String(k).padStart(6, '0')}`, body: body(k) })));
    const wallSeconds = (performance.now() - wallStart) / 1000;
    const modelSeconds = (local.clock.now() - modelStart) / 1000;
    const summary = summarize(results, wallSeconds * 1000);
    const reached = results.filter((r) => r.status === EXPECTED[token] && r.archived);
    const latencies = results
      .map((r) => r.latencyMs)
      .filter((l): l is number => l !== null)
      .sort((a, b) => a - b);
    const retries: Record<string, number> = {};
    for (const e of local.executions.values()) for (const [name, count] of Object.entries(e.retries)) retries[name] = (retries[name] ?? 0) + count;
    const settled = results.filter((r) => r.status === 'SETTLED');
    const sample = settled.map((r) => local.executions.get(r.paymentId!)).find((e) => e !== undefined && Object.keys(e.retries).length === 0);
    const failedForCapacity = n - reached.length;
    const report = {
      stack: local.stackName,
      payments: n,
      expected: { [token]: EXPECTED[token] },
      reachedExpectedOutcome: reached.length,
      failedForCapacity,
      settledPerSecond: Math.round((reached.length / wallSeconds) * 10) / 10,
      byStatus: summary.byStatus,
      byReason: summary.byReason,
      archived: summary.archived,
      charges: summary.charges,
      latencySeconds: { p50: seconds(percentile(latencies, 50)), p95: seconds(percentile(latencies, 95)), p99: seconds(percentile(latencies, 99)), max: seconds(latencies.at(-1) ?? null) },
      wallSeconds: Math.round(wallSeconds * 100) / 100,
      modelSeconds: Math.round(modelSeconds * 100) / 100,
      peakMemoryMB: Math.round(process.resourceUsage().maxRSS / 1024),
      api: { answers: local.apiAnswers, resent: summary.resent },
      lambda: { accountConcurrency: concurrency, peakConcurrent: local.concurrency.peak, throttled: Object.fromEntries(local.concurrency.throttled) },
      taskRetries: retries,
      faults: { windows: faults, injected: local.faults.injected },
      settledPayment: sample ? { stateTransitions: sample.transitions, lambdaInvocations: sample.lambdaInvocations } : null,
    };
    writeResult(`${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(
      `${local.stackName}: ${reached.length}/${n} ${EXPECTED[token]} and archived, ${report.settledPerSecond}/s, p99 ${report.latencySeconds.p99} s, peak ${report.peakMemoryMB} MB${failedForCapacity > 0 ? `, ${failedForCapacity} did not reach their outcome ${JSON.stringify(summary.byReason)}` : ''}\n`,
    );
    return failedForCapacity > 0 ? 1 : 0;
  } finally {
    await local.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
