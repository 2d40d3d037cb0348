/**
 * Payment requests for tests that run the local workflow: idempotency keys unique per
 * process and call, and valid bodies whose customer is new each time (so one test's
 * velocity window never throttles another's).
 */
export function paymentRequests(customerSuffix: string, defaults: Record<string, unknown> = {}) {
  let seq = 0;
  const key = (label: string) => `${label}-${process.pid}-${++seq}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64);
  const valid = (over: Record<string, unknown> = {}) => ({
    amount: 1250,
    currency: 'USD',
    merchantId: 'mer_123',
    customerId: `cus_${(++seq).toString(36)}${customerSuffix}`,
    paymentMethod: { type: 'card', token: 'tok_success' },
    ...defaults,
    ...over,
  });
  return { key, valid };
}
