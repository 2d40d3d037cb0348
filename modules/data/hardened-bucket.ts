/**
 * An S3 bucket with the settings every bucket of this project has, written once: versioned,
 * all public access blocked, objects owned by the bucket owner (`BucketOwnerEnforced`: no
 * ACLs, replicas written by other accounts are ours), default encryption, and a bucket policy
 * that denies any request without TLS, on the bucket and its objects. What differs between
 * buckets is added: statements through `addToResourcePolicy`, a lifecycle, server access logs.
 *
 * Encryption is SSE-KMS with an S3 Bucket Key and a customer-managed key. SSE-S3 is allowed
 * only with a reason, which becomes the bucket's suppression of `encryption-bucket-cmk` (e.g.
 * S3 server access logging cannot deliver into an SSE-KMS bucket).
 */
import { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktf';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration, type S3BucketLifecycleConfigurationRule } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Guardrails } from '../guardrails';
import { LazyPolicy, type ResourcePolicyStatement } from '../core/iam-document';

export type BucketEncryption =
  /** SSE-KMS with an S3 Bucket Key and this customer-managed key. */
  | { readonly kmsKeyArn: string }
  /** SSE-S3, and why a customer-managed key cannot be used. */
  | { readonly s3Managed: { readonly reason: string } };

export interface HardenedBucketProps {
  readonly bucketName: string;
  readonly encryption: BucketEncryption;
  /** Lifecycle rules; applied after versioning is on. @default none */
  readonly lifecycle?: readonly S3BucketLifecycleConfigurationRule[];
  /** Server access logs of this bucket go to that bucket, under `<this bucket's name>/`. @default none */
  readonly accessLogsTo?: HardenedBucket;
  /** @default the stack's default provider */
  readonly provider?: TerraformProvider;
}

/** The statement every bucket policy of ours starts with: no request without TLS, on the bucket or its objects. */
export function denyInsecureTransport(bucketArn: string): ResourcePolicyStatement {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

export class HardenedBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly versioning: S3BucketVersioningA;
  readonly policy: S3BucketPolicy;
  readonly name: string;
  /** The bucket's ARN, literal (known at synth). */
  readonly arn: string;
  /** The customer-managed key, when the bucket uses SSE-KMS. */
  readonly keyArn?: string;
  private readonly statements = new LazyPolicy();

  constructor(scope: Construct, id: string, props: HardenedBucketProps) {
    super(scope, id);
    const provider = props.provider;
    this.name = props.bucketName;
    this.arn = `arn:aws:s3:::${props.bucketName}`;
    this.bucket = new S3Bucket(this, 'bucket', { provider, bucket: props.bucketName, forceDestroy: false });
    const bucket = this.bucket.id;
    new S3BucketOwnershipControls(this, 'ownership', { provider, bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketPublicAccessBlock(this, 'public-access', { provider, bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    this.versioning = new S3BucketVersioningA(this, 'versioning', { provider, bucket, versioningConfiguration: { status: 'Enabled' } });
    const sse = props.encryption;
    if ('kmsKeyArn' in sse) {
      this.keyArn = sse.kmsKeyArn;
      new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
        provider,
        bucket,
        rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: sse.kmsKeyArn }, bucketKeyEnabled: true }],
      });
    } else {
      if (sse.s3Managed.reason.trim() === '') throw new Error(`HardenedBucket ${props.bucketName}: SSE-S3 needs the reason a customer-managed key cannot be used`);
      new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', { provider, bucket, rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] });
    }
    if (props.accessLogsTo) {
      new S3BucketLoggingA(this, 'logging', { provider, bucket, targetBucket: props.accessLogsTo.bucket.id, targetPrefix: `${props.bucketName}/` });
    }
    if (props.lifecycle && props.lifecycle.length > 0) {
      new S3BucketLifecycleConfiguration(this, 'lifecycle', { provider, bucket, dependsOn: [this.versioning], rule: [...props.lifecycle] });
    }
    this.statements.add(denyInsecureTransport(this.arn));
    this.policy = new S3BucketPolicy(this, 'policy', { provider, bucket, policy: this.statements.json });
    if (!('kmsKeyArn' in sse)) Guardrails.suppress(this.bucket, 'encryption-bucket-cmk', sse.s3Managed.reason);
  }

  /** Adds statements to the bucket policy (after the TLS deny). */
  addToResourcePolicy(...statements: ResourcePolicyStatement[]): void {
    this.statements.add(...statements);
  }
}
