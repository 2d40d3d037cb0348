/**
 * The state bucket as synthesized in the deployment stack (F-15, F-14, F-25): versioned,
 * encrypted with its own rotating key whose alias is the one every backend names, TLS-only,
 * public access blocked, and no DynamoDB lock table (S3-native locking).
 */
import { Naming } from '../../../modules/core/naming';
import { simulate } from '../../support/iam-sim';
import { exampleManifest, policyJson, resourcesOf, synthManifest } from '../../support/synth';
import { otherOrgManifest } from '../../stacks/other-org';

describe.each([
  ['example', exampleManifest],
  ['another organisation', otherOrgManifest],
] as const)('state bucket — %s manifest', (_l, load) => {
  const m = load();
  const naming = new Naming(m);
  const synth = synthManifest(m);
  const tf = synth.stacks.get(`deployment-${m.deployment.region}`)!;
  const one = (type: string) => {
    const all = resourcesOf(tf, type);
    expect(all).toHaveLength(1);
    return all[0]![1];
  };

  test('given the bucket, then it is named for state, versioned, KMS-encrypted with a bucket key, owner-enforced and fully private', () => {
    expect(one('aws_s3_bucket').bucket).toBe(naming.stateBucket);
    expect(one('aws_s3_bucket_versioning').versioning_configuration).toEqual({ status: 'Enabled' });
    const rule = (one('aws_s3_bucket_server_side_encryption_configuration').rule as any[])[0];
    expect(rule.apply_server_side_encryption_by_default.sse_algorithm).toBe('aws:kms');
    expect(rule.apply_server_side_encryption_by_default.kms_master_key_id).toMatch(/^\$\{aws_kms_key\..+\.arn\}$/);
    expect(rule.bucket_key_enabled).toBe(true);
    const pab = one('aws_s3_bucket_public_access_block');
    for (const k of ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets']) expect(pab[k]).toBe(true);
    expect((one('aws_s3_bucket_ownership_controls').rule as any).object_ownership).toBe('BucketOwnerEnforced');
  });

  test('given the key, then it rotates and its alias is the one every stack backend names', () => {
    expect(one('aws_kms_key').enable_key_rotation).toBe(true);
    expect(one('aws_kms_alias').name).toBe(naming.keyAlias('tfstate'));
    for (const stack of synth.stacks.values()) {
      const backend = (stack.terraform as any).backend.s3;
      expect(backend.bucket).toBe(naming.stateBucket);
      expect(backend.kms_key_id.endsWith(`:${naming.keyAlias('tfstate')}`)).toBe(true);
      expect(backend.use_lockfile).toBe(true);
      expect(backend.dynamodb_table).toBeUndefined();
    }
    for (const stack of synth.stacks.values()) expect(resourcesOf(stack, 'aws_dynamodb_table').filter(([, v]) => String(v.name).includes('lock'))).toEqual([]);
  });

  test('given a request without TLS, then the bucket policy denies it even to the account itself', async () => {
    const bucketPolicy = policyJson(one('aws_s3_bucket_policy').policy);
    const key = `arn:aws:s3:::${naming.stateBucket}/${naming.stateKey(synth.specs[0]!.name)}`;
    const req = (tls: string) =>
      simulate({
        principal: `arn:aws:iam::${m.deployment.accountId}:role/${naming.ciRoleName('ci-apply-shared')}`,
        action: 's3:GetObject',
        resource: key,
        resourceAccount: m.deployment.accountId,
        identityPolicies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: key }] }],
        resourcePolicy: bucketPolicy,
        context: { 'aws:SecureTransport': tls },
      });
    expect(await req('false')).toBe('ExplicitlyDenied');
    expect(await req('true')).toBe('Allowed');
  });

  test('given an organisation member outside the management account, then the bucket policy grants it nothing', async () => {
    const bucketPolicy = policyJson(one('aws_s3_bucket_policy').policy);
    const key = `arn:aws:s3:::${naming.stateBucket}/${naming.stateKey(synth.specs[0]!.name)}`;
    const as = (principal: string) =>
      simulate({
        principal,
        action: 's3:GetObject',
        resource: key,
        resourceAccount: m.deployment.accountId,
        resourcePolicy: bucketPolicy,
        identityPolicies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }],
        context: { 'aws:SecureTransport': 'true', 'aws:PrincipalOrgID': m.organization.id },
      });
    expect(await as(`arn:aws:iam::${m.workloads[0]!.accountId}:role/${naming.accessRoleName('deploy')}`)).not.toBe('Allowed');
    expect(await as(`arn:aws:iam::${m.organization.managementAccountId}:role/admin`)).toBe('Allowed');
  });
});
