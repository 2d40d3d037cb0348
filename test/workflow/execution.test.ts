/**
 * Executions of the SYNTHESIZED definition of payments-dev-eu-west-1 (example manifest:
 * EUR/USD, maxAmountMinor 100000, fraudReviewThresholdMinor 50000, 10 payments per card and
 * merchant per minute) with the deployed handler bundles, dynalite, s3rver and the sandbox gateway,
 * started through the submit function as the API starts them (tools/local/local-workflow.ts).
 */
import fc from 'fast-check';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { manifest as exampleInput } from '../../accounts/manifest';
import type { ManifestInput } from '../../accounts/schema';
import { exampleManifest, parseManifest } from '../support/synth';
import { LocalWorkflow } from '../../tools/local/local-workflow';
import { paymentRequests } from '../support/requests';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
let local: LocalWorkflow;
const { key, valid } = paymentRequests('abc', { description: 'Order 42' });
const run = async (body: unknown, label = 'k') => (await local.simulate([{ idempotencyKey: key(label), body }]))[0];

beforeAll(async () => {
  local = await LocalWorkflow.start({ manifest: exampleManifest() });
}, 60_000);
afterAll(async () => local?.stop());

describe('sandbox tokens (contract)', () => {
  test.each([
    ['tok_success', 'SETTLED', null, 1],
    ['tok_insufficient_funds', 'DECLINED', 'insufficient_funds', 0],
    ['tok_card_declined', 'DECLINED', 'card_declined', 0],
    ['tok_flaky', 'SETTLED', null, 1],
    ['tok_gateway_down', 'PENDING', 'outcome_unknown', 0],
    ['tok_lost_response', 'SETTLED', null, 1],
    ['tok_capture_no_response', 'SETTLED', null, 1],
    ['tok_request_in_progress', 'PENDING', 'outcome_unknown', 0],
    ['tok_do_not_honor', 'DECLINED', 'card_declined', 0],
    ['tok_unexpected_success', 'SETTLED', null, 1], // PENDING, then SETTLED by the run's reconciliation
    ['tok_amount_mismatch', 'PENDING', 'outcome_unknown', 1],
  ])('F-03 F-08: %s ends %s (%s) with %d charge(s) and a record in DynamoDB', async (token, status, reason, charges) => {
    const r = await run(valid({ paymentMethod: { type: 'card', token } }), token);
    expect([r.status, r.reason, r.charges]).toEqual([status, reason, charges]);
    const record = await local.record(r.paymentId!);
    expect(record?.status).toBe(status);
    expect(typeof record?.amount).toBe('number'); // F-07: a number, in minor units
    expect(record?.amount).toBe(1250);
  });

  test('F-02 F-01: a settled payment is recorded, notified and archived with its amount and currency intact', async () => {
    const r = await run(valid({ amount: 4321, currency: 'EUR' }), 'archive');
    expect(r.status).toBe('SETTLED');
    expect([r.transitions, r.lambdaInvocations]).toEqual([8, 3]);
    const view = await local.status(r.paymentId!);
    expect(view.statusCode).toBe(200);
    expect(view.body).toMatchObject({ paymentId: r.paymentId, status: 'SETTLED', amount: 4321, currency: 'EUR', reason: null });
    const note = local.published.map((p) => JSON.parse(p.Message)).find((m) => m.paymentId === r.paymentId);
    expect(note).toMatchObject({ status: 'SETTLED', amount: 4321, currency: 'EUR' });
    const bucket = String((local.definition.States.Archive as unknown as { Parameters: { Bucket: string } }).Parameters.Bucket);
    // under the workload's own prefix: every workload replicates into the one log-archive bucket
    const workload = exampleManifest().workloads[0]!.name;
    const obj = await local.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `settlements/${workload}/${r.paymentId}.json` }));
    expect(JSON.parse(await obj.Body!.transformToString())).toMatchObject({ paymentId: r.paymentId, amount: 4321, currency: 'EUR', status: 'SETTLED' });
  });
});

