/**
 * Charge task: one gateway call with the payment's idempotency key. Transient gateway
 * errors are thrown (GatewayUnavailableError / GatewayTimeoutError) for the state
 * machine's Retry, which repeats this task with the same key (F-03, F-08); an issuer
 * decline is an answer, not an error. The result carries the settlement record that
 * the recorder, the notification and the archive use.
 */
import { InvalidTaskInputError } from '../shared/errors';
import { gatewayFromEnv } from '../shared/gateway-config';
import { createLogger } from '../shared/logger';
import type { PaymentRequest } from '../shared/payment';

const gateway = gatewayFromEnv();
const logger = createLogger('charge');

export interface ChargeEvent {
  readonly paymentId: string;
  readonly idempotencyKey: string;
  readonly payment: PaymentRequest;
}
export interface ChargeOutcome {
  readonly paymentId: string;
  readonly status: 'SETTLED' | 'DECLINED';
  /** `approved` when settled, else the issuer's reason. */
  readonly reason: 'approved' | 'insufficient_funds' | 'card_declined';
  readonly chargeId: string;
  readonly amount: number;
  readonly currency: string;
  readonly merchantId: string;
  readonly customerId: string;
  readonly decidedAt: string;
}

export const handler = async (event: ChargeEvent): Promise<ChargeOutcome> => {
  const p = event?.payment;
  if (typeof event?.paymentId !== 'string' || typeof event.idempotencyKey !== 'string' || !p || typeof p.amount !== 'number') {
    throw new InvalidTaskInputError('charge needs paymentId, idempotencyKey and a validated payment');
  }
  const result = await gateway.charge({
    idempotencyKey: event.idempotencyKey,
    paymentId: event.paymentId,
    amount: p.amount,
    currency: p.currency,
    merchantId: p.merchantId,
    customerId: p.customerId,
    token: p.paymentMethod.token,
  });
  logger.info('charge answered', { paymentId: event.paymentId, approved: result.approved });
  return {
    paymentId: event.paymentId,
    status: result.approved ? 'SETTLED' : 'DECLINED',
    reason: result.approved ? 'approved' : result.reason,
    chargeId: result.chargeId,
    amount: p.amount,
    currency: p.currency,
    merchantId: p.merchantId,
    customerId: p.customerId,
    decidedAt: result.approved ? result.capturedAt : new Date().toISOString(),
  };
};
