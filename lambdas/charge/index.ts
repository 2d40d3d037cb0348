/**
 * Charge task. First it CLAIMS the charge with a conditional write on the payment record
 * (RECEIVED → CHARGING, claimed by this execution): only one execution ever charges a payment,
 * whether a second one runs in another region (global table) or months later (execution names
 * are per regional state machine and may be reused after 90 days). A retry of this task in the
 * same execution finds its own claim and goes on; any other execution gets
 * ChargeAlreadyClaimedError and ends without charging. Concurrent claims in two regions are not
 * ordered by a global table's conditional writes (each region checks its own replica); the
 * gateway's idempotency key, the payment id in every region, makes those one charge.
 *
 * Then one gateway call with the payment id as idempotency key (derived from client + key).
 * Transient gateway errors are thrown for the state machine's Retry, which repeats this task
 * with the same key; an issuer decline is an answer, not an error. The result carries the
 * settlement record that the recorder, the notification and the archive use.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../runtime/clients';
import { requireEnv } from '../runtime/config';
import { ChargeAlreadyClaimedError, InvalidTaskInputError } from '../../contract/errors';
import { gatewayFromEnv } from '../runtime/gateway-config';
import { createLogger } from '../runtime/logger';
import type { PaymentRequest } from '../../contract/payment';

const table = requireEnv('PAYMENTS_TABLE');
const gateway = gatewayFromEnv();
const doc = documentClient();
const logger = createLogger('charge');

export interface ChargeEvent {
  readonly paymentId: string;
  /** The execution's id: the owner of the claim. */
  readonly executionId: string;
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
  if (typeof event?.paymentId !== 'string' || typeof event.executionId !== 'string' || !p || typeof p.amount !== 'number') {
    throw new InvalidTaskInputError('charge needs paymentId, executionId and a validated payment');
  }
  await claim(event.paymentId, event.executionId);
  const result = await gateway.charge({
    idempotencyKey: event.paymentId,
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

async function claim(paymentId: string, executionId: string): Promise<void> {
  try {
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { paymentId },
        UpdateExpression: 'SET #status = :charging, #claimedBy = :execution, #updatedAt = :now',
        ConditionExpression: '#status = :received OR (#status = :charging AND #claimedBy = :execution)',
        ExpressionAttributeNames: { '#status': 'status', '#claimedBy': 'claimedBy', '#updatedAt': 'updatedAt' },
        ExpressionAttributeValues: { ':charging': 'CHARGING', ':received': 'RECEIVED', ':execution': executionId, ':now': new Date().toISOString() },
      }),
    );
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException) && (err as Error).name !== 'ConditionalCheckFailedException') throw err;
    logger.warn('charge already claimed by another execution; not charging', { paymentId, executionId });
    throw new ChargeAlreadyClaimedError(`payment ${paymentId} is claimed by another execution or already decided`);
  }
}
