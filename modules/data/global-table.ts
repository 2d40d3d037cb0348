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
import type { Grantee, KeyRef } from '../core/grants';
import type { TablePurpose, WorkloadNaming } from '../core/naming';

/** Item actions that only read: their callers need the key to decrypt, never to encrypt. */
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable'] as const;
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'] as const;

/**
 * A DynamoDB table (or one region's replica of a global table) and the key that encrypts it
 * there, with grants that cover both: the table's actions on the table (and on its indexes
 * where an action can address one) and the key use those actions imply.
 */
export class TableRef {
  /** @param label the Sid of the table's statement in a grantee's policy */
  constructor(
    readonly name: string,
    readonly arn: string,
    readonly key: KeyRef,
    readonly label: string,
  ) {}

  /** A workload table in one region, by name: a replica-region stack finds the primary stack's table this way. */
  static inRegion(naming: WorkloadNaming, purpose: TablePurpose, region: AwsRegion, key: KeyRef): TableRef {
    return new TableRef(naming.table(purpose), naming.tableArn(purpose, region), key, `${purpose[0]!.toUpperCase()}${purpose.slice(1)}Table`);
  }

  /** Exactly these item actions on the table (no index), with the key use they imply. */
  grant(grantee: Grantee, ...actions: string[]): void {
    this.addGrant(grantee, actions, [this.arn]);
  }

  /**
   * These item actions only on items whose partition key matches `keyPattern` (a
   * `dynamodb:LeadingKeys` pattern, `*` for any characters), with the key use they imply.
   * Only item actions that always name a key may be granted so (no Scan, no Query).
   */
  grantOnItems(grantee: Grantee, keyPattern: string, ...actions: string[]): void {
    const itemActions = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'];
    if (actions.length === 0 || actions.some((a) => !itemActions.includes(a)))
      throw new Error(`TableRef ${this.name}: only single-item actions can be scoped to keys, got ${actions.join(', ') || 'none'}`);
    grantee.addToPolicy({
      Sid: `${this.label}Items`,
      Effect: 'Allow',
      Action: actions,
      Resource: this.arn,
      // ForAllValues holds for a request without the key too: the Null test requires one.
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keyPattern] }, Null: { 'dynamodb:LeadingKeys': 'false' } },
    });
    if (actions.every((a) => (READ_ACTIONS as readonly string[]).includes(a))) this.key.grantDecrypt(grantee);
    else this.key.grantEncryptDecrypt(grantee);
  }

  grantReadData(grantee: Grantee): void {
    this.addGrant(grantee, [...READ_ACTIONS], [this.arn, `${this.arn}/index/*`]);
  }

  grantWriteData(grantee: Grantee): void {
    this.addGrant(grantee, [...WRITE_ACTIONS], [this.arn]);
  }

  grantReadWriteData(grantee: Grantee): void {
    this.grantReadData(grantee);
    this.grantWriteData(grantee);
  }

  private addGrant(grantee: Grantee, actions: string[], resources: string[]): void {
    if (actions.length === 0 || actions.some((a) => !a.startsWith('dynamodb:'))) throw new Error(`TableRef ${this.name}: grant DynamoDB actions only, got ${actions.join(', ') || 'none'}`);
    const onIndexes = resources.length > 1;
    grantee.addToPolicy({ Sid: onIndexes ? `${this.label}AndIndexes` : this.label, Effect: 'Allow', Action: actions, Resource: resources.length === 1 ? resources[0]! : resources });
    if (actions.every((a) => (READ_ACTIONS as readonly string[]).includes(a))) this.key.grantDecrypt(grantee);
    else this.key.grantEncryptDecrypt(grantee);
  }
}

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
