/**
 * Replication of the primary region's settlement archive (F-13, F-21) to the archive of
 * every replica region and to the log-archive account, with a role that has exactly the
 * S3 and KMS actions replication needs on exactly those buckets and keys:
 *   source:       s3:GetReplicationConfiguration, s3:ListBucket on the bucket;
 *                 s3:GetObjectVersionForReplication, …Acl, …Tagging on its objects;
 *                 kms:Decrypt with the source key, only through S3 in the source region
 *   destinations: s3:ReplicateObject, s3:ReplicateDelete, s3:ReplicateTags (and
 *                 s3:ObjectOwnerOverrideToBucketOwner for the other account) on their objects;
 *                 kms:Encrypt with each destination key, only through S3 in its region.
 * The encryption context is the bucket ARN when S3 Bucket Keys are on, the object ARN
 * otherwise; the KMS conditions accept both.
 * Every rule selects SSE-KMS objects, names the destination key, and publishes
 * replication metrics (without them OperationsFailedReplication never fires, F-24).
 * Destination versioning exists before the configuration (depends_on, same stack) or,
 * for the log-archive bucket, in an earlier deploy wave (F-20).
 */
import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { S3BucketReplicationConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-replication-configuration';
import type { AwsRegion } from '../accounts/schema';

export interface ReplicationDestination {
  /** Stable word: the rule id (`replica-eu-central-1`, `log-archive`). */
  readonly id: string;
  readonly bucketName: string;
  readonly region: AwsRegion;
  /** Key ARN that encrypts replicas (a key ARN, or an alias ARN for a key of another account). */
  readonly keyArn: string;
  /** How the role's IAM policy names that key: its ARN, or `key/*` with an alias condition. */
  readonly keyGrant: { readonly resource: string; readonly alias?: string };
  /** Set for a bucket in another account: replicas become that account's objects. */
  readonly account?: string;
  /** Resources of this stack the configuration must wait for (destination versioning). @default [] */
  readonly dependsOn?: ITerraformDependable[];
}

export interface ArchiveReplicationProps {
  readonly roleName: string;
  readonly accountId: string;
  readonly source: { readonly bucketName: string; readonly bucketId: string; readonly region: AwsRegion; readonly keyArn: string; readonly versioning: ITerraformDependable };
  readonly destinations: readonly ReplicationDestination[];
}

export class ArchiveReplication extends Construct {
  readonly role: IamRole;
  readonly configuration: S3BucketReplicationConfigurationA;
  readonly sourceBucketName: string;
  readonly destinations: readonly ReplicationDestination[];
  /** The policy document of the role, as synthesized. */
  readonly policyDocument: object;

  constructor(scope: Construct, id: string, props: ArchiveReplicationProps) {
    super(scope, id);
    if (props.destinations.length === 0) throw new Error(`ArchiveReplication ${id}: needs at least one destination`);
    const ids = new Set(props.destinations.map((d) => d.id));
    if (ids.size !== props.destinations.length) throw new Error(`ArchiveReplication ${id}: destination ids must be unique`);
    const src = `arn:aws:s3:::${props.source.bucketName}`;
    this.sourceBucketName = props.source.bucketName;
    this.destinations = props.destinations;
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: 'S3 replication of the settlement archive',
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Sid: 'S3ReplicatesForThisAccount',
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': props.accountId }, ArnLike: { 'aws:SourceArn': src } },
        }],
      }),
    });
    this.policyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'ReadSourceConfiguration', Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: src },
        { Sid: 'ReadSourceVersions', Effect: 'Allow', Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'], Resource: `${src}/*` },
        {
          Sid: 'DecryptSource',
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: props.source.keyArn,
          Condition: { StringEquals: { 'kms:ViaService': `s3.${props.source.region}.amazonaws.com` }, StringLike: { 'kms:EncryptionContext:aws:s3:arn': [src, `${src}/*`] } },
        },
        ...props.destinations.flatMap((d) => {
          const dst = `arn:aws:s3:::${d.bucketName}`;
          const sid = d.id.replace(/[^A-Za-z0-9]/g, '');
          return [
            {
              Sid: `Replicate${sid}`,
              Effect: 'Allow',
              Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', ...(d.account ? ['s3:ObjectOwnerOverrideToBucketOwner'] : [])],
              Resource: `${dst}/*`,
            },
            {
              Sid: `Encrypt${sid}`,
              Effect: 'Allow',
              Action: 'kms:Encrypt',
              Resource: d.keyGrant.resource,
              Condition: {
                StringEquals: { 'kms:ViaService': `s3.${d.region}.amazonaws.com` },
                StringLike: { 'kms:EncryptionContext:aws:s3:arn': [dst, `${dst}/*`] },
                ...(d.keyGrant.alias ? { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': d.keyGrant.alias } } : {}),
              },
            },
          ];
        }),
      ],
    };
    new IamRolePolicy(this, 'policy', { role: this.role.id, name: 'replicate-archive', policy: JSON.stringify(this.policyDocument) });
    this.configuration = new S3BucketReplicationConfigurationA(this, 'configuration', {
      bucket: props.source.bucketId,
      role: this.role.arn,
      dependsOn: [props.source.versioning, ...props.destinations.flatMap((d) => d.dependsOn ?? [])],
      rule: props.destinations.map((d, i) => ({
        id: d.id,
        priority: i + 1,
        status: 'Enabled',
        filter: { prefix: '' },
        deleteMarkerReplication: { status: 'Disabled' },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
        destination: {
          bucket: `arn:aws:s3:::${d.bucketName}`,
          storageClass: 'STANDARD_IA',
          encryptionConfiguration: { replicaKmsKeyId: d.keyArn },
          metrics: { status: 'Enabled', eventThreshold: { minutes: 15 } },
          replicationTime: { status: 'Enabled', time: { minutes: 15 } },
          ...(d.account ? { account: d.account, accessControlTranslation: { owner: 'Destination' } } : {}),
        },
      })),
    });
  }
}
