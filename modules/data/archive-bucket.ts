/**
 * A settlement-archive bucket (F-15, F-21, F-22): versioned, SSE-KMS with a bucket key and
 * the given customer-managed key, all public access blocked, objects owned by the bucket
 * owner (so replicas written by other accounts are ours), a policy that denies non-TLS
 * requests and puts under another encryption or key, a lifecycle that moves settlements
 * to colder storage and never expires them before the retention, and server access logs
 * to a logging bucket of its own. Both are `HardenedBucket`s.
 *
 * The logging bucket uses SSE-S3: S3 server access logging cannot deliver to a bucket
 * whose default encryption is SSE-KMS. That is the one reasoned exception to
 * encryption-bucket-cmk; the logs hold request metadata, not settlements.
 */
import { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktf';
import type { AwsRegion } from '../../accounts/schema';
import { KeyRef, type Grantee } from '../core/grants';
import type { ResourcePolicyStatement } from '../core/iam-document';
import type { WorkloadNaming } from '../core/naming';
import { HardenedBucket } from './hardened-bucket';

export interface ArchiveBucketProps {
  readonly bucketName: string;
  readonly logBucketName: string;
  /** ARN of the customer-managed key that encrypts the bucket. */
  readonly keyArn: string;
  /** The account that owns the bucket (for the log delivery condition). */
  readonly accountId: string;
  /** @default 2555 (7 years) — days a settlement is kept before the lifecycle may expire it (≥ 365) */
  readonly retentionDays?: number;
  /** @default the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * An archive bucket and its key, as a grant sees them: the bucket this stack created, or
 * (in a replica-region stack) the one the primary stack created, found by name.
 */
export class ArchiveBucketRef {
  constructor(
    readonly name: string,
    readonly key: KeyRef,
    readonly label = 'ArchiveBucket',
  ) {}

  static inRegion(naming: WorkloadNaming, region: AwsRegion, key: KeyRef): ArchiveBucketRef {
    return new ArchiveBucketRef(naming.bucket('archive', region), key);
  }

  get arn(): string {
    return `arn:aws:s3:::${this.name}`;
  }

  /** New objects under `prefix` (no reads, no deletes), encrypted with the bucket's key. */
  grantPut(grantee: Grantee, prefix: string): void {
    if (prefix === '' || !prefix.endsWith('/')) throw new Error(`ArchiveBucketRef ${this.name}: grantPut needs a prefix ending in "/", got ${JSON.stringify(prefix)}`);
    grantee.addToPolicy({ Sid: `${this.label}Put`, Effect: 'Allow', Action: ['s3:PutObject'], Resource: `${this.arn}/${prefix}*` });
    this.key.grantGenerateDataKey(grantee);
  }
}

export class ArchiveBucket extends Construct {
  readonly archive: HardenedBucket;
  readonly logs: HardenedBucket;
  readonly name: string;
  readonly arn: string;
  readonly keyArn: string;
  readonly ref: ArchiveBucketRef;

  constructor(scope: Construct, id: string, props: ArchiveBucketProps) {
    super(scope, id);
    const retention = props.retentionDays ?? 2555;
    if (!Number.isInteger(retention) || retention < 365) throw new Error(`ArchiveBucket ${props.bucketName}: retentionDays must be a whole number ≥ 365, got ${retention}`);
    const provider = props.provider;
    this.name = props.bucketName;
    this.arn = `arn:aws:s3:::${props.bucketName}`;
    this.keyArn = props.keyArn;
    this.ref = new ArchiveBucketRef(this.name, new KeyRef(props.keyArn));

    this.logs = new HardenedBucket(this, 'access-logs', {
      provider,
      bucketName: props.logBucketName,
      encryption: { s3Managed: { reason: 'S3 server access logging cannot deliver to an SSE-KMS bucket; SSE-S3 is the only option, and the logs hold request metadata, not settlements' } },
      lifecycle: [
        {
          id: 'access-log-retention',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          transition: [{ days: 90, storageClass: 'GLACIER_IR' }],
          expiration: [{ days: 400 }],
          noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    this.logs.addToResourcePolicy({
      Sid: 'S3ServerAccessLogDelivery',
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: `${this.logs.arn}/*`,
      Condition: { StringEquals: { 'aws:SourceAccount': props.accountId }, ArnLike: { 'aws:SourceArn': this.arn } },
    });

    this.archive = new HardenedBucket(this, 'archive', {
      provider,
      bucketName: props.bucketName,
      encryption: { kmsKeyArn: props.keyArn },
      accessLogsTo: this.logs,
      lifecycle: [
        {
          id: 'settlement-retention',
          status: 'Enabled',
          filter: [{ prefix: '' }],
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
        },
      ],
    });
    // Absent headers fall back to the bucket default (this key); a put that names another
    // algorithm, or another key, is refused: "header present (Null false) AND not ours".
    // (…IfExists would deny absent headers too: for a negated operator a missing key matches.)
    this.archive.addToResourcePolicy(
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
    );
  }

  get bucket() {
    return this.archive.bucket;
  }

  get versioning() {
    return this.archive.versioning;
  }

  /** Statements for the archive's bucket policy (e.g. who may replicate into it). */
  addToResourcePolicy(...statements: ResourcePolicyStatement[]): void {
    this.archive.addToResourcePolicy(...statements);
  }

  grantPut(grantee: Grantee, prefix: string): void {
    this.ref.grantPut(grantee, prefix);
  }
}
