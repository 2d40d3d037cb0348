/**
 * `npm run simulate -- --input <file.json> [--workload <name>] [--region <region>] [--manifest <file>] [--fault <window>]... [--skip-waits]`
 *
 * Runs every request of the file CONCURRENTLY through the synthesized workflow of one
 * payments stack (default: the first workload's primary region) on this machine: real
 * handler bundles, dynalite, s3rver, the sandbox gateway; AWS's capacity limits on the local
 * run's model clock (tools/local/capacity.ts), retry waits as long as in AWS on that clock
 * and the stack's gateway timeout (`--skip-waits`: no waits, a 300 ms gateway timeout); a request the API sheds (429) or fails (5xx) is sent again with its
 * key, as a client would; one run of reconciliation once the executions have finished (and
 * any fault window has ended). `--fault <services>@<from>+<for>[x<rate>]` (repeatable):
 * DynamoDB, S3 and/or SNS (`dynamodb,s3,sns`) answer throttling and 5xx errors from <from> for
 * <for> model seconds after the run is ready, for a share <rate> of requests (default 1).
 * Input: a JSON array of
 * `{ "idempotencyKey": "...", "body": { ... }, "client": "<name>" }` where `client` (default
 * `default`) is the API client the request is signed as: the workload's `payments.clients`
 * in the manifest (one client `default` when it names none). A client the manifest does not
 * name stands for a principal that is no client: the API refuses it (403).
 * The manifest is `--manifest`, else PAYMENTS_MANIFEST, else accounts/manifest.ts.
 * Output on stdout (and only there): `{ "results": [ { client, idempotencyKey, statusCode,
 * replayed, paymentId, status, reason, charges, transitions, lambdaInvocations, attempts,
 * latencyMs, archived } ], "summary": { ..., archived, redrive, ... } }` where `archived` counts
 * the settled payments whose settlement archive was written and `redrive` the deliveries left
 * in the re-drive table; one summary line on stderr. Exit 2 on a usage error, 1 on a bad input.
 */
import { parseCommandLine } from './cli';
import { readFileSync } from 'node:fs';

// stdout carries only the result: everything else that writes to stdout (the handlers' logs) goes to stderr.
const writeResult = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

const USAGE = 'usage: npm run simulate -- --input <file.json> [--workload <name>] [--region <region>] [--manifest <file>] [--fault <dynamodb,s3,sns>@<from s>+<for s>[x<rate>]]... [--skip-waits]';

class InputError extends Error {}

/** The requests of the input file, each checked; the message names the entry. */
function readRequests(path: string): { idempotencyKey: string; body: unknown; client?: string }[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(`${path}: ${(err as Error).message}`);
  }
  if (!Array.isArray(raw)) throw new InputError(`${path}: expected a JSON array of { "idempotencyKey": "...", "body": { ... }, "client": "..." }`);
  return raw.map((r, i) => {
    const at = `${path}: [${i}]`;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new InputError(`${at} must be an object`);
    const unknown = Object.keys(r).filter((k) => !['idempotencyKey', 'body', 'client'].includes(k));
    if (unknown.length > 0) throw new InputError(`${at} has unknown field(s) ${unknown.join(', ')} (fields: idempotencyKey, body, client)`);
    if (typeof r.idempotencyKey !== 'string') throw new InputError(`${at}.idempotencyKey must be a string`);
    if (!('body' in r)) throw new InputError(`${at}.body is missing`);
    if (r.client !== undefined && typeof r.client !== 'string') throw new InputError(`${at}.client must be the name of an API client`);
    return r as { idempotencyKey: string; body: unknown; client?: string };
  });
}

async function main(): Promise<number> {
  const values = parseCommandLine(
    process.argv.slice(2),
    {
      input: { type: 'string' },
      workload: { type: 'string' },
      region: { type: 'string' },
      manifest: { type: 'string' },
      fault: { type: 'string', multiple: true },
      'skip-waits': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (typeof values === 'number') return values;
  if (!values.input) {
    process.stderr.write(`${USAGE}\n`);
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
  let requests;
  try {
    requests = readRequests(values.input);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded once the arguments are checked; `require`, not `import()`, under tsx's CommonJS hook (README, Toolchain pins) */
  const { loadManifest } = require('../accounts/load') as typeof import('../accounts/load');
  const { ManifestError } = require('../accounts/schema') as typeof import('../accounts/schema');
  const { LocalWorkflow, summarize } = require('./local/local-workflow') as typeof import('./local/local-workflow');
  /* eslint-enable @typescript-eslint/no-require-imports */
  let manifest;
  try {
    manifest = loadManifest(values.manifest).manifest;
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
  const local = await LocalWorkflow.start({
    manifest,
    workload: values.workload,
    region: values.region,
    waitScale: values['skip-waits'] ? 0 : 1,
    gatewayTimeoutMs: values['skip-waits'] ? undefined : 'stack',
    faults,
  });
  const strangers = [...new Set(requests.map((r) => r.client ?? 'default'))].filter((c) => !local.clientNames.includes(c));
  for (const c of strangers) process.stderr.write(`${local.stackName}: "${c}" is no API client (clients: ${local.clientNames.join(', ')}); its requests stand for a principal the API refuses (403)\n`);
  try {
    const started = performance.now();
    const results = await local.simulate(requests);
    const summary = {
      stack: local.stackName,
      ...summarize(results, performance.now() - started),
      redrive: await local.redriveBacklog(),
      deadLetters: local.deadLetters.length,
      notifications: local.published.length,
      faultsInjected: local.faults.injected,
    };
    writeResult(`${JSON.stringify({ results, summary }, null, 2)}\n`);
    process.stderr.write(
      `${local.stackName}: ${results.length} requests, ${summary.payments} payments, ${summary.charges} charges, ${summary.archived} archived, ${summary.redrive} to re-drive ${JSON.stringify(summary.byStatus)}\n`,
    );
  } finally {
    await local.stop();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
