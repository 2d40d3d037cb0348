/**
 * F-16: each function's zip, exactly as the stack deploys it, is extracted into an empty
 * directory outside the repository and loaded in a fresh Node process the way the Lambda
 * runtime loads it (`require('./index.js').handler`), with only Node's built-ins around:
 * no node_modules to fall back on. A bundle that needs anything it does not contain fails here.
 * F-26: bundling is deterministic.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createZip, readZip } from '../../modules/workflow/deterministic-zip';
import { HANDLERS, bundleHandler } from '../../modules/workflow/lambda-bundle';

const env = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  PAYMENT_CURRENCIES: 'EUR,USD',
  MAX_AMOUNT_MINOR: '100000',
  FRAUD_THRESHOLD_MINOR: '50000',
  MAX_PAYMENTS_PER_CUSTOMER_PER_MINUTE: '10',
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
      for (const e of readZip(readFileSync(bundleHandler(name).zipPath))) writeFileSync(join(dir, e.name), e.data);
      dirs.set(name, dir);
    }
  });
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test.each(HANDLERS)('F-16: %s loads from its zip alone and exports handler', (name) => {
    expect(readZip(readFileSync(bundleHandler(name).zipPath)).map((e) => e.name)).toEqual(['index.js']);
    expect(loadAndCall(dirs.get(name)!, null)).toEqual({ loaded: true });
  });

  test('F-16: the validate bundle answers a real event in a fresh process', () => {
    const body = { amount: 1250, currency: 'USD', merchantId: 'mer_123', customerId: 'cus_456', paymentMethod: { type: 'card', token: 'tok_success' } };
    expect(loadAndCall(dirs.get('validate')!, { body })).toMatchObject({ loaded: true, result: { valid: true, payment: body } });
    expect(loadAndCall(dirs.get('validate')!, { body: { ...body, amount: 1.5 } })).toMatchObject({ result: { valid: false, reason: 'invalid_amount' } });
  });

  test('given a request signed by a principal that is no client, when the submit or status bundle gets it, then 403 before anything is read or written', () => {
    const stranger = { requestContext: { identity: { userArn: 'arn:aws:sts::999999999999:assumed-role/intruder/s', accountId: '999999999999' } }, headers: { 'Idempotency-Key': 'order-0001' }, body: '{}', pathParameters: { paymentId: `pay_${'0'.repeat(32)}` } };
    for (const name of ['submit', 'status']) {
      expect([name, loadAndCall(dirs.get(name)!, stranger)]).toEqual([name, { loaded: true, result: expect.objectContaining({ statusCode: 403 }) }]);
    }
  });

  test('F-16: a missing environment variable fails the cold start, naming it', () => {
    const script = `try { require(${JSON.stringify(join(dirs.get('fraud')!, 'index.js'))}); console.log('loaded'); } catch (e) { console.log(e.name + ': ' + e.message); }`;
    const { PAYMENTS_TABLE: _omit, ...rest } = env;
    const out = execFileSync(process.execPath, ['-e', script], { env: rest, encoding: 'utf8' }).trim();
    expect(out).toBe('ConfigurationError: environment variable PAYMENTS_TABLE is required but not set');
  });
});

describe('F-26: deterministic packages', () => {
  test('the same files give the same zip bytes, whatever their order', () => {
    const a = createZip([{ name: 'b.js', data: Buffer.from('b') }, { name: 'a.js', data: Buffer.from('a') }]);
    const b = createZip([{ name: 'a.js', data: Buffer.from('a') }, { name: 'b.js', data: Buffer.from('b') }]);
    expect(a.equals(b)).toBe(true);
    expect(readZip(a).map((e) => [e.name, e.data.toString()])).toEqual([['a.js', 'a'], ['b.js', 'b']]);
  });

  test('bundling a handler in a fresh process gives the same hash as in this one', () => {
    const here = bundleHandler('validate').sha256;
    const script = `require('tsx/cjs'); const { bundleHandler } = require(${JSON.stringify(join(__dirname, '../../modules/workflow/lambda-bundle.ts'))}); console.log(bundleHandler('validate').sha256);`;
    const there = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: join(__dirname, '../..') }).trim().split('\n').pop();
    expect(there).toBe(here);
  });
});
