/**
 * Executions of the SYNTHESIZED definition of payments-dev-eu-west-1 (example manifest:
 * EUR/USD, maxAmountMinor 100000, fraudReviewThresholdMinor 50000, 10 payments per customer
 * per minute) with the deployed handler bundles, dynalite, s3rver and the sandbox gateway,
 * started through the submit function as the API starts them (tools/local/local-workflow.ts).
 */
import fc from 'fast-check';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { exampleManifest } from '../support/synth';
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
    ['tok_gateway_down', 'FAILED', 'gateway_unavailable', 0],
    ['tok_lost_response', 'SETTLED', null, 1],
    ['tok_capture_no_response', 'SETTLED', null, 1],
    ['tok_request_in_progress', 'PENDING', 'outcome_unknown', 0],
    ['tok_do_not_honor', 'DECLINED', 'card_declined', 0],
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

describe('fraud screen', () => {
  test('amount above fraudReviewThresholdMinor → DECLINED fraud_suspected, nothing charged', async () => {
    const r = await run(valid({ amount: 50_001 }), 'fraud');
    expect([r.status, r.reason, r.charges]).toEqual(['DECLINED', 'fraud_suspected', 0]);
  });

  test('F-05: 12 concurrent distinct payments of one customer in 60 s → 10 settle, 2 are DECLINED velocity_exceeded (counted in DynamoDB across executions)', async () => {
    const customerId = 'cus_velocity1';
    const results = await local.simulate(Array.from({ length: 12 }, (_, i) => ({ idempotencyKey: key(`vel${i}`), body: valid({ customerId }) })));
    const byStatus = results.map((r) => `${r.status}:${r.reason}`).sort();
    expect(byStatus.filter((s) => s === 'SETTLED:null')).toHaveLength(10);
    expect(byStatus.filter((s) => s === 'DECLINED:velocity_exceeded')).toHaveLength(2);
    expect(results.filter((r) => r.status === 'DECLINED').every((r) => r.charges === 0)).toBe(true);
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

describe('gateway faults: terminal status, a record, never charged twice (F-03, F-06, F-08)', () => {
  test('a mix of flaky, down and lost responses, all at once', async () => {
    const tokens = ['tok_flaky', 'tok_gateway_down', 'tok_lost_response'];
    const requests = Array.from({ length: 9 }, (_, i) => ({ idempotencyKey: key(`fault${i}`), body: valid({ paymentMethod: { type: 'card', token: tokens[i % 3] } }) }));
    const results = await local.simulate(requests);
    for (const r of results) {
      expect(['SETTLED', 'FAILED']).toContain(r.status);
      expect(r.charges).toBeLessThanOrEqual(1);
      expect((await local.record(r.paymentId!))?.status).toBe(r.status);
    }
    expect(results.filter((r) => r.status === 'FAILED').map((r) => r.reason)).toEqual(['gateway_unavailable', 'gateway_unavailable', 'gateway_unavailable']);
  });

  test('F-06 F-10: a gateway-down execution fails into the dead-letter list; the failure recorder does not overwrite its terminal record', async () => {
    const r = await run(valid({ paymentMethod: { type: 'card', token: 'tok_gateway_down' } }), 'dlq');
    expect(local.deadLetters.map((d) => d.detail.name)).toContain(local.executions.get([...local.executions.keys()].pop()!)!.name);
    expect(local.executions.get([...local.executions.keys()].pop()!)!.status).toBe('FAILED');
    expect(await local.record(r.paymentId!)).toMatchObject({ status: 'FAILED', reason: 'gateway_unavailable' });
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
