/**
 * Fraud-screen task (branch 1 of the screen Parallel). Two rules:
 * - amount > FRAUD_THRESHOLD_MINOR → decline `fraud_suspected`;
 * - more than MAX_PAYMENTS_PER_CUSTOMER_PER_MINUTE distinct payments of one customer in the
 *   last 60 s → decline `velocity_exceeded`.
 * The velocity window is counted in DynamoDB with an optimistic lock, so concurrent
 * executions count each other. It writes only its own item (`velocity#<customerId>`),
 * never the payment record the other branch or the recorder own (F-05). A request the
 * validate branch will reject is not screened (and not counted): answer `skip`.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../runtime/clients';
import { requireEnv, requireIntEnv } from '../runtime/config';
import { InvalidTaskInputError, VelocityContentionError } from '../../contract/errors';
import { createLogger } from '../runtime/logger';
import { validatePaymentRequest } from '../../contract/payment';
import { VELOCITY_KEY_PREFIX } from '../../contract/records';
import { rulesFromEnv } from '../runtime/rules';

const rules = rulesFromEnv();
const table = requireEnv('PAYMENTS_TABLE');
const threshold = requireIntEnv('FRAUD_THRESHOLD_MINOR');
const maxPerMinute = requireIntEnv('MAX_PAYMENTS_PER_CUSTOMER_PER_MINUTE');
const doc = documentClient();
const logger = createLogger('fraud');
const WINDOW_MS = 60_000;

export interface FraudEvent {
  readonly paymentId: string;
  readonly body: unknown;
}
export interface FraudResult {
  readonly decision: 'approve' | 'decline' | 'skip';
  readonly reason: 'none' | 'fraud_suspected' | 'velocity_exceeded';
  readonly checkedAt: string;
  /** Distinct payments of the customer in the last 60 s, this one included. */
  readonly paymentsInWindow: number;
}

export const handler = async (event: FraudEvent): Promise<FraudResult> => {
  if (typeof event?.paymentId !== 'string') throw new InvalidTaskInputError('paymentId is missing');
  const checked = validatePaymentRequest(event.body, rules);
  if (!checked.valid) return { decision: 'skip', reason: 'none', checkedAt: new Date().toISOString(), paymentsInWindow: 0 };
  const { amount, customerId } = checked.payment;
  const paymentsInWindow = await countInWindow(customerId, event.paymentId);
  const reason = amount > threshold ? 'fraud_suspected' : paymentsInWindow > maxPerMinute ? 'velocity_exceeded' : 'none';
  if (reason !== 'none') logger.info('payment declined by the fraud screen', { paymentId: event.paymentId, reason, paymentsInWindow });
  return { decision: reason === 'none' ? 'approve' : 'decline', reason, checkedAt: new Date().toISOString(), paymentsInWindow };
};

/** Adds the payment to the customer's 60 s window (idempotently) and returns the window's size. */
async function countInWindow(customerId: string, paymentId: string): Promise<number> {
  const key = { paymentId: `${VELOCITY_KEY_PREFIX}${customerId}` };
  for (let attempt = 0; attempt < 100; attempt++) {
    const current = (await doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
    const now = Date.now();
    const seen = (current?.payments ?? {}) as Record<string, number>;
    const window: Record<string, number> = {};
    for (const [id, at] of Object.entries(seen)) if (at > now - WINDOW_MS) window[id] = at;
    window[paymentId] = seen[paymentId] ?? now; // a re-run of the same payment is not a new payment
    const version = typeof current?.version === 'number' ? current.version : 0;
    try {
      await doc.send(
        new PutCommand({
          TableName: table,
          Item: { ...key, kind: 'velocity', payments: window, version: version + 1, expiresAt: Math.ceil(now / 1000) + 120 },
          ConditionExpression: current ? '#version = :version' : 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: current ? { '#version': 'version' } : { '#pk': 'paymentId' },
          ExpressionAttributeValues: current ? { ':version': version } : undefined,
        }),
      );
      return Object.keys(window).length;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException) && (err as Error).name !== 'ConditionalCheckFailedException') throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * Math.min(attempt + 1, 5)));
    }
  }
  throw new VelocityContentionError(`velocity window of ${customerId} is too contended; the task's retry will try again`);
}
