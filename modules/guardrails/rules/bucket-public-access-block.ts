import { isTrue, refersTo } from '../tf';
import type { Rule } from '../types';

const FLAGS = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'] as const;

/** F-14: every bucket blocks public ACLs and policies, all four switches on. */
export const bucketPublicAccessBlock: Rule = {
  id: 'bucket-public-access-block',
  description: 'S3 buckets have a public access block with all four settings true',
  failures: ['F-14'],
  appliesTo: ['aws_s3_bucket'],
  fix: `add an aws_s3_bucket_public_access_block for the bucket with ${FLAGS.join(', ')} all true`,
  check(b, stack) {
    const pabs = stack.resources('aws_s3_bucket_public_access_block').filter((p) => refersTo(p.config.bucket, b, ['bucket'], ['id', 'bucket']));
    if (pabs.length === 0) return [{ message: 'bucket has no aws_s3_bucket_public_access_block' }];
    const best = pabs.map((p) => FLAGS.filter((f) => !isTrue(p.config[f]))).sort((x, y) => x.length - y.length)[0]!;
    return best.length === 0 ? [] : [{ message: `public access block leaves ${best.join(', ')} off` }];
  },
};
