/** What submit refuses before anything is stored (lambdas/submit/request-guard.ts), fuzzed. */
import fc from 'fast-check';
import { cardNumberIn, guardRequest, luhnValid, MAX_REQUEST_BODY_BYTES, STEP_FUNCTIONS_PAYLOAD_LIMIT_BYTES } from '../../lambdas/submit/request-guard';
import { paymentIdFor, storableRequest, type ExecutionInput } from '../../contract/payment';

const JSON_TYPE = 'application/json';
const base = { amount: 1250, currency: 'USD', merchantId: 'mer_123', customerId: 'cus_456', paymentMethod: { type: 'card', token: 'tok_success' } };

/** A card-like number: 12 to 18 random digits and the Luhn check digit that completes them. */
const cardNumber = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 18 }).map((ds) => {
  const payload = ds.join('');
  const check = [...'0123456789'].find((d) => luhnValid(payload + d))!;
  return payload + check;
});
/** Text around it that ends and starts with no digit. */
const prose = fc.string({ maxLength: 20 }).map((s) => s.replace(/\d/g, 'x'));
/** The card number as it may be written: plain, in groups of four with spaces or hyphens. */
const written = fc.tuple(cardNumber, fc.constantFrom('', ' ', '-')).map(([n, sep]) => (sep === '' ? n : n.replace(/(\d{4})(?=\d)/g, `$1${sep}`)));

describe('card numbers are found wherever a string or number carries one', () => {
  test('for 2000 card-like numbers written plainly or in groups, inside any text, cardNumberIn finds every one', () => {
    fc.assert(
      fc.property(prose, written, prose, (before, n, after) => {
        expect(cardNumberIn(`${before}${n}${after}`)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('a string with no run of 13 digits is never taken for a card number', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(prose, fc.stringMatching(/^\d{1,12}$/)), { maxLength: 12 }), (parts) => {
        expect(cardNumberIn(parts.join('.'))).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  test.each([
    ['paymentMethod.token', (n: string) => ({ paymentMethod: { type: 'card', token: `tok_${n}` } }), 'invalid_payment_method'],
    ['paymentMethod.type', (n: string) => ({ paymentMethod: { type: n, token: 'tok_success' } }), 'invalid_payment_method'],
    ['customerId', (n: string) => ({ customerId: `cus_${n}` }), 'invalid_customer_id'],
    ['merchantId', (n: string) => ({ merchantId: `mer_${n}` }), 'invalid_merchant_id'],
    ['description', (n: string) => ({ description: `card ${n} please` }), 'invalid_description'],
    ['currency', (n: string) => ({ currency: n }), 'invalid_currency'],
    ['amount (a number)', (n: string) => ({ amount: Number(n) }), 'invalid_amount'],
  ] as const)('given a card number in %s, then the request is refused (400, the reason of that field) before anything is stored', (_field, place, reason) => {
    fc.assert(
      fc.property(cardNumber, (n) => {
        // an amount must stay a safe integer with all its digits: 15 digits, no leading zero, made card-like again
        const number = reason === 'invalid_amount' ? [...'0123456789'].map((d) => `9${n}`.slice(0, 14) + d).find(luhnValid)! : n;
        const result = guardRequest({ contentType: JSON_TYPE, body: JSON.stringify({ ...base, ...place(number) }) });
        expect(result).toEqual({ ok: false, statusCode: 400, reason, message: expect.not.stringContaining(number) });
      }),
      { numRuns: 200 },
    );
  });
});

describe('shape, media type and size', () => {
  test('given keys outside the contract (top level or in paymentMethod), then refused without naming them', () => {
    for (const [body, reason] of [
      [{ ...base, '4111111111111111': 0 }, 'unknown_field'],
      [{ ...base, cardNumber: 'x' }, 'unknown_field'],
      [{ ...base, paymentMethod: { type: 'card', token: 'tok_success', '4111111111111111': 'x' } }, 'invalid_payment_method'],
    ] as const) {
      const result = guardRequest({ contentType: JSON_TYPE, body: JSON.stringify(body) });
      expect(result).toMatchObject({ ok: false, statusCode: 400, reason });
      expect(JSON.stringify(result)).not.toContain('4111111111111111');
    }
  });

  test('given a base64-encoded body (a binary media type), then 415', () => {
    expect(guardRequest({ contentType: JSON_TYPE, body: Buffer.from(JSON.stringify(base)).toString('base64'), isBase64Encoded: true })).toMatchObject({ ok: false, statusCode: 415 });
  });

  test("the largest body submit accepts, stored and passed on as an execution input, stays far below Step Functions' limit", () => {
    // given a body at the bound: the longest description (4-byte characters), whitespace up to the bound
    const text = JSON.stringify({ ...base, description: '\u{1F4B3}'.repeat(500) });
    const atBound = text.slice(0, -1) + ' '.repeat(MAX_REQUEST_BODY_BYTES - Buffer.byteLength(text)) + '}';
    expect(Buffer.byteLength(atBound)).toBe(MAX_REQUEST_BODY_BYTES);
    const guarded = guardRequest({ contentType: JSON_TYPE, body: atBound });
    expect(guarded.ok).toBe(true);
    // when it becomes the execution input (longest client name and key)
    const client = 'c'.repeat(32);
    const idempotencyKey = 'k'.repeat(64);
    const input: ExecutionInput = {
      paymentId: paymentIdFor(client, idempotencyKey),
      client,
      idempotencyKey,
      receivedAt: new Date().toISOString(),
      body: storableRequest(guarded.ok ? guarded.body : null),
    };
    // then it is within the limit with room for what the tasks add to it
    expect(Buffer.byteLength(JSON.stringify(input))).toBeLessThan(STEP_FUNCTIONS_PAYLOAD_LIMIT_BYTES / 8);
    expect(MAX_REQUEST_BODY_BYTES).toBeLessThan(STEP_FUNCTIONS_PAYLOAD_LIMIT_BYTES / 8);
  });
});
