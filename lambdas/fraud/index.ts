/**
 * Fraud-screen task (branch 1 of the screen Parallel). Rules, per currency and per card at a
 * merchant (the payment-method token and the merchant id: neither is the caller's free
 * choice the way a customer id is, so a new customer id per attempt counts as the same card):
 * - the amount above the currency's review threshold → decline `fraud_suspected`;
 * - more than MAX_PAYMENTS_PER_CARD_PER_MINUTE payments of the card at the merchant in the
 *   last 60 s → decline `velocity_exceeded`;
 * - the amounts of the card at the merchant in that currency in the last 60 s, this one
 *   included, above the review threshold → decline `amount_velocity_exceeded` (an amount
 *   split into parts is screened as the whole).
 * Every screened payment counts as an attempt, declined ones included; a declined payment's
 * amount does not count towards the sum (it will not be charged).
 *
 * The window lives in this region's counters table (COUNTERS_TABLE), read strongly
 * consistently and written under an optimistic lock, so concurrent executions in the region
 * count each other. It is not in the replicated payments table: a global table resolves
 * concurrent writes in two regions by last writer wins, so each region would overwrite the
 * other's window. Each region counts its own: see the README on what that leaves open.
 *
 * The handler writes only its own window items, never the payment record the other branch
 * or the recorder own (F-05). A request the validate branch will reject is not screened (and
 * not counted): answer `skip`. The specific reason stays in the result (the record) and the
 * logs; clients are told a generic decline.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../runtime/clients';
import { requireEnv, requireIntEnv } from '../runtime/config';
import { InvalidTaskInputError, VelocityContentionError } from '../../contract/errors';
import { createLogger } from '../runtime/logger';
import { validatePaymentRequest, type ScreenDeclineReason } from '../../contract/payment';
import { COUNTERS_TABLE_KEY, COUNTERS_TTL_ATTRIBUTE, velocityWindowKey } from '../../contract/records';
import { limitsFromEnv, rulesFromEnv } from '../runtime/rules';

const rules = rulesFromEnv();
const limits = limitsFromEnv();
const table = requireEnv('COUNTERS_TABLE');
const maxPerMinute = requireIntEnv('MAX_PAYMENTS_PER_CARD_PER_MINUTE');
const doc = documentClient();
const logger = createLogger('fraud');
const WINDOW_MS = 60_000;

export interface FraudEvent {
  readonly paymentId: string;
  readonly body: unknown;
}
export interface FraudResult {
  readonly decision: 'approve' | 'decline' | 'skip';
  readonly reason: 'none' | ScreenDeclineReason;
  readonly checkedAt: string;
  /** Payments of the card at the merchant in the last 60 s, this one included. */
  readonly paymentsInWindow: number;
  /** Their amounts in this payment's currency (minor units), declined ones left out, this one included. */
  readonly amountInWindow: number;
}

/** One payment in a window. */
interface Seen {
  readonly at: number;
  readonly amount: number;
  readonly currency: string;
  /** The screen's answer for it: `none`, or the rule that declined it. */
  readonly reason: 'none' | ScreenDeclineReason;
}

export const handler = async (event: FraudEvent): Promise<FraudResult> => {
  if (typeof event?.paymentId !== 'string') throw new InvalidTaskInputError('paymentId is missing');
  const checked = validatePaymentRequest(event.body, rules);
  if (!checked.valid) return { decision: 'skip', reason: 'none', checkedAt: new Date().toISOString(), paymentsInWindow: 0, amountInWindow: 0 };
  const { amount, currency, merchantId } = checked.payment;
  const threshold = limits[currency]?.fraudReviewThresholdMinor;
  if (threshold === undefined) throw new InvalidTaskInputError(`no fraud review threshold for ${currency}`);
  const { reason, paymentsInWindow, amountInWindow } = await screen(velocityWindowKey(merchantId, checked.payment.paymentMethod.token), event.paymentId, amount, currency, threshold);
  if (reason !== 'none') logger.info('payment declined by the fraud screen', { paymentId: event.paymentId, reason, paymentsInWindow, amountInWindow, currency, merchantId });
  return { decision: reason === 'none' ? 'approve' : 'decline', reason, checkedAt: new Date().toISOString(), paymentsInWindow, amountInWindow };
};

/**
 * Adds the payment to its card's window at the merchant and decides, in one conditional write.
 * A re-run for the same payment (the task's retry) finds its entry and gets the same decision.
 */
async function screen(counterKey: string, paymentId: string, amount: number, currency: string, threshold: number) {
  const key = { [COUNTERS_TABLE_KEY]: counterKey };
  for (let attempt = 0; attempt < 100; attempt++) {
    const current = (await doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
    const now = Date.now();
    const seen = (current?.payments ?? {}) as Record<string, Seen>;
    const window: Record<string, Seen> = {};
    for (const [id, s] of Object.entries(seen)) if (s.at > now - WINDOW_MS) window[id] = s;
    const others = Object.entries(window).filter(([id]) => id !== paymentId);
    const paymentsInWindow = others.length + 1;
    const amountInWindow = others.filter(([, s]) => s.reason === 'none' && s.currency === currency).reduce((sum, [, s]) => sum + s.amount, amount);
    // A re-run of the same payment (the task's retry) is not a new payment: it gets the answer it got.
    const earlier = seen[paymentId];
    if (earlier !== undefined) return { reason: earlier.reason, paymentsInWindow, amountInWindow };
    const reason = decisionOf(amount, paymentsInWindow, amountInWindow, threshold);
    window[paymentId] = { at: now, amount, currency, reason };
    const version = typeof current?.version === 'number' ? current.version : 0;
    try {
      await doc.send(
        new PutCommand({
          TableName: table,
          Item: { ...key, kind: 'velocity-window', payments: window, version: version + 1, [COUNTERS_TTL_ATTRIBUTE]: Math.ceil((now + 2 * WINDOW_MS) / 1000) },
          ConditionExpression: current ? '#version = :version' : 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: current ? { '#version': 'version' } : { '#pk': COUNTERS_TABLE_KEY },
          ExpressionAttributeValues: current ? { ':version': version } : undefined,
        }),
      );
      return { reason, paymentsInWindow, amountInWindow };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException) && (err as Error).name !== 'ConditionalCheckFailedException') throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * Math.min(attempt + 1, 5)));
    }
  }
  throw new VelocityContentionError(`velocity window ${counterKey} is too contended; the task's retry will try again`);
}

/** The rule that fires first, in order: the amount on its own, the number of payments, their sum. */
function decisionOf(amount: number, payments: number, sum: number, threshold: number): 'none' | ScreenDeclineReason {
  if (amount > threshold) return 'fraud_suspected';
  if (payments > maxPerMinute) return 'velocity_exceeded';
  if (sum > threshold) return 'amount_velocity_exceeded';
  return 'none';
}
