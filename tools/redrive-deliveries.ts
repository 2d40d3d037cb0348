/**
 * Re-drives the deliveries of decided payments that failed through the workflow's retries: the
 * notifications and settlement archives the state machine wrote to the region's re-drive table
 * (`QueueNotifyRedrive`, `QueueArchiveRedrive` in modules/workflow/payment-definition.ts).
 *
 * Each item holds the exact request the workflow sent. Re-driving sends it again and then
 * deletes the item, on the condition that it still holds that request: a run that is cut
 * short, or two runs at once, send a request again at worst, which is harmless:
 * - an archive is a PutObject of the same key with the same body (the same settlement record);
 * - a notification is published again with the same message; SNS delivers at least once
 *   anyway, so subscribers already tell repeats apart by payment id and status.
 * An item whose request fails again stays in the table for the next run.
 */
import { DeleteItemCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
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

const str = (v: AttributeValue | undefined): string | undefined => (v && 'S' in v ? v.S : undefined);

export async function redrive(options: RedriveOptions): Promise<RedriveReport> {
  const region = options.region;
  const ddb = new DynamoDBClient({ region });
  const s3 = new S3Client({ region });
  const sns = new SNSClient({ region });
  const report: RedriveReport = { found: 0, redriven: { notify: 0, archive: 0 }, failed: [], pending: [] };
  try {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await ddb.send(new ScanCommand({ TableName: options.table, ConsistentRead: true, ExclusiveStartKey: start }));
      for (const raw of page.Items ?? []) {
        report.found++;
        const item: RedriveItem = { deliveryId: String(str(raw.deliveryId)), paymentId: String(str(raw.paymentId)), delivery: str(raw.delivery) as RedriveItem['delivery'], error: str(raw.error) };
        const request = str(raw.request);
        if (options.dryRun) {
          report.pending.push(item);
          continue;
        }
        try {
          if (request === undefined) throw new Error('the item holds no request');
          const input = JSON.parse(request) as Record<string, unknown>;
          if (item.delivery === 'archive') await s3.send(new PutObjectCommand(input as unknown as PutObjectCommandInput));
          else if (item.delivery === 'notify') await sns.send(new PublishCommand(input as unknown as PublishCommandInput));
          else throw new Error(`unknown delivery ${JSON.stringify(item.delivery)}`);
          await ddb
            .send(
              new DeleteItemCommand({
                TableName: options.table,
                Key: { deliveryId: { S: item.deliveryId } },
                ConditionExpression: '#request = :request',
                ExpressionAttributeNames: { '#request': 'request' },
                ExpressionAttributeValues: { ':request': { S: request } },
              }),
            )
            .catch((err: unknown) => {
              // Written anew meanwhile (another failure of the same delivery): the next run sends that one.
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
