/**
 * `npm run simulate -- --input <file.json> [--workload <name>] [--region <region>]`
 *
 * Runs every request of the file CONCURRENTLY through the synthesized workflow of one
 * payments stack (default: the first workload's primary region) on this machine: real
 * handler bundles, dynalite, s3rver, the sandbox gateway; retry waits skipped. Input: a
 * JSON array of `{ "idempotencyKey": "...", "body": { ... } }`. Output on stdout (and only
 * there): `{ "results": [ { idempotencyKey, paymentId, status, reason, charges, transitions,
 * lambdaInvocations } ], "summary": { ... } }`. Logs go to stderr.
 */
import { readFileSync } from 'node:fs';

// stdout carries only the result: everything else that writes to stdout (the handlers' logs) goes to stderr.
const writeResult = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const inputPath = opt('input');
  if (!inputPath) throw new Error('usage: npm run simulate -- --input <file.json> [--workload <name>] [--region <region>]');
  const requests = JSON.parse(readFileSync(inputPath, 'utf8')) as unknown;
  if (!Array.isArray(requests) || !requests.every((r) => typeof r === 'object' && r !== null && typeof (r as { idempotencyKey?: unknown }).idempotencyKey === 'string' && 'body' in r)) {
    throw new Error(`${inputPath}: expected a JSON array of { "idempotencyKey": "...", "body": { ... } }`);
  }
  const { loadManifest } = await import('../accounts/load');
  const { LocalWorkflow, summarize } = await import('./local/local-workflow');
  const { manifest } = loadManifest();
  const local = await LocalWorkflow.start({ manifest, workload: opt('workload'), region: opt('region') });
  process.stderr.write(`simulating ${requests.length} requests through ${local.stackName}\n`);
  try {
    const started = performance.now();
    const results = await local.simulate(requests as { idempotencyKey: string; body: unknown }[]);
    const summary = { stack: local.stackName, ...summarize(results, performance.now() - started), deadLetters: local.deadLetters.length, notifications: local.published.length };
    writeResult(`${JSON.stringify({ results, summary }, null, 2)}\n`);
  } finally {
    await local.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
