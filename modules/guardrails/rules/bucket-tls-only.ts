import { isAnyPrincipal, isObject, parsePolicy, refersTo, strings, type Statement } from '../tf';
import type { Rule, TfBlock } from '../types';

/** The condition value `false` for aws:SecureTransport, however it is spelled. */
function deniesInsecureTransport(s: Statement): boolean {
  if (!isObject(s.Condition)) return false;
  const bool = s.Condition.Bool;
  if (!isObject(bool)) return false;
  const v = bool['aws:SecureTransport'];
  return (Array.isArray(v) ? v : [v]).some((x) => x === false || x === 'false');
}

function coversBucketAndObjects(resources: string[], bucket: TfBlock): boolean {
  const name = typeof bucket.config.bucket === 'string' ? bucket.config.bucket : undefined;
  const isBucket = (r: string) => (refersTo(r, bucket, [], ['arn']) && !r.includes('/')) || (name !== undefined && r === `arn:aws:s3:::${name}`);
  const isObjects = (r: string) => (refersTo(r, bucket, [], ['arn']) && r.endsWith('/*')) || (name !== undefined && r === `arn:aws:s3:::${name}/*`);
  return resources.some(isBucket) && resources.some(isObjects);
}

/** F-14: every bucket's policy denies any request that does not use TLS, on the bucket and its objects. */
export const bucketTlsOnly: Rule = {
  id: 'bucket-tls-only',
  description: 'S3 buckets have a bucket policy that denies requests without TLS',
  failures: ['F-14'],
  appliesTo: ['aws_s3_bucket'],
  fix: 'add to the bucket policy: { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [<bucket ARN>, "<bucket ARN>/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } }',
  check(b, stack) {
    const policies = stack.resources('aws_s3_bucket_policy').filter((p) => refersTo(p.config.bucket, b, ['bucket'], ['id', 'bucket']));
    if (policies.length === 0) return [{ message: 'bucket has no aws_s3_bucket_policy, so nothing denies requests without TLS' }];
    // The deny may be one statement on both ARNs or two statements (bucket, objects): take the union.
    const denied = policies.flatMap((p) => {
      const parsed = parsePolicy(p.config.policy);
      if (!parsed.ok) return [];
      return parsed.statements
        .filter((s) => s.Effect === 'Deny' && isAnyPrincipal(s.Principal) && strings(s.Action).some((a) => a === 's3:*' || a === '*') && deniesInsecureTransport(s))
        .flatMap((s) => strings(s.Resource));
    });
    const ok = coversBucketAndObjects(denied, b);
    return ok ? [] : [{ message: 'bucket policy has no statement denying s3:* to any principal when aws:SecureTransport is false, on both the bucket and its objects' }];
  },
};
