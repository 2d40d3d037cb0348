/**
 * Re-drives the deliveries of decided payments that failed through the workflow's retries: the
 * notifications and settlement archives the state machine wrote to the region's re-drive table
 * (`QueueNotifyRedrive`, `QueueArchiveRedrive` in modules/workflow/payment-definition.ts).
 *
 * Each item holds the request the workflow sent (a map of its resolved Parameters). Re-driving
 * sends it again and then deletes the item, on the condition that it is still the failure that
 * was read (same execution start): a run that is cut
 * short, or two runs at once, send a request again at worst, which is harmless:
 * - an archive is a PutObject of the same key with the same body (the same settlement record);
 * - a notification is published again with the same message; SNS delivers at least once
 *   anyway, so subscribers already tell repeats apart by payment id and status.
 * An item whose request fails again stays in the table for the next run.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';

export interface RedriveOptions {
  readonly table: string;
  readonly region?: string;
  /** List what would be re-driven, send nothing. */
  readonly dryRun?: boolean;
}

export interface RedriveItem {
  readonly deliveryId: string;
  readonly paymentId: string;
  readonly delivery: 'notify' | 'archive';
  readonly error?: string;
}

export interface RedriveReport {
  readonly found: number;
  readonly redriven: { notify: number; archive: number };
  /** Items that failed again (still in the table), with the error. */
  readonly failed: (RedriveItem & { readonly reason: string })[];
  /** Items listed without sending (dry run). */
  readonly pending: RedriveItem[];
}

export async function redrive(options: RedriveOptions): Promise<RedriveReport> {
  const region = options.region;
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region }));
  const s3 = new S3Client({ region });
  const sns = new SNSClient({ region });
  const report: { -readonly [K in keyof RedriveReport]: RedriveReport[K] } = { found: 0, redriven: { notify: 0, archive: 0 }, failed: [], pending: [] };
  try {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await ddb.send(new ScanCommand({ TableName: options.table, ConsistentRead: true, ExclusiveStartKey: start }));
      for (const raw of (page.Items ?? []) as Record<string, unknown>[]) {
        report.found++;
        const item: RedriveItem = { deliveryId: String(raw.deliveryId), paymentId: String(raw.paymentId), delivery: raw.delivery as RedriveItem['delivery'], error: raw.error as string | undefined };
        if (options.dryRun) {
          report.pending.push(item);
          continue;
        }
        try {
          const request = raw.request as Record<string, unknown> | undefined;
          if (request === undefined || typeof request !== 'object') throw new Error('the item holds no request');
          if (item.delivery === 'archive') await s3.send(new PutObjectCommand(request as unknown as PutObjectCommandInput));
          else if (item.delivery === 'notify') await sns.send(new PublishCommand(request as unknown as PublishCommandInput));
          else throw new Error(`unknown delivery ${JSON.stringify(item.delivery)}`);
          await ddb
            .send(
              new DeleteCommand({
                TableName: options.table,
                Key: { deliveryId: item.deliveryId },
                // Only the failure this run read: one written anew meanwhile (a later execution of the payment) waits for the next run.
                ConditionExpression: '#startedAt = :startedAt',
                ExpressionAttributeNames: { '#startedAt': 'executionStartedAt' },
                ExpressionAttributeValues: { ':startedAt': raw.executionStartedAt },
              }),
            )
            .catch((err: unknown) => {
              if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
            });
          report.redriven[item.delivery]++;
        } catch (err) {
          report.failed.push({ ...item, reason: `${(err as Error).name}: ${(err as Error).message}` });
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    ddb.destroy();
    s3.destroy();
    sns.destroy();
  }
  return report;
}
