/**
 * F-16: each function's zip, exactly as the stack deploys it, is extracted into an empty
 * directory outside the repository and loaded in a fresh Node process the way the Lambda
 * runtime loads it (`require('./index.js').handler`), with only Node's built-ins around:
 * no node_modules to fall back on. A bundle that needs anything it does not contain fails here.
 * F-26: bundling is deterministic.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { createZip } from '../../modules/workflow/deterministic-zip';
import { HANDLERS, bundleHandler } from '../../modules/workflow/lambda-bundle';

const env = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  PAYMENT_CURRENCIES: 'EUR,USD',
  PAYMENT_LIMITS: JSON.stringify({ EUR: { maxAmountMinor: 100_000, fraudReviewThresholdMinor: 50_000 }, USD: { maxAmountMinor: 100_000, fraudReviewThresholdMinor: 50_000 } }),
  MAX_PAYMENTS_PER_CARD_PER_MINUTE: '10',
  COUNTERS_TABLE: 'payments-dev-counters',
  PAYMENTS_TABLE: 'payments-dev-payments',
  STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:200000000001:stateMachine:payments-dev-payment',
  GATEWAY_MODE: 'sandbox',
  GATEWAY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:200000000001:secret:payments/dev/gateway',
  SANDBOX_TABLE: 'payments-dev-sandbox',
  EVENTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:200000000001:payments-dev-events',
  ARCHIVE_BUCKET: 'payments-archive-200000000001-eu-west-1',
  ARCHIVE_PREFIX: 'settlements/dev/',
  ARCHIVE_KEY_ARN: 'arn:aws:kms:eu-west-1:200000000001:key/mrk-00000000000000000000000000000000',
  RECONCILE_AFTER_SECONDS: '960',
  REDRIVE_TABLE: 'payments-dev-redrive',
  API_CLIENTS: JSON.stringify([{ name: 'default', principals: ['200000000001'] }]),
};

/** Loads the bundle in a fresh process and calls the handler with `event` (for handlers that need no AWS call for it). */
function loadAndCall(dir: string, event: unknown, extraEnv: Record<string, string> = {}): { loaded: boolean; result?: unknown; error?: string } {
  const script = `
    const m = require(${JSON.stringify(join(dir, 'index.js'))});
    if (typeof m.handler !== 'function') { console.log(JSON.stringify({ loaded: false })); process.exit(0); }
    const ev = ${JSON.stringify(event)};
    if (ev === null) { console.log(JSON.stringify({ loaded: true })); process.exit(0); }
    m.handler(ev).then((result) => console.log(JSON.stringify({ loaded: true, result })), (e) => console.log(JSON.stringify({ loaded: true, error: e.name })));`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: dir, env: { ...env, ...extraEnv }, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('bundles as the Lambda runtime loads them', () => {
  const dirs = new Map<string, string>();
  beforeAll(() => {
    for (const name of HANDLERS) {
      const dir = mkdtempSync(join(tmpdir(), `bundle-${name}-`));
      for (const [file, data] of Object.entries(unzipSync(readFileSync(bundleHandler(name).zipPath)))) writeFileSync(join(dir, file), data);
      dirs.set(name, dir);
    }
  });
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test.each(HANDLERS)('F-16: %s loads from its zip alone and exports handler', (name) => {
    expect(Object.keys(unzipSync(readFileSync(bundleHandler(name).zipPath)))).toEqual(['index.js']);
    expect(loadAndCall(dirs.get(name)!, null)).toEqual({ loaded: true });
  });

  test('F-16: the validate bundle answers a real event in a fresh process', () => {
    const body = { amount: 1250, currency: 'USD', merchantId: 'mer_123', customerId: 'cus_456', paymentMethod: { type: 'card', token: 'tok_success' } };
    expect(loadAndCall(dirs.get('validate')!, { body })).toMatchObject({ loaded: true, result: { valid: true, payment: body } });
    expect(loadAndCall(dirs.get('validate')!, { body: { ...body, amount: 1.5 } })).toMatchObject({ result: { valid: false, reason: 'invalid_amount' } });
  });

  test('given a request signed by a principal that is no client, when the submit or status bundle gets it, then 403 before anything is read or written', () => {
    const stranger = {
      requestContext: { identity: { userArn: 'arn:aws:sts::999999999999:assumed-role/intruder/s', accountId: '999999999999' } },
      headers: { 'Idempotency-Key': 'order-0001' },
      body: '{}',
      pathParameters: { paymentId: `pay_${'0'.repeat(32)}` },
    };
    for (const name of ['submit', 'status']) {
      expect([name, loadAndCall(dirs.get(name)!, stranger)]).toEqual([name, { loaded: true, result: expect.objectContaining({ statusCode: 403 }) }]);
    }
  });

  test('given tracing is on as in Lambda, when the status bundle reads a payment, then its DynamoDB call reaches the X-Ray daemon as a subsegment', async () => {
    const daemon = createSocket('udp4');
    const received: string[] = [];
    daemon.on('message', (m) => received.push(m.toString()));
    await new Promise<void>((done) => daemon.bind(0, '127.0.0.1', done));
    const lambda = {
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      LAMBDA_TASK_ROOT: dirs.get('status')!,
      AWS_LAMBDA_FUNCTION_NAME: 'status',
      _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
    };
    const event = { requestContext: { identity: { userArn: 'arn:aws:iam::200000000001:user/client', accountId: '200000000001' } }, pathParameters: { paymentId: `pay_${'0'.repeat(32)}` } };
    const script = `require(${JSON.stringify(join(dirs.get('status')!, 'index.js'))}).handler(${JSON.stringify(event)}).catch(() => undefined);`;
    await new Promise((done) => execFile(process.execPath, ['-e', script], { env: { ...env, ...lambda } }, done));
    await new Promise((settle) => setTimeout(settle, 100));
    daemon.close();
    const subsegments = received.map((datagram) => JSON.parse(datagram.split('\n')[1]));
    expect(subsegments).toContainEqual(
      expect.objectContaining({ type: 'subsegment', namespace: 'aws', name: 'DynamoDB', aws: expect.objectContaining({ operation: 'GetItem', table_name: env.PAYMENTS_TABLE }) }),
    );
  });

  test('F-16: a missing environment variable fails the cold start, naming it', () => {
    const script = `try { require(${JSON.stringify(join(dirs.get('fraud')!, 'index.js'))}); console.log('loaded'); } catch (e) { console.log(e.name + ': ' + e.message); }`;
    const { COUNTERS_TABLE: _omit, ...rest } = env;
    const out = execFileSync(process.execPath, ['-e', script], { env: rest, encoding: 'utf8' }).trim();
    expect(out).toBe('ConfigurationError: environment variable COUNTERS_TABLE is required but not set');
  });
});

describe('F-26: deterministic packages', () => {
  test('the same files give the same zip bytes, whatever their order', () => {
    const a = createZip([
      { name: 'b.js', data: Buffer.from('b') },
      { name: 'a.js', data: Buffer.from('a') },
    ]);
    const b = createZip([
      { name: 'a.js', data: Buffer.from('a') },
      { name: 'b.js', data: Buffer.from('b') },
    ]);
    expect(a.equals(b)).toBe(true);
    expect(Object.entries(unzipSync(a)).map(([name, data]) => [name, Buffer.from(data).toString()])).toEqual([
      ['a.js', 'a'],
      ['b.js', 'b'],
    ]);
  });

  test.each(HANDLERS)('given the %s bundle, when a zip library reads its zip, then it holds exactly the script esbuild wrote', (name) => {
    const bundle = bundleHandler(name);
    const entries = unzipSync(readFileSync(bundle.zipPath));
    expect(Object.keys(entries)).toEqual(['index.js']);
    expect(Buffer.from(entries['index.js']).equals(readFileSync(bundle.scriptPath))).toBe(true);
  });

  test('bundling a handler in a fresh process gives the same hash as in this one', () => {
    const here = bundleHandler('validate').sha256;
    const script = `require('tsx/cjs'); const { bundleHandler } = require(${JSON.stringify(join(__dirname, '../../modules/workflow/lambda-bundle.ts'))}); console.log(bundleHandler('validate').sha256);`;
    const there = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: join(__dirname, '../..') })
      .trim()
      .split('\n')
      .pop();
    expect(there).toBe(here);
  });
});
