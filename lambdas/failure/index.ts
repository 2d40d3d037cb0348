/**
 * Target of the EventBridge rule for executions that FAILED, TIMED_OUT or were ABORTED
 * (the same events also go to the dead-letter queue, F-06). Records FAILED with the
 * execution's status as reason — conditionally, so a payment the workflow already brought
 * to a terminal state (e.g. FAILED gateway_unavailable, or SETTLED before a notify error)
 * is never overwritten (F-10). The payment id comes from the execution name (the
 * idempotency key), so even an execution whose input was unusable gets its record.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../shared/clients';
import { requireEnv } from '../shared/config';
import { createLogger } from '../shared/logger';
import { IDEMPOTENCY_KEY_PATTERN, paymentIdFor, TERMINAL_STATUSES } from '../shared/payment';

const table = requireEnv('PAYMENTS_TABLE');
const doc = documentClient();
const logger = createLogger('failure');

export interface ExecutionStatusChange {
  readonly time?: string;
  readonly detail: { readonly name: string; readonly status: 'FAILED' | 'TIMED_OUT' | 'ABORTED' | string; readonly executionArn?: string };
}

export const handler = async (event: ExecutionStatusChange): Promise<{ recorded: boolean; paymentId?: string }> => {
  const name = event?.detail?.name;
  if (typeof name !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(name)) {
    logger.warn('execution not started by the API; nothing to record', { name });
    return { recorded: false };
  }
  const paymentId = paymentIdFor(name);
  const reason = event.detail.status === 'TIMED_OUT' ? 'execution_timed_out' : event.detail.status === 'ABORTED' ? 'execution_aborted' : 'execution_failed';
  const at = event.time ?? new Date().toISOString();
  try {
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { paymentId },
        UpdateExpression: 'SET #status = :failed, #reason = :reason, #updatedAt = :at, #kind = :kind, #idempotencyKey = :key, #createdAt = if_not_exists(#createdAt, :at)',
        ConditionExpression: `attribute_not_exists(#pk) OR NOT (#status IN (${TERMINAL_STATUSES.map((_, i) => `:t${i}`).join(', ')}))`,
        ExpressionAttributeNames: { '#pk': 'paymentId', '#status': 'status', '#reason': 'reason', '#updatedAt': 'updatedAt', '#kind': 'kind', '#idempotencyKey': 'idempotencyKey', '#createdAt': 'createdAt' },
        ExpressionAttributeValues: { ':failed': 'FAILED', ':reason': reason, ':at': at, ':kind': 'payment', ':key': name, ...Object.fromEntries(TERMINAL_STATUSES.map((s, i) => [`:t${i}`, s])) },
      }),
    );
    logger.warn('payment recorded FAILED', { paymentId, reason });
    return { recorded: true, paymentId };
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException) && (err as Error).name !== 'ConditionalCheckFailedException') throw err;
    return { recorded: false, paymentId };
  }
};
