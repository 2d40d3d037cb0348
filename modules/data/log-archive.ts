/**
 * The log-archive account's receiving end (F-15, F-20, F-21): its own key and bucket.
 * Only the workloads' replication roles may write replicas and use the key (encrypt, and
 * decrypt, which S3 needs from the replicating role when the bucket uses S3 Bucket Keys).
 *
 * The key's ARN is an output of the log-archive stack (`archive_key_arn`); the workloads'
 * payments stacks read it from that stack's state (`logArchiveKeyArn`), because a
 * replication rule must name a key of another account by its key ARN.
 *
 * The log-archive stack deploys before any payments stack, so the replication roles do
 * not exist yet when these policies are written; a policy naming a missing role is
 * rejected by AWS. So each grant names the workload account's root as principal and pins
 * the exact role with `aws:PrincipalArn`, inside the organisation (`aws:PrincipalOrgID`):
 * the same effect, with no deploy-order deadlock.
 */
import { Construct } from 'constructs';
import { DataTerraformRemoteStateS3, TerraformOutput } from 'cdktf';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import type { Manifest } from '../../accounts/schema';
import { ArchiveBucket } from './archive-bucket';
import type { ResourcePolicyStatement } from '../core/iam-document';
import { keyAdministration } from './key-policy';
import { Naming, stackNames } from '../core/naming';
import { jsonText } from '../core/json-text';

/** The output of the log-archive stack that holds its key's ARN (a contract between stacks). */
export const ARCHIVE_KEY_ARN_OUTPUT = 'archive_key_arn';

/**
 * The log-archive key's ARN, read from the log-archive stack's state in the state bucket
 * (that stack is applied in an earlier wave). Read with the credentials of whoever runs the
 * stack's backend, as the backend itself is.
 */
export function logArchiveKeyArn(scope: Construct, manifest: Manifest): string {
  const naming = new Naming(manifest);
  const state = new DataTerraformRemoteStateS3(scope, 'log-archive-state', {
    bucket: naming.stateBucket,
    key: naming.stateKey(stackNames.logArchive(manifest.logArchive.region)),
    region: manifest.deployment.region,
  });
  return state.getString(ARCHIVE_KEY_ARN_OUTPUT);
}

export interface LogArchiveProps {
  readonly manifest: Manifest;
}

export class LogArchive extends Construct {
  readonly key: KmsKey;
  readonly archive: ArchiveBucket;

  constructor(scope: Construct, id: string, props: LogArchiveProps) {
    super(scope, id);
    const m = props.manifest;
    const naming = new Naming(m);
    const { accountId, region } = m.logArchive;
    const bucketName = naming.bucket('log-archive', accountId, region);
    const bucketArn = `arn:aws:s3:::${bucketName}`;
    const writers = m.workloads.map((w) => ({ root: `arn:aws:iam::${w.accountId}:root`, role: naming.forWorkload(w).roleArn('replication') }));
    const principals = { AWS: writers.map((x) => x.root) };
    const onlyReplicationRoles = {
      ArnEquals: { 'aws:PrincipalArn': writers.map((x) => x.role) },
      StringEquals: { 'aws:PrincipalOrgID': m.organization.id },
    };
    const statements: ResourcePolicyStatement[] = [
      keyAdministration(`arn:aws:iam::${accountId}:root`),
      {
        Sid: 'LogArchiveAccountReadsThroughS3',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: ['kms:Decrypt', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': accountId, 'kms:ViaService': `s3.${region}.amazonaws.com` } },
      },
    ];
    if (writers.length > 0) {
      statements.push({
        Sid: 'WorkloadReplicationRolesUseThroughS3',
        Effect: 'Allow',
        Principal: principals,
        Action: ['kms:Encrypt', 'kms:Decrypt'],
        Resource: '*',
        Condition: {
          ...onlyReplicationRoles,
          StringEquals: { ...onlyReplicationRoles.StringEquals, 'kms:ViaService': `s3.${region}.amazonaws.com` },
          // Only for this bucket's objects (the bucket ARN with S3 Bucket Keys, the object ARN without).
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn, `${bucketArn}/*`] },
        },
      });
    }
    this.key = new KmsKey(this, 'key', {
      description: `${m.project} log archive: replicated settlement archives`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: jsonText({ Version: '2012-10-17', Statement: statements }),
    });
    new KmsAlias(this, 'alias', { name: naming.keyAlias('archive'), targetKeyId: this.key.keyId });
    new TerraformOutput(this, 'key-arn', { value: this.key.arn, description: 'ARN of the key replicas are encrypted with (read by the payments stacks)' }).overrideLogicalId(ARCHIVE_KEY_ARN_OUTPUT);

    const grants: ResourcePolicyStatement[] =
      writers.length === 0
        ? []
        : [
            {
              Sid: 'WorkloadReplicationRolesReplicate',
              Effect: 'Allow',
              Principal: principals,
              Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
              Resource: `arn:aws:s3:::${bucketName}/*`,
              Condition: onlyReplicationRoles,
            },
            {
              Sid: 'WorkloadReplicationRolesReadVersioning',
              Effect: 'Allow',
              Principal: principals,
              Action: ['s3:GetBucketVersioning', 's3:ListBucket'],
              Resource: `arn:aws:s3:::${bucketName}`,
              Condition: onlyReplicationRoles,
            },
          ];
    this.archive = new ArchiveBucket(this, 'archive', {
      bucketName,
      logBucketName: naming.bucket('access-logs', accountId, region),
      keyArn: this.key.arn,
      accountId,
      // Kept as long as the longest retention any workload asks for.
      retentionDays: Math.max(2555, ...m.workloads.map((w) => w.archiveRetentionDays)),
    });
    this.archive.addToResourcePolicy(...grants);
  }
}