describe('validation rules: REJECTED with a reason, nothing charged (F-07)', () => {
  const cases: [string, unknown, string][] = [
    ['a body that is not an object', [1, 2], 'invalid_body'],
    ['raw card data', valid({ cardNumber: '4242424242424242' }), 'unknown_field'],
    ['a float amount (F-07)', valid({ amount: 12.5 }), 'invalid_amount'],
    ['a string amount', valid({ amount: '1250' }), 'invalid_amount'],
    ['amount 0', valid({ amount: 0 }), 'invalid_amount'],
    ['a missing amount', { ...valid(), amount: undefined }, 'invalid_amount'],
    ['amount above maxAmountMinor', valid({ amount: 100_001 }), 'amount_exceeds_maximum'],
    ['a lower-case currency', valid({ currency: 'usd' }), 'invalid_currency'],
    ['a currency outside the workload', valid({ currency: 'GBP' }), 'unsupported_currency'],
    ['a bad merchantId', valid({ merchantId: 'merchant_1' }), 'invalid_merchant_id'],
    ['a bad customerId', valid({ customerId: 'cus_!' }), 'invalid_customer_id'],
    ['a non-card payment method', valid({ paymentMethod: { type: 'bank', token: 'tok_success' } }), 'invalid_payment_method'],
    ['a bad token', valid({ paymentMethod: { type: 'card', token: '4242424242424242' } }), 'invalid_payment_method'],
    ['extra payment-method fields', valid({ paymentMethod: { type: 'card', token: 'tok_success', cvc: '123' } }), 'invalid_payment_method'],
    ['a description over 500 characters', valid({ description: 'x'.repeat(501) }), 'invalid_description'],
  ];
  test.each(cases)('%s → REJECTED %s', async (_label, body, reason) => {
    const r = await run(JSON.parse(JSON.stringify(body)), 'invalid');
    expect([r.status, r.reason, r.charges]).toEqual(['REJECTED', reason, 0]);
  });

  test('the boundaries are accepted: amount 1 and maxAmountMinor… (threshold aside), description of 500', async () => {
    const [a, b] = await local.simulate([
      { idempotencyKey: key('min'), body: valid({ amount: 1, description: 'x'.repeat(500) }) },
      { idempotencyKey: key('max'), body: valid({ amount: 50_000 }) },
    ]);
    expect([a.status, b.status]).toEqual(['SETTLED', 'SETTLED']);
  });
});

describe('what the API refuses, and what it never keeps', () => {
  test('a malformed Idempotency-Key → REJECTED invalid_idempotency_key: no payment, no execution, nothing charged', async () => {
    const before = local.executions.size;
    const [r] = await local.simulate([{ idempotencyKey: 'short', body: valid() }]);
    expect(r).toMatchObject({ paymentId: null, status: 'REJECTED', reason: 'invalid_idempotency_key', charges: 0, transitions: 0 });
    expect(local.executions.size).toBe(before);
  });

  test('raw card data that got around the API model is refused before anything is stored: no record, no execution, no notification', async () => {
    const pan = '4000056655665556';
    const bodies = [valid({ cardNumber: pan }), valid({ paymentMethod: { type: 'card', token: pan } }), valid({ paymentMethod: { type: 'card', token: 'tok_success', number: pan, cvc: '123' } })];
    const executions = local.executions.size;
    const results = await local.simulate(bodies.map((body, i) => ({ idempotencyKey: key(`pan${i}`), body })));
    expect(results.map((r) => [r.statusCode, r.paymentId, r.status, r.reason, r.charges])).toEqual([
      [400, null, 'REJECTED', 'unknown_field', 0],
      [400, null, 'REJECTED', 'invalid_payment_method', 0],
      [400, null, 'REJECTED', 'invalid_payment_method', 0],
    ]);
    expect(local.executions.size).toBe(executions);
    expect(JSON.stringify(local.published)).not.toContain(pan);
  });
});

