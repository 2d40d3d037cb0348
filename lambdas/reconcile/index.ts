/**
 * Reconciliation, on a schedule (EventBridge rule) and, in the local run, once the
 * executions have finished. For every payment that is not decided:
 * - PENDING (the charge's outcome is unknown), or CHARGING whose claim is older than
 *   RECONCILE_AFTER_SECONDS (its execution can no longer be running): asks the gateway by the
 *   payment's idempotency key and records what really happened — captured → SETTLED,
 *   declined → DECLINED (then notifies and archives like the workflow does); nothing under the
 *   key and the payment older than RECONCILE_AFTER_SECONDS → FAILED `not_charged` (nothing was
 *   taken: the client may pay again with a new key; so ends a gateway that answered 5xx to every
 *   attempt without capturing). A gateway that cannot tell leaves it PENDING, and so does a
 *   capture whose amount or currency is not the payment's (logged as an error for a person).
 * - RECEIVED older than RECONCILE_AFTER_SECONDS (its execution was never started): starts it,
 *   with the input the request stored; the charge's claim keeps it to one charge.
 * Every write is conditional on the status it read, so two regions reconciling one global
 * table, or a late execution, never overwrite a decision.
 *
 * Once a payment is decided here, no later run looks at it again: a notification or archive that
 * still fails (after the SDK's retries) is written to the region's re-drive table, as the
 * workflow's Queue…Redrive states write theirs (the same item: `<paymentId>#notify|archive`, the
 * request as sent), for `npm run redrive`. One that cannot be queued either fails the
 * invocation, once every payment has had its turn; a failed invocation goes to the dead-letter
 * queue (not run again), whose alarm fires on its first message. The error names the payment
 * and the delivery.
 *
 * Finding the undecided payments is a Scan with a filter (every item is read): fine for the
 * table sizes of a workload today; a sparse index on undecided payments is the step up. A run
 * reads no further page and takes no further payment once less than RESERVE_MS of its time is
 * left, so that running out of time does not cut it off between deciding a payment and
 * delivering (or queueing) its outcome; it then fails, after the payments it took, since
 * reconciliation is falling behind (the next run starts the scan again). A call that stalls far
 * longer than usual, or a crash, can still end a run there: the run fails (dead-letter queue),
 * and its log holds the payment it decided last.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { PutCommand, ScanCommand, UpdateCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../runtime/clients';
import { requireEnv, requireIntEnv } from '../runtime/config';
import { gatewayFromEnv } from '../runtime/gateway-config';
import { createLogger } from '../runtime/logger';
import { tracer } from '../runtime/tracer';
import type { ExecutionInput } from '../../contract/payment';

const table = requireEnv('PAYMENTS_TABLE');
const stateMachineArn = requireEnv('STATE_MACHINE_ARN');
const topicArn = requireEnv('EVENTS_TOPIC_ARN');
const archiveBucket = requireEnv('ARCHIVE_BUCKET');
const archivePrefix = requireEnv('ARCHIVE_PREFIX');
const archiveKeyArn = requireEnv('ARCHIVE_KEY_ARN');
const redriveTable = requireEnv('REDRIVE_TABLE');
const afterMs = requireIntEnv('RECONCILE_AFTER_SECONDS') * 1000;
const gateway = gatewayFromEnv();
const doc = documentClient();
const sfn = tracer.captureAWSv3Client(new SFNClient({}));
const sns = tracer.captureAWSv3Client(new SNSClient({}));
const s3 = tracer.captureAWSv3Client(new S3Client({}));
const logger = createLogger('reconcile');

interface Undecided {
  readonly paymentId: string;
  readonly status: 'RECEIVED' | 'CHARGING' | 'PENDING';
  readonly client?: string;
  readonly idempotencyKey?: string;
  readonly createdAt?: string;
  readonly updatedAt?: string;
  readonly requestBody?: string;
}

export interface ReconcileSummary {
  checked: number;
  settled: number;
  declined: number;
  failed: number;
  started: number;
  pending: number;
  /** Notifications and archives of payments decided in this run that failed and wait in the re-drive table. */
  queued: number;
}

/** A decided payment's notification or archive that failed and could not be queued for re-drive either. */
interface LostDelivery {
  readonly paymentId: string;
  readonly delivery: 'notify' | 'archive';
}

/** What one payment takes at most when the services answer: a gateway lookup (its timeout, twice on a 401), the decision, two deliveries and their re-drive writes with the SDK's retries. */
const RESERVE_MS = 60_000;

const isConditionFailure = (err: unknown) => err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException';
const olderThan = (iso: string | undefined, now: number) => iso !== undefined && now - Date.parse(iso) > afterMs;

