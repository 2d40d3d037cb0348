/**
 * Target of the EventBridge rule for executions that FAILED, TIMED_OUT or were ABORTED
 * (the same events also go to the dead-letter queue). The payment id is the execution's name.
 * - A payment whose charge was claimed (CHARGING) may have been captured — a crash or a
 *   recording failure after capture, the execution timeout: it becomes PENDING
 *   (`outcome_unknown`) for reconciliation, never FAILED.
 * - A payment never claimed (RECEIVED, or no record: an input the workflow could not use)
 *   was not charged: FAILED with the execution's status as reason.
 * - A terminal or PENDING record is never touched.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../runtime/clients';
import { requireEnv } from '../runtime/config';
import { createLogger } from '../runtime/logger';
import { PAYMENT_ID_PATTERN } from '../../contract/payment';

const table = requireEnv('PAYMENTS_TABLE');
const doc = documentClient();
const logger = createLogger('failure');

export interface ExecutionStatusChange {
  readonly time?: string;
  readonly detail: { readonly name: string; readonly status: 'FAILED' | 'TIMED_OUT' | 'ABORTED' | string; readonly executionArn?: string };
}

const isConditionFailure = (err: unknown) => err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException';

export const handler = async (event: ExecutionStatusChange): Promise<{ recorded: 'PENDING' | 'FAILED' | false; paymentId?: string }> => {
  const paymentId = event?.detail?.name;
  if (typeof paymentId !== 'string' || !PAYMENT_ID_PATTERN.test(paymentId)) {
    logger.warn('execution not started by the API; nothing to record', { name: paymentId });
    return { recorded: false };
  }
  const reason = event.detail.status === 'TIMED_OUT' ? 'execution_timed_out' : event.detail.status === 'ABORTED' ? 'execution_aborted' : 'execution_failed';
  const at = event.time ?? new Date().toISOString();
  const names = { '#pk': 'paymentId', '#status': 'status', '#reason': 'reason', '#updatedAt': 'updatedAt', '#kind': 'kind', '#createdAt': 'createdAt' };
  try {
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { paymentId },
        UpdateExpression: 'SET #status = :pending, #reason = :unknown, #updatedAt = :at',
        ConditionExpression: '#status = :charging',
        ExpressionAttributeNames: { '#status': 'status', '#reason': 'reason', '#updatedAt': 'updatedAt' },
        ExpressionAttributeValues: { ':pending': 'PENDING', ':unknown': 'outcome_unknown', ':charging': 'CHARGING', ':at': at },
      }),
    );
    logger.warn('payment PENDING: its execution ended after claiming the charge', { paymentId, status: event.detail.status });
    return { recorded: 'PENDING', paymentId };
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
  }
  try {
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { paymentId },
        UpdateExpression: 'SET #status = :failed, #reason = :reason, #updatedAt = :at, #kind = :kind, #createdAt = if_not_exists(#createdAt, :at)',
        ConditionExpression: 'attribute_not_exists(#pk) OR #status = :received',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':failed': 'FAILED', ':reason': reason, ':at': at, ':kind': 'payment', ':received': 'RECEIVED' },
      }),
    );
    logger.warn('payment recorded FAILED', { paymentId, reason });
    return { recorded: 'FAILED', paymentId };
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    return { recorded: false, paymentId };
  }
};
