/**
 * The counters table of one workload in one region: per-region operational state (the fraud
 * screen's velocity windows), kept out of the replicated global tables. Windows live a minute;
 * replicating them would copy every write to every region for nothing, and a global table
 * settles concurrent writes of two regions by last writer wins, so each region's window would
 * overwrite the other's. Here each region counts its own, strongly consistent and under an
 * optimistic lock (item layout in contract/records.ts).
 *
 * A plain regional table: on-demand, encrypted with the workload's data key in the region,
 * point-in-time recovery (the `table-pitr` guardrail asks it of every table; a restore also
 * brings back the windows an incident's investigation may want), deletion protection in prod,
 * and DynamoDB's TTL on `expiresAt` so windows are deleted once they are over.
 *
 * Its throttling shows as errors of the fraud function, the only caller, whose alarm fires on
 * any error (the SDK retries throttling first); the table needs no alarm of its own.
 */
import { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { COUNTERS_TABLE_KEY, COUNTERS_TTL_ATTRIBUTE, VELOCITY_WINDOW_PREFIX } from '../../contract/records';
import type { Grantee, KeyRef } from '../core/grants';
import type { WorkloadNaming } from '../core/naming';

export interface CountersTableProps {
  readonly naming: WorkloadNaming;
  /** The workload's data key in this region. */
  readonly key: KeyRef;
  /** @default true — set false only outside prod */
  readonly deletionProtection?: boolean;
}

export class CountersTable extends Construct {
  readonly table: DynamodbTable;
  readonly name: string;
  private readonly key: KeyRef;

  constructor(scope: Construct, id: string, props: CountersTableProps) {
    super(scope, id);
    this.name = props.naming.table('counters');
    this.key = props.key;
    this.table = new DynamodbTable(this, 'table', {
      name: this.name,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: COUNTERS_TABLE_KEY,
      attribute: [{ name: COUNTERS_TABLE_KEY, type: 'S' }],
      serverSideEncryption: { enabled: true, kmsKeyArn: props.key.arn },
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: props.deletionProtection ?? true,
      ttl: { attributeName: COUNTERS_TTL_ATTRIBUTE, enabled: true },
    });
  }

  get arn(): string {
    return this.table.arn;
  }

  /**
   * Read and write velocity windows, and only those: `dynamodb:LeadingKeys` limits every
   * request to partition keys that start with `window#`, so the grantee can touch no other
   * item the table may ever hold.
   */
  grantVelocityWindows(grantee: Grantee): void {
    grantee.addToPolicy({
      Sid: 'CountersTableVelocityWindows',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      Resource: this.arn,
      // Null guard: ForAllValues alone would also match a request that carries no key at all.
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${VELOCITY_WINDOW_PREFIX}*`] }, Null: { 'dynamodb:LeadingKeys': 'false' } },
    });
    this.key.grantEncryptDecrypt(grantee);
  }
}
