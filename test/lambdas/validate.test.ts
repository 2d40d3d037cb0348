/** The validation every entry point shares, fuzzed (F-07), and money helpers. */
import fc from 'fast-check';
import { canonicalJson, validatePaymentRequest, REJECT_REASONS, paymentIdFor, requestFingerprint, storableRequest } from '../../contract/payment';
import { formatMoney, isMinorAmount } from '../../contract/money';

const rules = { currencies: ['EUR', 'USD'], maxAmountMinor: 100_000 };
const validBody = fc.record(
  {
    amount: fc.integer({ min: 1, max: 100_000 }),
    currency: fc.constantFrom('EUR', 'USD'),
    merchantId: fc.stringMatching(/^mer_[A-Za-z0-9]{3,32}$/),
    customerId: fc.stringMatching(/^cus_[A-Za-z0-9]{3,32}$/),
    paymentMethod: fc.record({ type: fc.constant('card'), token: fc.stringMatching(/^tok_[A-Za-z0-9_]{3,64}$/) }),
    description: fc.string({ maxLength: 500 }),
  },
  { requiredKeys: ['amount', 'currency', 'merchantId', 'customerId', 'paymentMethod'] },
);

/** What API Gateway hands the function: a body that went through JSON. */
const asJson = (v: unknown): unknown => {
  const text = JSON.stringify(v);
  return text === undefined ? undefined : JSON.parse(text);
};
const PAN = '4242424242424242';
/** A valid body with a card number put somewhere outside the contract. */
const withCardNumber = fc.tuple(validBody, fc.integer({ min: 0, max: 10 })).map(([body, where]): unknown => {
  switch (where) {
    case 0:
      return { ...body, cardNumber: PAN };
    case 1:
      return { ...body, card: { number: PAN, cvc: '123' } };
    case 2:
      return { ...body, paymentMethod: { ...body.paymentMethod, number: PAN } };
    case 3:
      return { ...body, paymentMethod: { type: 'card', token: PAN } };
    case 4:
      return { ...body, paymentMethod: PAN };
    case 5:
      return { ...body, merchantId: PAN };
    case 6:
      return { ...body, customerId: `cus_${PAN}!` };
    case 7:
      return { ...body, amount: PAN };
    case 8:
      return { ...body, currency: PAN };
    case 9:
      return { ...body, paymentMethod: { type: PAN, token: body.paymentMethod.token } };
    default:
      return PAN;
  }
});

