import { block, refersTo } from '../tf';
import type { Rule } from '../types';

/** F-21/F-22: versioning is on (replication needs it, and it is the bucket's backup). */
export const bucketVersioning: Rule = {
  id: 'bucket-versioning',
  description: 'S3 buckets have versioning enabled',
  failures: ['F-21', 'F-22'],
  appliesTo: ['aws_s3_bucket'],
  fix: 'add an aws_s3_bucket_versioning for the bucket with versioning_configuration { status = "Enabled" }',
  check(b, stack) {
    const versionings = stack.resources('aws_s3_bucket_versioning').filter((v) => refersTo(v.config.bucket, b, ['bucket'], ['id', 'bucket']));
    const ok = versionings.some((v) => block(v.config.versioning_configuration)?.status === 'Enabled');
    return ok ? [] : [{ message: versionings.length === 0 ? 'bucket has no aws_s3_bucket_versioning' : 'bucket versioning is not "Enabled"' }];
  },
};
