/**
 * The workload's data key (F-15): a customer-managed multi-region key in the primary
 * region, a replica in every replica region, an alias in every region, rotation on,
 * and an explicit key policy on each (a replica inherits no grants and no policy).
 *
 * Who may use it, statement by statement (`*` in a key policy means "this key"):
 *   AccountAdministersKey            the account root, administration actions only
 *   AccountUsesThroughServices       principals of this account that IAM allows, and only
 *                                    through DynamoDB, S3, SNS, SQS, Secrets Manager and Step
 *                                    Functions in this region (kms:ViaService + kms:CallerAccount)
 *   CloudWatchLogsEncryptLogGroups   logs.<region>.amazonaws.com, for this account's log groups
 *                                    (encryption-context condition)
 *   EventBridgeToEncryptedQueue      events.amazonaws.com from this account (dead letters, F-06)
 *   SnsToEncryptedSubscribers        sns.amazonaws.com from this account
 *   LogDeliveryReadsEncryptedStates  delivery.logs.amazonaws.com from this account's log
 *                                    deliveries: the encrypted state machine's logs
 *   CloudWatchAlarmsPublishToEncryptedTopics   cloudwatch.amazonaws.com (alarm topic, F-24)
 */
import { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktf';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsReplicaKey } from '@cdktf/provider-aws/lib/kms-replica-key';
import type { AwsRegion } from '../../accounts/schema';
import { cloudWatchAlarmsKeyStatement } from '../observability/alarm-topic';
import type { ResourcePolicyStatement } from '../core/iam-document';
import { keyAdministration } from './key-policy';
import type { WorkloadNaming } from '../core/naming';
import { jsonText } from '../core/json-text';

/** Services whose calls may use the data key on behalf of this account's principals. */
export const DATA_KEY_SERVICES = ['dynamodb', 's3', 'sns', 'sqs', 'secretsmanager', 'states'] as const;

export const KEY_USE_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'] as const;

/** The key policy of the data key (primary or replica) in `region`. */
export function dataKeyPolicy(accountId: string, region: AwsRegion): { Version: '2012-10-17'; Statement: ResourcePolicyStatement[] } {
  const root = `arn:aws:iam::${accountId}:root`;
  return {
    Version: '2012-10-17',
    Statement: [
      keyAdministration(root),
      {
        Sid: 'AccountUsesThroughServices',
        Effect: 'Allow',
        Principal: { AWS: root },
        Action: [...KEY_USE_ACTIONS, 'kms:CreateGrant'],
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:CallerAccount': accountId,
            'kms:ViaService': DATA_KEY_SERVICES.map((s) => `${s}.${region}.amazonaws.com`),
          },
        },
      },
      {
        Sid: 'CloudWatchLogsEncryptLogGroups',
        Effect: 'Allow',
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        Resource: '*',
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:${accountId}:log-group:*` } },
      },
      // Services delivering into this account's encrypted queues and topics, for this account only.
      ...(
        [
          ['EventBridgeToEncryptedQueue', 'events.amazonaws.com'],
          ['SnsToEncryptedSubscribers', 'sns.amazonaws.com'],
        ] as const
      ).map(([Sid, service]) => ({
        Sid,
        Effect: 'Allow' as const,
        Principal: { Service: service },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
      })),
      {
        // Vended log delivery of the encrypted state machine decrypts what it delivers.
        Sid: 'LogDeliveryReadsEncryptedStates',
        Effect: 'Allow',
        Principal: { Service: 'delivery.logs.amazonaws.com' },
        Action: ['kms:Decrypt'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': accountId }, ArnLike: { 'aws:SourceArn': `arn:aws:logs:${region}:${accountId}:*` } },
      },
      { ...cloudWatchAlarmsKeyStatement(), Action: [...cloudWatchAlarmsKeyStatement().Action] },
    ],
  };
}

export interface DataKeyProps {
  readonly naming: WorkloadNaming;
  /** Provider for each region of the workload (the stack's `providerFor`). */
  readonly providerFor: (region: AwsRegion) => TerraformProvider;
  /** @default 30 — days between a deletion request and the key's deletion */
  readonly deletionWindowDays?: number;
}

export class DataKey extends Construct {
  readonly primary: KmsKey;
  readonly replicas: ReadonlyMap<AwsRegion, KmsReplicaKey>;
  private readonly naming: WorkloadNaming;

  constructor(scope: Construct, id: string, props: DataKeyProps) {
    super(scope, id);
    const n = props.naming;
    this.naming = n;
    const days = props.deletionWindowDays ?? 30;
    if (days < 7 || days > 30) throw new Error(`DataKey ${id}: deletionWindowDays must be 7..30, got ${days}`);
    const [primaryRegion, ...replicaRegions] = n.regions;
    this.primary = new KmsKey(this, 'primary', {
      provider: props.providerFor(primaryRegion!),
      description: `${n.prefix} data key (multi-region primary)`,
      multiRegion: true,
      enableKeyRotation: true,
      deletionWindowInDays: days,
      policy: jsonText(dataKeyPolicy(n.accountId, primaryRegion!)),
    });
    new KmsAlias(this, 'alias', { provider: props.providerFor(primaryRegion!), name: n.keyAlias('data'), targetKeyId: this.primary.keyId });
    const replicas = new Map<AwsRegion, KmsReplicaKey>();
    for (const region of replicaRegions) {
      const provider = props.providerFor(region);
      const replica = new KmsReplicaKey(this, `replica-${region}`, {
        provider,
        description: `${n.prefix} data key (replica in ${region})`,
        primaryKeyArn: this.primary.arn,
        deletionWindowInDays: days,
        policy: jsonText(dataKeyPolicy(n.accountId, region)),
      });
      new KmsAlias(this, `alias-${region}`, { provider, name: n.keyAlias('data'), targetKeyId: replica.keyId });
      replicas.set(region, replica);
    }
    this.replicas = replicas;
  }

  /** The key's ARN in `region` (the primary or its replica there). */
  arnIn(region: AwsRegion): string {
    if (region === this.naming.workload.primaryRegion) return this.primary.arn;
    const replica = this.replicas.get(region);
    if (!replica) throw new Error(`DataKey: ${this.naming.workload.name} has no region ${region}`);
    return replica.arn;
  }
}