describe('storableRequest: what the submit function stores and passes on', () => {
  test('F-07: for 5000 arbitrary bodies, the stored form gets exactly the answer the original gets', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), validBody, withCardNumber), (raw) => {
        const body = asJson(raw);
        expect(validatePaymentRequest(asJson(storableRequest(body)), rules)).toEqual(validatePaymentRequest(body, rules));
      }),
      { numRuns: 5000 },
    );
  });

  test('a "__proto__" field (as JSON.parse makes it: an own key) stays a key, loses its value, and the request stays rejected', () => {
    const body = JSON.parse(`{"__proto__":"${PAN}","amount":1250,"currency":"USD","merchantId":"mer_123","customerId":"cus_456","paymentMethod":{"type":"card","token":"tok_success"}}`) as unknown;
    const stored = asJson(storableRequest(body));
    expect(JSON.stringify(stored)).not.toContain(PAN);
    expect(Object.keys(stored as object)).toContain('__proto__');
    expect(validatePaymentRequest(stored, rules)).toEqual({ valid: false, reason: 'unknown_field' });
  });

  test('a body within the contract is stored unchanged', () => {
    fc.assert(
      fc.property(validBody, (body) => {
        expect(storableRequest(asJson(body))).toEqual(asJson(body));
      }),
      { numRuns: 1000 },
    );
  });

  test('a card number sent anywhere outside the contract is never stored, and the request is still rejected', () => {
    fc.assert(
      fc.property(withCardNumber, (raw) => {
        const body = asJson(raw);
        const stored = JSON.stringify(storableRequest(body)) ?? '';
        expect(stored).not.toContain(PAN);
        expect(validatePaymentRequest(body, rules).valid).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('limits per currency', () => {
  test("given a maximum per currency, then an amount is compared with its own currency's maximum (10050 is ¥10,050 but $100.50), and a currency without one takes the workload's", () => {
    const perCurrency = { currencies: ['USD', 'JPY', 'EUR'], maxAmountMinor: 5_000, maxAmountMinorByCurrency: { USD: 10_000, JPY: 1_000_000 } };
    const body = (amount: number, currency: string) => ({ amount, currency, merchantId: 'mer_123', customerId: 'cus_456', paymentMethod: { type: 'card', token: 'tok_success' } });
    expect(validatePaymentRequest(body(10_050, 'USD'), perCurrency)).toEqual({ valid: false, reason: 'amount_exceeds_maximum' });
    expect(validatePaymentRequest(body(10_050, 'JPY'), perCurrency).valid).toBe(true);
    expect(validatePaymentRequest(body(5_001, 'EUR'), perCurrency)).toEqual({ valid: false, reason: 'amount_exceeds_maximum' });
    // the currency is judged first: a maximum means nothing for a currency the workload does not take
    expect(validatePaymentRequest(body(10_000_000, 'GBP'), perCurrency)).toEqual({ valid: false, reason: 'unsupported_currency' });
  });
});

describe('validatePaymentRequest', () => {
  test('F-07: 5000 arbitrary values never throw; each is valid or rejected with a known reason', () => {
    fc.assert(
      fc.property(fc.anything(), (body) => {
        const r = validatePaymentRequest(body, rules);
        return r.valid || (REJECT_REASONS as readonly string[]).includes(r.reason);
      }),
      { numRuns: 5000 },
    );
  });

  test('every body within the contract is valid and comes back unchanged', () => {
    fc.assert(
      fc.property(validBody, (body) => {
        const r = validatePaymentRequest(body, rules);
        return r.valid && JSON.stringify(r.payment) === JSON.stringify(body);
      }),
      { numRuns: 2000 },
    );
  });

  test('F-07: a valid body with a non-integer amount is always rejected invalid_amount', () => {
    fc.assert(
      fc.property(validBody, fc.double({ noInteger: true }), (body, amount) => {
        const r = validatePaymentRequest({ ...body, amount }, rules);
        return !r.valid && r.reason === 'invalid_amount';
      }),
      { numRuns: 1000 },
    );
  });

  test('a valid body with any extra field is rejected (raw card data never passes)', () => {
    fc.assert(
      fc.property(
        validBody,
        fc.string({ minLength: 1 }).filter((k) => !['amount', 'currency', 'merchantId', 'customerId', 'paymentMethod', 'description', '__proto__'].includes(k)),
        fc.jsonValue(),
        (body, k, v) => {
          const r = validatePaymentRequest({ ...body, [k]: v }, rules);
          return !r.valid && r.reason === 'unknown_field';
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('money and ids', () => {
  test('F-07: amounts are positive safe integers; formatting uses the currency exponent', () => {
    expect([1, 0, -1, 1.5, 2 ** 53, '1'].map(isMinorAmount)).toEqual([true, false, false, false, false, false]);
    expect(formatMoney({ amountMinor: 1250, currency: 'USD' })).toBe('12.50 USD');
    expect(formatMoney({ amountMinor: 5, currency: 'BHD' })).toBe('0.005 BHD');
    expect(formatMoney({ amountMinor: 1250, currency: 'JPY' })).toBe('1250 JPY');
  });

  test('given a client and its key, then the payment id is a function of both: equal keys of two clients are two payments', () => {
    expect(paymentIdFor('shop', 'order-0001')).toBe(paymentIdFor('shop', 'order-0001'));
    expect(paymentIdFor('shop', 'order-0001')).not.toBe(paymentIdFor('shop', 'order-0002'));
    expect(paymentIdFor('shop', 'order-0001')).not.toBe(paymentIdFor('billing', 'order-0001'));
    // no separator ambiguity: ("ab", "c…") and ("a", "bc…") differ
    expect(paymentIdFor('ab', 'cdefghij')).not.toBe(paymentIdFor('a', 'bcdefghij'));
    expect(paymentIdFor('shop', 'order-0001')).toMatch(/^pay_[0-9a-f]{32}$/);
  });

  test('given two payloads, then their fingerprints are equal exactly when they are equal as JSON values, whatever the key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const shuffled = JSON.parse(JSON.stringify(a), (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v));
        expect(requestFingerprint(shuffled)).toBe(requestFingerprint(a));
        expect(requestFingerprint(a) === requestFingerprint(b)).toBe(canonicalJson(a) === canonicalJson(b));
      }),
      { seed: 12, numRuns: 300 },
    );
    expect(requestFingerprint({ amount: 100, currency: 'EUR' })).not.toBe(requestFingerprint({ amount: 101, currency: 'EUR' }));
  });
});
