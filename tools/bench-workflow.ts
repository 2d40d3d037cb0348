/**
 * `npm run bench:workflow [-- --payments <n>]`: payments per second through the local run
 * of the synthesized workflow (payments-<first workload>-<primary region>, all submitted at
 * once through the submit function as the `default` client, tok_success, distinct customers,
 * reconciliation once at the end as in every local run), and the state transitions and Lambda
 * invocations of one settled payment. Prints numbers; asserts nothing.
 */
import { parseArgs } from 'node:util';

const writeResult = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
const USAGE = 'usage: npm run bench:workflow [-- --payments <n>]';

async function main(): Promise<void> {
  let payments: string | undefined;
  try {
    ({
      values: { payments },
    } = parseArgs({ args: process.argv.slice(2), strict: true, allowPositionals: false, options: { payments: { type: 'string' } } }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const n = payments === undefined ? 200 : Number(payments);
  if (!Number.isSafeInteger(n) || n < 1) {
    process.stderr.write(`--payments must be a positive whole number\n${USAGE}\n`);
    process.exit(2);
  }
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const { loadManifest } = await import('../accounts/load');
  const { LocalWorkflow } = await import('./local/local-workflow');
  const local = await LocalWorkflow.start({ manifest: loadManifest().manifest });
  try {
    const body = (k: number) => ({ amount: 1250, merchantId: 'mer_bench', customerId: `cus_bench${k}`, paymentMethod: { type: 'card', token: 'tok_success' } });
    const currency = loadManifest().manifest.workloads[0].payments.currencies[0];
    const [single] = await local.simulate([{ idempotencyKey: 'bench-single-0001', body: { ...body(0), currency } }]);
    const started = performance.now();
    const results = await local.simulate(Array.from({ length: n }, (_, k) => ({ idempotencyKey: `bench-${String(k).padStart(6, '0')}`, body: { ...body(k + 1), currency } })));
    const seconds = (performance.now() - started) / 1000;
    const settled = results.filter((r) => r.status === 'SETTLED').length;
    writeResult(
      `${JSON.stringify(
        {
          stack: local.stackName,
          payments: n,
          settled,
          seconds: Math.round(seconds * 100) / 100,
          paymentsPerSecond: Math.round((n / seconds) * 10) / 10,
          settledPayment: { status: single.status, stateTransitions: single.transitions, lambdaInvocations: single.lambdaInvocations },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await local.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
