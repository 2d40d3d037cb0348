import { block, blocks, nonEmptyString, refersTo } from '../tf';
import type { Rule } from '../types';

const CMK_ALGORITHMS = ['aws:kms', 'aws:kms:dsse'];

/** F-15: every bucket has a default-encryption configuration with SSE-KMS and a customer-managed key. */
export const encryptionBucketCmk: Rule = {
  id: 'encryption-bucket-cmk',
  description: 'S3 buckets default to SSE-KMS with a customer-managed key',
  failures: ['F-15'],
  appliesTo: ['aws_s3_bucket'],
  fix: 'add an aws_s3_bucket_server_side_encryption_configuration for the bucket with apply_server_side_encryption_by_default { sse_algorithm = "aws:kms", kms_master_key_id = <key ARN> } and bucket_key_enabled = true',
  check(b, stack) {
    const configs = stack.resources('aws_s3_bucket_server_side_encryption_configuration').filter((c) => refersTo(c.config.bucket, b, ['bucket'], ['id', 'bucket']));
    if (configs.length === 0) return [{ message: 'bucket has no aws_s3_bucket_server_side_encryption_configuration (it would use SSE-S3, not a customer-managed key)' }];
    const ok = configs.some((c) =>
      blocks(c.config.rule).some((rule) => {
        const byDefault = block(rule.apply_server_side_encryption_by_default);
        return byDefault !== undefined && CMK_ALGORITHMS.includes(String(byDefault.sse_algorithm)) && nonEmptyString(byDefault.kms_master_key_id);
      }),
    );
    return ok ? [] : [{ message: 'bucket encryption is not SSE-KMS with kms_master_key_id (a customer-managed key)' }];
  },
};