describe("fraud screen: per card and merchant, per currency, in this region's counters table", () => {
  /** The record's specific reason, and what a client reading the payment is told. */
  const reasons = async (paymentId: string) => [(await local.record(paymentId))?.reason, (await local.status(paymentId)).body.reason];

  test('given an amount above the currency review threshold, then DECLINED and nothing charged; the record says fraud_suspected, a client reading it is told card_declined', async () => {
    const r = await run(valid({ amount: 50_001 }), 'fraud');
    expect([r.status, r.charges]).toEqual(['DECLINED', 0]);
    expect(await reasons(r.paymentId!)).toEqual(['fraud_suspected', 'card_declined']);
  });

  test('F-05: given 12 concurrent payments of one card at one merchant, each under a new customer id, then 10 settle and 2 are DECLINED velocity_exceeded (told card_declined), counted across executions', async () => {
    const token = `tok_success__velocity${process.pid}`;
    const results = await local.simulate(Array.from({ length: 12 }, (_, i) => ({ idempotencyKey: key(`vel${i}`), body: valid({ paymentMethod: { type: 'card', token } }) })));
    expect(results.filter((r) => r.status === 'SETTLED')).toHaveLength(10);
    const declined = results.filter((r) => r.status === 'DECLINED');
    expect(declined.map((r) => [r.reason, r.charges])).toEqual([
      ['card_declined', 0],
      ['card_declined', 0],
    ]);
    for (const r of declined) expect((await local.record(r.paymentId!))?.reason).toBe('velocity_exceeded');
  });

  test('given one amount split into parts under the threshold, on one card at one merchant, then the part that takes the sum in the window above the threshold is DECLINED amount_velocity_exceeded', async () => {
    const token = `tok_success__split${process.pid}`;
    const results = await local.simulate(
      Array.from({ length: 3 }, (_, i) => ({ idempotencyKey: key(`split${i}`), body: valid({ amount: 20_000, currency: 'EUR', paymentMethod: { type: 'card', token } }) })),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['DECLINED', 'SETTLED', 'SETTLED']);
    const declined = results.find((r) => r.status === 'DECLINED')!;
    expect(await reasons(declined.paymentId!)).toEqual(['amount_velocity_exceeded', 'card_declined']);
    // the same card at another merchant, or in another currency, is another window or another sum
    const [elsewhere, dollars] = await local.simulate([
      { idempotencyKey: key('split-m'), body: valid({ amount: 20_000, currency: 'EUR', merchantId: 'mer_other1', paymentMethod: { type: 'card', token } }) },
      { idempotencyKey: key('split-c'), body: valid({ amount: 20_000, currency: 'USD', paymentMethod: { type: 'card', token } }) },
    ]);
    expect([elsewhere!.status, dollars!.status]).toEqual(['SETTLED', 'SETTLED']);
  });

  test("given screened payments, then the windows are in the region's counters table, keyed by merchant and a hash of the token (no token stored), and the replicated payments table holds payment records only", async () => {
    const token = `tok_success__where${process.pid}`;
    await local.simulate([{ idempotencyKey: key('where'), body: valid({ paymentMethod: { type: 'card', token } }) }]);
    const ddb = new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const paymentsTable = (local.definition.States.RecordOutcome as unknown as { Parameters: { TableName: string } }).Parameters.TableName;
    const countersTable = (await ddb.send(new ListTablesCommand({}))).TableNames!.find((t) => t.endsWith('-counters'))!;
    const scan = async (table: string) => (await DynamoDBDocumentClient.from(ddb).send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? [];
    const windows = await scan(countersTable);
    expect(windows.length).toBeGreaterThan(0);
    for (const w of windows) expect(w.counterKey).toMatch(/^window#mer_[A-Za-z0-9]+#[0-9a-f]{32}$/);
    expect(JSON.stringify(windows)).not.toContain(token);
    expect((await scan(paymentsTable)).filter((i) => !/^pay_[0-9a-f]{32}$/.test(String(i.paymentId)))).toEqual([]);
    ddb.destroy();
  });
});

describe('limits per currency, each in its own minor units', () => {
  let limited: LocalWorkflow;
  beforeAll(async () => {
    // The example manifest, with USD given limits of its own: EUR keeps the workload's (100000 max, 50000 review).
    const input = structuredClone(exampleInput) as ManifestInput;
    input.workloads[0]!.payments.limits = { USD: { maxAmountMinor: 20_000, fraudReviewThresholdMinor: 10_000 } };
    limited = await LocalWorkflow.start({ manifest: parseManifest(input) });
  }, 60_000);
  afterAll(async () => limited?.stop());

  test("given USD limits of its own, then one amount is judged by its currency's limits: above USD's maximum REJECTED, above USD's review threshold DECLINED (fraud_suspected in the record), and the same amounts in EUR settle", async () => {
    const results = await limited.simulate([
      { idempotencyKey: key('usd-max'), body: valid({ amount: 20_001, currency: 'USD' }) },
      { idempotencyKey: key('usd-review'), body: valid({ amount: 10_001, currency: 'USD' }) },
      { idempotencyKey: key('eur-max'), body: valid({ amount: 20_001, currency: 'EUR' }) },
      { idempotencyKey: key('eur-review'), body: valid({ amount: 10_001, currency: 'EUR' }) },
    ]);
    expect(results.map((r) => [r.status, r.reason, r.charges])).toEqual([
      ['REJECTED', 'amount_exceeds_maximum', 0],
      ['DECLINED', 'card_declined', 0],
      ['SETTLED', null, 1],
      ['SETTLED', null, 1],
    ]);
    expect((await limited.record(results[1]!.paymentId!))?.reason).toBe('fraud_suspected');
  });
});

describe('idempotency under concurrency (F-08)', () => {
  test('the same key submitted 20 times at once → one payment, one execution, one charge', async () => {
    const idempotencyKey = key('same');
    const body = valid();
    const results = await local.simulate(Array.from({ length: 20 }, () => ({ idempotencyKey, body })));
    expect(new Set(results.map((r) => r.paymentId)).size).toBe(1);
    expect(results.every((r) => r.status === 'SETTLED' && r.charges === 1)).toBe(true);
    expect([...local.executions.keys()].filter((k) => k === results[0]!.paymentId)).toHaveLength(1);
    expect(await local.charges(results[0]!.paymentId!)).toBe(1);
    // one request created the payment; the 19 others were answered from its record
    expect(results.filter((r) => r.replayed)).toHaveLength(19);
  });
});

describe('gateway faults: a record, never charged twice, FAILED only when nothing was charged (F-03, F-06, F-08)', () => {
  test('given a mix of flaky, down and lost responses, all at once, then the flaky and lost ones settle once and the down ones stay PENDING, none charged twice', async () => {
    const tokens = ['tok_flaky', 'tok_gateway_down', 'tok_lost_response'];
    const requests = Array.from({ length: 9 }, (_, i) => ({ idempotencyKey: key(`fault${i}`), body: valid({ paymentMethod: { type: 'card', token: tokens[i % 3] } }) }));
    const results = await local.simulate(requests);
    for (const r of results) {
      expect(r.charges).toBeLessThanOrEqual(1);
      expect((await local.record(r.paymentId!))?.status).toBe(r.status);
    }
    expect(results.map((r) => `${r.status}:${r.reason}`)).toEqual(Array.from({ length: 3 }, () => ['SETTLED:null', 'PENDING:outcome_unknown', 'SETTLED:null']).flat());
  });

  test('given a gateway that answers 5xx through every retry, then the payment is PENDING (a 5xx may follow a capture), the execution succeeds and nothing reaches the dead-letter list', async () => {
    const deadBefore = local.deadLetters.length;
    const r = await run(valid({ paymentMethod: { type: 'card', token: 'tok_gateway_down' } }), 'down');
    expect(local.executions.get(r.paymentId!)!.status).toBe('SUCCEEDED');
    expect(await local.record(r.paymentId!)).toMatchObject({ status: 'PENDING', reason: 'outcome_unknown', errorName: 'GatewayUnavailableError' });
    expect(local.deadLetters.length).toBe(deadBefore);
  });

  test('F-06 F-10: given a gateway that refuses the request itself (a 4xx), then FAILED internal_error with nothing charged, the execution fails into the dead-letter list and the failure recorder does not overwrite its terminal record', async () => {
    const r = await run(valid({ paymentMethod: { type: 'card', token: 'tok_refused' } }), 'dlq');
    const execution = local.executions.get(r.paymentId!)!;
    expect(execution.status).toBe('FAILED');
    expect(local.deadLetters.map((d) => d.detail.name)).toContain(execution.name);
    expect(await local.record(r.paymentId!)).toMatchObject({ status: 'FAILED', reason: 'internal_error', errorName: 'GatewayRequestError' });
    expect(r.charges).toBe(0);
  });
});

describe('malformed-input fuzz through the synthesized definition', () => {
  test('F-07 F-01: 300 generated malformed bodies, concurrently: each REJECTED with a reason, none crashes, none charged', async () => {
    const broken = fc.oneof(
      fc.anything(),
      fc.record({ amount: fc.oneof(fc.double(), fc.string(), fc.integer({ max: 0 }), fc.integer({ min: 100_001 })) }).map((o) => valid(o)),
      fc.record({ currency: fc.string({ maxLength: 4 }) }).map((o) => valid(o)),
      fc.record({ merchantId: fc.string() }).map((o) => valid(o)),
      fc.record({ customerId: fc.string() }).map((o) => valid(o)),
      fc.record({ paymentMethod: fc.anything() }).map((o) => valid(o)),
      fc.record({ description: fc.oneof(fc.integer(), fc.string({ minLength: 501, maxLength: 600 })) }).map((o) => valid(o)),
      fc
        .dictionary(
          fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !['amount', 'currency', 'merchantId', 'customerId', 'paymentMethod', 'description'].includes(k)),
          fc.anything(),
          { minKeys: 1 },
        )
        .map((extra) => ({ ...valid(), ...extra })),
    );
    const bodies = fc.sample(broken, { numRuns: 300, seed: 4242 }).map((b) => JSON.parse(JSON.stringify(b ?? null)) as unknown);
    const results = await local.simulate(bodies.map((body, i) => ({ idempotencyKey: key(`fuzz${i}`), body })));
    const bad = results.filter((r) => !(r.status === 'REJECTED' && typeof r.reason === 'string' && r.charges === 0));
    expect(bad).toEqual([]);
  }, 60_000);
});
