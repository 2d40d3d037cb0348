/**
 * Every bucket the stacks create is a HardenedBucket: across every stack of two
 * organisations' manifests, each bucket is versioned, fully private, owner-enforced and
 * encrypted, and its policy holds exactly one TLS-deny statement, the same everywhere.
 * SSE-S3 appears only with a reasoned suppression.
 */
import { App, TerraformStack } from 'cdktf';
import { HardenedBucket } from '../../../modules/data/hardened-bucket';
import { exampleManifest, parseManifest, policyJson, resourcesOf, synthManifest } from '../../support/synth';
import { otherOrganisation } from '../../support/manifests';

const refersTo = (value: unknown, bucketName: string) => typeof value === 'string' && value.startsWith(`\${aws_s3_bucket.${bucketName}.`);

describe.each([
  ['example organisation', exampleManifest],
  ['another organisation', () => parseManifest(otherOrganisation())],
] as const)('hardened buckets — %s', (_label, load) => {
  const synth = synthManifest(load());

  test('given every bucket of every stack, then each has versioning, a full public access block, BucketOwnerEnforced, default encryption and one policy with one TLS deny', () => {
    let buckets = 0;
    for (const [stack, tf] of synth.stacks) {
      for (const [name, cfg] of resourcesOf(tf, 'aws_s3_bucket')) {
        buckets++;
        const of = (type: string) =>
          resourcesOf(tf, type)
            .filter(([, c]) => refersTo(c.bucket, name))
            .map(([, c]) => c as any);
        const where = `${stack} ${cfg.bucket}`;
        expect([where, of('aws_s3_bucket_versioning').map((v) => v.versioning_configuration.status)]).toEqual([where, ['Enabled']]);
        const [pab] = of('aws_s3_bucket_public_access_block');
        expect(pab).toEqual(expect.objectContaining({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true }));
        expect(of('aws_s3_bucket_ownership_controls').map((o) => o.rule.object_ownership)).toEqual(['BucketOwnerEnforced']);
        const [sse] = of('aws_s3_bucket_server_side_encryption_configuration');
        const algorithm = sse.rule[0].apply_server_side_encryption_by_default.sse_algorithm;
        if (algorithm === 'aws:kms') expect(sse.rule[0].bucket_key_enabled).toBe(true);
        else expect([where, algorithm, (cfg as any)['//']?.guardrails_suppressions?.['encryption-bucket-cmk']?.reason]).toEqual([where, 'AES256', expect.stringMatching(/\S/)]);
        const policies = of('aws_s3_bucket_policy');
        expect(policies).toHaveLength(1);
        const tlsDenies = policyJson(policies[0].policy).Statement.filter((s) => JSON.stringify(s.Condition ?? {}).includes('aws:SecureTransport'));
        expect(tlsDenies).toEqual([
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [`arn:aws:s3:::${cfg.bucket}`, `arn:aws:s3:::${cfg.bucket}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ]);
      }
    }
    // the state bucket, and per region of each workload an archive and its access-logs bucket, and the log archive's two
    expect(buckets).toBeGreaterThanOrEqual(5);
  });
});

describe('HardenedBucket', () => {
  test('given SSE-S3 without a reason, then construction fails', () => {
    const stack = new TerraformStack(new App(), 'scratch');
    expect(() => new HardenedBucket(stack, 'logs', { bucketName: 'scratch-logs', encryption: { s3Managed: { reason: ' ' } } })).toThrow(/needs the reason/);
  });
});
