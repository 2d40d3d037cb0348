/**
 * A settlement-archive bucket (F-15, F-21, F-22): versioned, SSE-KMS with a bucket key and
 * the given customer-managed key, all public access blocked, objects owned by the bucket
 * owner (so replicas written by other accounts are ours), a policy that denies non-TLS
 * requests and puts under another encryption or key, a lifecycle that moves settlements
 * to colder storage and never expires them before the retention, and server access logs
 * to a logging bucket of its own.
 *
 * The logging bucket uses SSE-S3: S3 server access logging cannot deliver to a bucket
 * whose default encryption is SSE-KMS. That is the one reasoned exception to
 * encryption-bucket-cmk; the logs hold request metadata, not settlements.
 */
import { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktf';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Guardrails } from '../guardrails';
import type { ResourcePolicyStatement } from '../core/iam-document';

export interface ArchiveBucketProps {
  readonly bucketName: string;
  readonly logBucketName: string;
  /** ARN of the customer-managed key that encrypts the bucket. */
  readonly keyArn: string;
  /** The account that owns the bucket (for the log delivery condition). */
  readonly accountId: string;
  /** @default 2555 (7 years) — days a settlement is kept before the lifecycle may expire it (≥ 365) */
  readonly retentionDays?: number;
  /** Extra statements for the bucket policy (e.g. who may replicate into it). @default [] */
  readonly grants?: readonly ResourcePolicyStatement[];
  /** @default the stack's default provider */
  readonly provider?: TerraformProvider;
}

/** The statements every bucket policy of ours carries: TLS only (F-14). */
export function denyInsecureTransport(bucketArn: string): ResourcePolicyStatement {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': false } },
  };
}

export class ArchiveBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly versioning: S3BucketVersioningA;
  readonly logBucket: S3Bucket;
  readonly name: string;
  readonly arn: string;
  readonly keyArn: string;

  constructor(scope: Construct, id: string, props: ArchiveBucketProps) {
    super(scope, id);
    const retention = props.retentionDays ?? 2555;
    if (!Number.isInteger(retention) || retention < 365) throw new Error(`ArchiveBucket ${props.bucketName}: retentionDays must be a whole number ≥ 365, got ${retention}`);
    const provider = props.provider;
    this.name = props.bucketName;
    this.arn = `arn:aws:s3:::${props.bucketName}`;
    this.keyArn = props.keyArn;

    // --- server access logs bucket ---
    const logArn = `arn:aws:s3:::${props.logBucketName}`;
    const logs = new Construct(this, 'access-logs');
    this.logBucket = new S3Bucket(logs, 'bucket', { provider, bucket: props.logBucketName, forceDestroy: false });
    new S3BucketOwnershipControls(logs, 'ownership', { provider, bucket: this.logBucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketPublicAccessBlock(logs, 'public-access', { provider, bucket: this.logBucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    new S3BucketVersioningA(logs, 'versioning', { provider, bucket: this.logBucket.id, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(logs, 'encryption', {
      provider,
      bucket: this.logBucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    new S3BucketLifecycleConfiguration(logs, 'lifecycle', {
      provider,
      bucket: this.logBucket.id,
      rule: [{
        id: 'access-log-retention', status: 'Enabled', filter: [{ prefix: '' }],
        transition: [{ days: 90, storageClass: 'GLACIER_IR' }],
        expiration: [{ days: 400 }],
        noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
      }],
    });
    new S3BucketPolicy(logs, 'policy', {
      provider,
      bucket: this.logBucket.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          denyInsecureTransport(logArn),
          {
            Sid: 'S3ServerAccessLogDelivery',
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: `${logArn}/*`,
            Condition: { StringEquals: { 'aws:SourceAccount': props.accountId }, ArnLike: { 'aws:SourceArn': this.arn } },
          },
        ],
      }),
    });
    Guardrails.suppress(logs, 'encryption-bucket-cmk', 'S3 server access logging cannot deliver to an SSE-KMS bucket; SSE-S3 is the only option, and the logs hold request metadata, not settlements');

    // --- the archive bucket ---
    this.bucket = new S3Bucket(this, 'bucket', { provider, bucket: props.bucketName, forceDestroy: false });
    new S3BucketOwnershipControls(this, 'ownership', { provider, bucket: this.bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketPublicAccessBlock(this, 'public-access', { provider, bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    this.versioning = new S3BucketVersioningA(this, 'versioning', { provider, bucket: this.bucket.id, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      provider,
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.keyArn }, bucketKeyEnabled: true }],
    });
    new S3BucketLoggingA(this, 'logging', { provider, bucket: this.bucket.id, targetBucket: this.logBucket.id, targetPrefix: `${props.bucketName}/` });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      provider,
      bucket: this.bucket.id,
      dependsOn: [this.versioning],
      rule: [{
        id: 'settlement-retention', status: 'Enabled', filter: [{ prefix: '' }],
        // Colder as settlements age; never expired before the retention (F-22).
        transition: [
          { days: 30, storageClass: 'STANDARD_IA' },
          { days: 90, storageClass: 'GLACIER_IR' },
          { days: 365, storageClass: 'DEEP_ARCHIVE' },
        ],
        expiration: [{ days: retention }],
        noncurrentVersionTransition: [{ noncurrentDays: 30, storageClass: 'GLACIER_IR' }],
        noncurrentVersionExpiration: [{ noncurrentDays: retention }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
      }],
    });
    new S3BucketPolicy(this, 'policy', {
      provider,
      bucket: this.bucket.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          denyInsecureTransport(this.arn),
          // Absent headers fall back to the bucket default (this key); a put that names another
          // algorithm, or another key, is refused: "header present (Null false) AND not ours".
          // (…IfExists would deny absent headers too: for a negated operator a missing key matches.)
          {
            Sid: 'DenyPutsWithAnotherEncryption',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:PutObject',
            Resource: `${this.arn}/*`,
            Condition: { Null: { 's3:x-amz-server-side-encryption': 'false' }, StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
          },
          {
            Sid: 'DenyPutsWithAnotherKey',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:PutObject',
            Resource: `${this.arn}/*`,
            Condition: {
              Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
              StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': props.keyArn },
            },
          },
          ...(props.grants ?? []),
        ],
      }),
    });
  }
}