export const handler = async (_event?: unknown, context?: { getRemainingTimeInMillis(): number }): Promise<ReconcileSummary> => {
  const summary: ReconcileSummary = { checked: 0, settled: 0, declined: 0, failed: 0, started: 0, pending: 0, queued: 0 };
  const lost: LostDelivery[] = [];
  /** The first undecided payment this run had no time left for. */
  let outOfTimeAt: string | undefined;
  let start: Record<string, unknown> | undefined;
  const outOfTime = () => context !== undefined && context.getRemainingTimeInMillis() < RESERVE_MS;
  scan: do {
    if (outOfTime()) {
      outOfTimeAt = `the scan's next page`;
      break;
    }
    const page: ScanCommandOutput = await doc.send(
      new ScanCommand({
        TableName: table,
        ConsistentRead: true,
        FilterExpression: '#kind = :payment AND #status IN (:received, :charging, :pending)',
        ProjectionExpression: 'paymentId, #status, #client, idempotencyKey, createdAt, updatedAt, requestBody',
        ExpressionAttributeNames: { '#kind': 'kind', '#status': 'status', '#client': 'client' },
        ExpressionAttributeValues: { ':payment': 'payment', ':received': 'RECEIVED', ':charging': 'CHARGING', ':pending': 'PENDING' },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of (page.Items ?? []) as Undecided[]) {
      if (outOfTime()) {
        outOfTimeAt = item.paymentId;
        break scan;
      }
      summary.checked++;
      try {
        const outcome = await reconcile(item, Date.now(), summary, lost);
        if (outcome === 'SETTLED') summary.settled++;
        else if (outcome === 'DECLINED') summary.declined++;
        else if (outcome === 'FAILED') summary.failed++;
        else if (outcome === 'STARTED') summary.started++;
        else if (outcome === 'PENDING') summary.pending++;
      } catch (err) {
        // One payment's trouble must not stop the others; the next run tries again.
        summary.pending++;
        logger.error('payment not reconciled', { paymentId: item.paymentId, error: (err as Error).name, message: (err as Error).message });
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  logger.info('reconciled', { ...summary });
  // A failed run goes to the dead-letter queue, whose alarm tells someone.
  const failures = [
    // Decided, so no later run comes back to them.
    ...(lost.length > 0 ? [`reconciliation decided payments whose deliveries were neither sent nor queued for re-drive: ${lost.map((l) => `${l.paymentId}#${l.delivery}`).join(', ')}`] : []),
    ...(outOfTimeAt !== undefined
      ? [
          `reconciliation ran out of time with undecided payments not yet looked at, from ${outOfTimeAt} on; the next run starts the scan again, and falls behind as long as one run cannot look at them all`,
        ]
      : []),
  ];
  if (failures.length > 0) throw new Error(failures.join('; '));
  return summary;
};

async function reconcile(item: Undecided, now: number, summary: ReconcileSummary, lost: LostDelivery[]): Promise<'SETTLED' | 'DECLINED' | 'FAILED' | 'STARTED' | 'PENDING' | 'SKIPPED'> {
  if (item.status === 'RECEIVED') {
    if (!olderThan(item.createdAt, now) || item.requestBody === undefined || item.client === undefined || item.idempotencyKey === undefined) return 'SKIPPED';
    const input: ExecutionInput = { paymentId: item.paymentId, client: item.client, idempotencyKey: item.idempotencyKey, receivedAt: item.createdAt!, body: JSON.parse(item.requestBody) };
    try {
      await sfn.send(new StartExecutionCommand({ stateMachineArn, name: item.paymentId, input: JSON.stringify(input) }));
    } catch (err) {
      if ((err as Error).name !== 'ExecutionAlreadyExists') throw err;
      return 'SKIPPED';
    }
    logger.warn('execution started for a payment that had none', { paymentId: item.paymentId });
    return 'STARTED';
  }
  if (item.status === 'CHARGING' && !olderThan(item.updatedAt, now)) return 'SKIPPED';
  let found;
  try {
    found = await gateway.lookup(item.paymentId);
  } catch (err) {
    logger.warn('the gateway could not tell; payment stays PENDING', { paymentId: item.paymentId, error: (err as Error).name });
    return 'PENDING';
  }
  if (found.outcome === 'not_found') {
    // Old by creation AND by its last change: an execution that reconciliation itself started late
    // (an old createdAt) may still be running or still be in the gateway's hands.
    if (!olderThan(item.createdAt, now) || !olderThan(item.updatedAt ?? item.createdAt, now)) return 'PENDING';
    return (await decide(item, { status: 'FAILED', reason: 'not_charged', decidedAt: new Date(now).toISOString() })) ? 'FAILED' : 'SKIPPED';
  }
  const body = JSON.parse(item.requestBody ?? '{}') as { amount: number; currency: string; merchantId: string; customerId: string };
  if (found.outcome === 'captured' && (found.amount !== body.amount || found.currency !== body.currency)) {
    // A capture of another amount or currency under this payment's key is for a person to look at, never recorded as this payment's settlement.
    logger.error('the gateway holds a capture of another amount or currency under this key; payment stays PENDING', {
      paymentId: item.paymentId,
      chargeId: found.chargeId,
      captured: { amount: found.amount, currency: found.currency },
      requested: { amount: body.amount, currency: body.currency },
    });
    return 'PENDING';
  }
  const outcome = {
    paymentId: item.paymentId,
    status: found.outcome === 'captured' ? ('SETTLED' as const) : ('DECLINED' as const),
    reason: found.outcome === 'captured' ? 'approved' : found.reason,
    chargeId: found.chargeId,
    amount: body.amount,
    currency: body.currency,
    merchantId: body.merchantId,
    customerId: body.customerId,
    decidedAt: found.outcome === 'captured' ? found.capturedAt : new Date(now).toISOString(),
  };
  if (!(await decide(item, outcome))) return 'SKIPPED';
  // As the workflow does after recording: notify, then archive the settlement record; a failed notification does not keep the archive from running.
  const notification: PublishCommandInput = { TopicArn: topicArn, Message: JSON.stringify(outcome), MessageAttributes: { status: { DataType: 'String', StringValue: outcome.status } } };
  const archive: PutObjectCommandInput = {
    Bucket: archiveBucket,
    Key: `${archivePrefix}${item.paymentId}.json`,
    Body: JSON.stringify(outcome),
    ContentType: 'application/json',
    ServerSideEncryption: 'aws:kms',
    SSEKMSKeyId: archiveKeyArn,
  };
  const deliveries = [
    { delivery: 'notify', request: notification, send: () => sns.send(new PublishCommand(notification)) },
    { delivery: 'archive', request: archive, send: () => s3.send(new PutObjectCommand(archive)) },
  ] as const;
  for (const { delivery, request, send } of deliveries) {
    try {
      await send();
    } catch (err) {
      if (await queueRedrive(item.paymentId, delivery, request, err as Error, now)) summary.queued++;
      else lost.push({ paymentId: item.paymentId, delivery });
    }
  }
  return outcome.status;
}

/**
 * Writes a delivery that failed to the region's re-drive table, as the workflow's Queue…Redrive
 * states do: the request as it was sent (what `npm run redrive` sends again), under
 * `<paymentId>#<delivery>`. `executionStartedAt`, which a re-drive checks before it removes the
 * item, holds when this run decided the payment. False when even that write failed.
 */
async function queueRedrive(paymentId: string, delivery: 'notify' | 'archive', request: PublishCommandInput | PutObjectCommandInput, err: Error, now: number): Promise<boolean> {
  try {
    await doc.send(
      new PutCommand({
        TableName: redriveTable,
        Item: { deliveryId: `${paymentId}#${delivery}`, paymentId, delivery, request, error: err.name, executionStartedAt: new Date(now).toISOString() },
      }),
    );
    logger.error('delivery failed; queued for re-drive', { paymentId, delivery, error: err.name });
    return true;
  } catch (queueErr) {
    logger.error('delivery failed and could not be queued for re-drive', { paymentId, delivery, error: err.name, queueError: (queueErr as Error).name });
    return false;
  }
}

/** Records the decision if the payment is still as it was read; false when something else decided first. */
async function decide(
  item: Undecided,
  d: { status: string; reason: string; decidedAt: string; chargeId?: string; amount?: number; currency?: string; merchantId?: string; customerId?: string },
): Promise<boolean> {
  const fields: Record<string, unknown> = { status: d.status, reason: d.reason, updatedAt: d.decidedAt, reconciledAt: new Date().toISOString() };
  for (const k of ['chargeId', 'amount', 'currency', 'merchantId', 'customerId'] as const) if (d[k] !== undefined) fields[k] = d[k];
  const keys = Object.keys(fields);
  try {
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { paymentId: item.paymentId },
        UpdateExpression: `SET ${keys.map((k) => `#${k} = :${k}`).join(', ')}`,
        ConditionExpression: '#status = :was',
        ExpressionAttributeNames: Object.fromEntries(keys.map((k) => [`#${k}`, k])),
        ExpressionAttributeValues: { ...Object.fromEntries(keys.map((k) => [`:${k}`, fields[k]])), ':was': item.status },
      }),
    );
    logger.info('payment reconciled', { paymentId: item.paymentId, status: d.status, reason: d.reason });
    return true;
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    return false;
  }
}
