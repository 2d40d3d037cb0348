/**
 * The Terraform state bucket of the deployment account (F-15): versioned (every state
 * write is recoverable, a `HardenedBucket`), encrypted with its own customer-managed key whose alias is
 * `naming.keyAlias('tfstate')` (the alias every stack's S3 backend names), TLS-only,
 * public access blocked, object ownership enforced. Locking is S3-native (`use_lockfile`:
 * a `<key>.tflock` object next to the state), so there is no DynamoDB lock table.
 *
 * Grants are methods: `grantRead` (plan: read state, write only lock files) and
 * `grantReadWrite` (apply). Both scope to the `stacks/` prefix and use the key only
 * through S3 (`kms:ViaService`).
 *
 * The management account may read and write state too (bucket and key policy, with
 * aws:PrincipalOrgID): the stacks that own the access roles are applied by an
 * organisation administrator with the organisation's account-access role
 * (`access_role=bootstrap`), from management-account credentials. That adds no power:
 * the management account can already assume that role in the deployment account.
 * Versions are kept without expiry (state files are small; history is the audit trail).
 */
import { keyAdministration } from './key-policy';
import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import type { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import type { Manifest } from '../../accounts/schema';
import { policy, type PolicyStatement } from '../core/iam-document';
import { Naming } from '../core/naming';
import { HardenedBucket } from './hardened-bucket';
import { jsonText } from '../core/json-text';

/** A construct that owns one role (e.g. a CI role); grants name their policy after its construct id. */
export interface RoleGrantee {
  readonly node: Construct['node'];
  readonly role: IamRole;
}

export interface StateBucketProps {
  readonly manifest: Manifest;
  /** @default 30 — days a deleted state key stays recoverable (KMS deletion window) */
  readonly keyDeletionWindowDays?: number;
}

/** Where every stack's state lives inside the bucket (`naming.stateKey`). */
const STATE_PREFIX = 'stacks/';

export class StateBucket extends Construct {
  readonly store: HardenedBucket;
  readonly bucket: S3Bucket;
  readonly key: KmsKey;
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly keyAlias: string;
  private readonly region: string;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    const m = props.manifest;
    const naming = new Naming(m);
    const days = props.keyDeletionWindowDays ?? 30;
    if (days < 7 || days > 30) throw new Error(`StateBucket ${id}: keyDeletionWindowDays must be 7..30, got ${days}`);
    this.region = m.deployment.region;
    this.bucketName = naming.stateBucket;
    this.bucketArn = naming.bucketArn('tfstate', m.deployment.accountId, m.deployment.region);
    this.keyAlias = naming.keyAlias('tfstate');
    const management = naming.accountRootArn(m.organization.managementAccountId);
    const viaS3 = { 'kms:ViaService': `s3.${this.region}.amazonaws.com` };

    this.key = new KmsKey(this, 'key', {
      description: `Terraform state of ${m.project}`,
      enableKeyRotation: true,
      deletionWindowInDays: days,
      policy: jsonText(
        policy(
          // `*` in a key policy means "this key".
          keyAdministration(naming.accountRootArn(m.deployment.accountId)),
          {
            // Roles of the deployment account (CI) use the key as IAM grants them, and only through S3.
            Sid: 'DeploymentAccountUsesViaS3',
            Effect: 'Allow',
            Principal: { AWS: naming.accountRootArn(m.deployment.accountId) },
            Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
            Resource: '*',
            Condition: { StringEquals: { ...viaS3, 'kms:CallerAccount': m.deployment.accountId } },
          },
          {
            Sid: 'ManagementAccountStateViaS3',
            Effect: 'Allow',
            Principal: { AWS: management },
            Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
            Resource: '*',
            Condition: { StringEquals: { ...viaS3, 'aws:PrincipalOrgID': m.organization.id } },
          },
        ),
      ),
    });
    new KmsAlias(this, 'alias', { name: this.keyAlias, targetKeyId: this.key.keyId });

    this.store = new HardenedBucket(this, 'bucket', { bucketName: this.bucketName, encryption: { kmsKeyArn: this.key.arn } });
    this.bucket = this.store.bucket;
    this.store.addToResourcePolicy(
      {
        Sid: 'ManagementAccountState',
        Effect: 'Allow',
        Principal: { AWS: management },
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        Resource: `${this.bucketArn}/${STATE_PREFIX}*`,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': m.organization.id } },
      },
      {
        Sid: 'ManagementAccountList',
        Effect: 'Allow',
        Principal: { AWS: management },
        Action: 's3:ListBucket',
        Resource: this.bucketArn,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': m.organization.id } },
      },
    );
  }

  /** Plan: read every stack's state; write and delete only lock files (`terraform plan` takes the lock). */
  grantRead(grantee: RoleGrantee): IamRolePolicy {
    return this.grant(grantee, 'state-read', [
      { Sid: 'ListState', Effect: 'Allow', Action: 's3:ListBucket', Resource: this.bucketArn, Condition: { StringLike: { 's3:prefix': `${STATE_PREFIX}*` } } },
      { Sid: 'ReadState', Effect: 'Allow', Action: 's3:GetObject', Resource: `${this.bucketArn}/${STATE_PREFIX}*` },
      { Sid: 'LockState', Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: `${this.bucketArn}/${STATE_PREFIX}*.tflock` },
      this.keyUse(['kms:Decrypt', 'kms:GenerateDataKey']),
    ]);
  }

  /** Apply: read and write every stack's state. */
  grantReadWrite(grantee: RoleGrantee): IamRolePolicy {
    return this.grant(grantee, 'state-read-write', [
      { Sid: 'ListState', Effect: 'Allow', Action: 's3:ListBucket', Resource: this.bucketArn, Condition: { StringLike: { 's3:prefix': `${STATE_PREFIX}*` } } },
      { Sid: 'ReadWriteState', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: `${this.bucketArn}/${STATE_PREFIX}*` },
      this.keyUse(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']),
    ]);
  }

  private keyUse(actions: string[]): PolicyStatement {
    return { Sid: 'StateKeyViaS3', Effect: 'Allow', Action: actions, Resource: this.key.arn, Condition: { StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` } } };
  }

  private grant(grantee: RoleGrantee, name: string, statements: PolicyStatement[]): IamRolePolicy {
    return new IamRolePolicy(this, `${name}-${grantee.node.id}`, { name, role: grantee.role.name, policy: jsonText(policy(...statements)) });
  }
}
