/**
 * How the gateway adapter reads the card network's answers (lambdas/runtime/gateway.ts):
 * which are retried, which are decisions, which leave the outcome unknown.
 */
import { GatewayBusyError, GatewayRequestError, GatewayTimeoutError, GatewayUnavailableError } from '../../contract/errors';
import { PaymentGateway, type GatewayResponse } from '../../lambdas/runtime/gateway';

const request = {
  idempotencyKey: 'pay_0123456789abcdef0123456789abcdef',
  paymentId: 'pay_0123456789abcdef0123456789abcdef',
  amount: 1250,
  currency: 'USD',
  merchantId: 'mer_123',
  customerId: 'cus_456',
  token: 'tok_x',
};
const answering = (response: GatewayResponse | 'never') => {
  const reply = (signal: AbortSignal) =>
    response === 'never' ? new Promise<GatewayResponse>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })) : Promise.resolve(response);
  return new PaymentGateway({ transport: async (_r, signal) => reply(signal), lookupTransport: async (_r, signal) => reply(signal), credential: async () => 'secret', timeoutMs: 50 });
};

describe('the gateway adapter', () => {
  test.each([
    [409, 'GatewayBusyError'],
    [429, 'GatewayBusyError'],
    [500, 'GatewayUnavailableError'],
    [503, 'GatewayUnavailableError'],
    [400, 'GatewayRequestError'],
    [401, 'GatewayRequestError'],
  ])('given the gateway answers %d, when charging, then %s', async (status, name) => {
    await expect(answering({ status, body: {} }).charge(request)).rejects.toMatchObject({ name });
  });

  test('given no answer within the timeout, then GatewayTimeoutError (the charge may have happened)', async () => {
    await expect(answering('never').charge(request)).rejects.toBeInstanceOf(GatewayTimeoutError);
  });

  test('given a decline with a code the adapter does not know, or none, then a decline card_declined; a known code keeps its reason', async () => {
    expect(await answering({ status: 402, body: { reason: 'do_not_honor', chargeId: 'ch_1' } }).charge(request)).toEqual({ approved: false, chargeId: 'ch_1', reason: 'card_declined' });
    expect(await answering({ status: 402, body: {} }).charge(request)).toMatchObject({ approved: false, reason: 'card_declined' });
    expect(await answering({ status: 402, body: { reason: 'insufficient_funds' } }).charge(request)).toMatchObject({ approved: false, reason: 'insufficient_funds' });
  });

  test('given a lookup, then 200 is captured, 402 declined, 404 nothing under the key, and 409 or 5xx cannot tell', async () => {
    expect(await answering({ status: 200, body: { approved: true, chargeId: 'ch_2', capturedAt: '2026-01-01T00:00:00.000Z' } }).lookup('k')).toEqual({
      outcome: 'captured',
      chargeId: 'ch_2',
      capturedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(await answering({ status: 402, body: { reason: 'stolen_card' } }).lookup('k')).toMatchObject({ outcome: 'declined', reason: 'card_declined' });
    expect(await answering({ status: 404, body: {} }).lookup('k')).toEqual({ outcome: 'not_found' });
    await expect(answering({ status: 409, body: {} }).lookup('k')).rejects.toBeInstanceOf(GatewayBusyError);
    await expect(answering({ status: 503, body: {} }).lookup('k')).rejects.toBeInstanceOf(GatewayUnavailableError);
    await expect(answering({ status: 418, body: {} }).lookup('k')).rejects.toBeInstanceOf(GatewayRequestError);
  });
});
