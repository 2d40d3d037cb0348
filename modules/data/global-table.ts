/**
 * A DynamoDB global table (F-21, F-22): on-demand, a replica in every replica region
 * encrypted with that region's replica of the data key, point-in-time recovery on the
 * table and every replica, streams NEW_AND_OLD_IMAGES (global tables need them),
 * deletion protection in prod.
 */
import { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktf';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import type { AwsRegion } from '../../accounts/schema';

export interface GlobalTableProps {
  readonly name: string;
  /** Partition key (string attribute). */
  readonly partitionKey: string;
  /** Attribute holding an epoch-seconds expiry, for TTL. @default none */
  readonly ttlAttribute?: string;
  readonly primaryRegion: AwsRegion;
  /** @default [] */
  readonly replicaRegions?: readonly AwsRegion[];
  /** The data key's ARN in each region of the table. */
  readonly keyArnIn: (region: AwsRegion) => string;
  /** @default true — set false only outside prod */
  readonly deletionProtection?: boolean;
  /** @default 35 — days of point-in-time recovery */
  readonly recoveryDays?: number;
  /** @default the stack's default provider */
  readonly provider?: TerraformProvider;
}

export class GlobalTable extends Construct {
  readonly table: DynamodbTable;
  readonly name: string;

  constructor(scope: Construct, id: string, props: GlobalTableProps) {
    super(scope, id);
    const replicas = props.replicaRegions ?? [];
    if (replicas.includes(props.primaryRegion)) throw new Error(`GlobalTable ${props.name}: replicaRegions must not contain the primary region ${props.primaryRegion}`);
    const days = props.recoveryDays ?? 35;
    if (!Number.isInteger(days) || days < 1 || days > 35) throw new Error(`GlobalTable ${props.name}: recoveryDays must be 1..35, got ${days}`);
    const protect = props.deletionProtection ?? true;
    this.name = props.name;
    this.table = new DynamodbTable(this, 'table', {
      provider: props.provider,
      name: props.name,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: props.partitionKey,
      attribute: [{ name: props.partitionKey, type: 'S' }],
      streamEnabled: true,
      streamViewType: 'NEW_AND_OLD_IMAGES',
      serverSideEncryption: { enabled: true, kmsKeyArn: props.keyArnIn(props.primaryRegion) },
      pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: days },
      deletionProtectionEnabled: protect,
      ttl: props.ttlAttribute ? { attributeName: props.ttlAttribute, enabled: true } : undefined,
      replica: replicas.map((region) => ({
        regionName: region,
        kmsKeyArn: props.keyArnIn(region),
        pointInTimeRecovery: true,
        propagateTags: true,
        deletionProtectionEnabled: protect,
      })),
    });
  }

  get arn(): string {
    return this.table.arn;
  }
}
