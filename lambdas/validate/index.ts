/**
 * Validate task (branch 0 of the screen Parallel). Pure: writes nothing (F-05), never
 * throws on bad input — a malformed body is an answer (`valid: false` + reason), not an error.
 */
import { createLogger } from '../runtime/logger';
import { validatePaymentRequest, type PaymentRequest, type RejectReason } from '../../contract/payment';
import { rulesFromEnv } from '../runtime/rules';

const rules = rulesFromEnv();
const logger = createLogger('validate');

export interface ValidateEvent {
  readonly paymentId?: string;
  readonly body: unknown;
}
export type ValidateResult = { valid: true; payment: PaymentRequest; checkedAt: string } | { valid: false; reason: RejectReason; checkedAt: string };

export const handler = async (event: ValidateEvent): Promise<ValidateResult> => {
  const result = validatePaymentRequest(event?.body, rules);
  const checkedAt = new Date().toISOString();
  if (!result.valid) logger.info('payment rejected', { paymentId: event?.paymentId, reason: result.reason });
  return result.valid ? { valid: true, payment: result.payment, checkedAt } : { valid: false, reason: result.reason, checkedAt };
};
