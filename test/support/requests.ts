/**
 * Payment requests for tests that run the local workflow: idempotency keys unique per
 * process and call, and valid bodies whose customer and card are new each time (the fraud
 * screen counts per card and merchant, so one test's velocity window never throttles
 * another's): the default token is `tok_success__<n>`, a distinct card the sandbox approves.
 */
export function paymentRequests(customerSuffix: string, defaults: Record<string, unknown> = {}) {
  let seq = 0;
  const key = (label: string) => `${label}-${process.pid}-${++seq}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64);
  const valid = (over: Record<string, unknown> = {}) => ({
    amount: 1250,
    currency: 'USD',
    merchantId: 'mer_123',
    customerId: `cus_${(++seq).toString(36)}${customerSuffix}`,
    paymentMethod: { type: 'card', token: `tok_success__${seq.toString(36)}${customerSuffix}` },
    ...defaults,
    ...over,
  });
  return { key, valid };
}
