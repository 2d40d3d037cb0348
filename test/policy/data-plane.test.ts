/**
 * The data plane's synthesized policies evaluated by an IAM policy simulator (F-13, F-14,
 * F-15, F-21): the calls the system makes are allowed — across accounts where they cross —
 * and the calls nobody should make are denied. Documents come from the synthesized
 * Terraform JSON; references only known at apply time (key ARNs) are replaced by
 * well-formed ARNs of the same key in the same region. Every context key is given.
 */
import type { Manifest, Workload } from '../../accounts/schema';
import { Naming } from '../../modules/core/naming';
import { simulate, type PolicyDocument } from '../support/iam-sim';
import { exampleManifest, parseManifest, policyJson, resourcesOf, synthManifest, type TfJson } from '../support/synth';
import { otherOrganisation } from '../support/manifests';

type Cfg = Record<string, any>;
const resources = (tf: TfJson, type: string) => resourcesOf(tf, type) as [string, Cfg][];
const OUTSIDER = 'arn:aws:iam::999999999999:role/attacker';
const MRK = 'mrk-0123456789abcdef0123456789abcdef';

/** Replaces key ARN references with the ARN the key will have (multi-region keys share their id); `known` names other references' values. */
function resolver(tf: TfJson, accountId: string, known: Record<string, string> = {}) {
  const providers = (tf.provider?.aws ?? []) as Cfg[];
  const regionOf = (cfg: Cfg) => {
    const alias = typeof cfg.provider === 'string' && cfg.provider.startsWith('aws.') ? cfg.provider.slice(4) : undefined;
    return (alias ? providers.find((p) => p.alias === alias) : providers.find((p) => p.alias === undefined))!.region as string;
  };
  const arns = new Map<string, string>();
  for (const type of ['aws_kms_key', 'aws_kms_replica_key']) {
    for (const [id, cfg] of resources(tf, type)) arns.set(`\${${type}.${id}.arn}`, `arn:aws:kms:${regionOf(cfg)}:${accountId}:key/${MRK}`);
  }
  for (const [ref, value] of Object.entries(known)) arns.set(ref, value);
  return (text: string): PolicyDocument =>
    JSON.parse(
      text.replace(/\$\{(aws_kms_(replica_)?key\.[^}]+\.arn|data\.terraform_remote_state\.[^}]+)\}/g, (r) => {
        const arn = arns.get(r);
        if (!arn) throw new Error(`unknown reference ${r}`);
        return arn;
      }),
    );
}

/**
 * The encryption-context conditions are asserted exactly on the synthesized document below,
 * and evaluated with the rest of each request (test/support/iam-sim.ts evaluates
 * `kms:EncryptionContext:*`, which the simulator itself cannot).
 */
const ENCRYPTION_CONTEXT = 'kms:EncryptionContext:aws:s3:arn';

const cases: [string, () => Manifest][] = [
  ['example organisation', exampleManifest],
  ['another organisation', () => parseManifest(otherOrganisation())],
];

describe.each(cases)('data-plane policies — %s', (_label, load) => {
  const m = load();
  const s = synthManifest(m);
  const naming = new Naming(m);
  const org = m.organization.id;
  const la = m.logArchive;
  const w: Workload = m.workloads.find((x) => x.replicaRegions.length > 0)!;
  const other: Workload = m.workloads.find((x) => x.accountId !== w.accountId)!;
  const n = naming.forWorkload(w);
  const replica = w.replicaRegions[0]!;
  const tf = s.stacks.get(`payments-${w.name}-${w.primaryRegion}`)!;
  // The log-archive key's ARN reaches the payments stack from the log-archive stack's state.
  const laKeyArn = `arn:aws:kms:${la.region}:${la.accountId}:key/11111111-2222-3333-4444-555555555555`;
  const laKeyRef = `\${data.terraform_remote_state.${Object.keys(tf.data!.terraform_remote_state!)[0]}.outputs.archive_key_arn}`;
  const resolve = resolver(tf, w.accountId, { [laKeyRef]: laKeyArn });
  const keyArn = (region: string) => `arn:aws:kms:${region}:${w.accountId}:key/${MRK}`;
  const keyPolicy = (region: string): PolicyDocument => {
    const [, cfg] = region === w.primaryRegion ? resources(tf, 'aws_kms_key')[0]! : resources(tf, 'aws_kms_replica_key').find(([, c]) => String(c.provider) === `aws.${region}`)!;
    return resolve(cfg.policy);
  };
  const bucketPolicyOf = (stack: TfJson, bucket: string, res = resolve): PolicyDocument => {
    const [bid] = resources(stack, 'aws_s3_bucket').find(([, c]) => c.bucket === bucket)!;
    const [, p] = resources(stack, 'aws_s3_bucket_policy').find(([, c]) => c.bucket === `\${aws_s3_bucket.${bid}.id}`)!;
    return res(p.policy);
  };
  const rolePolicies = (roleName: string): PolicyDocument[] => {
    const [rid] = resources(tf, 'aws_iam_role').find(([, c]) => c.name === roleName)!;
    return resources(tf, 'aws_iam_role_policy')
      .filter(([, p]) => p.role === `\${aws_iam_role.${rid}.id}` || p.role === `\${aws_iam_role.${rid}.name}`)
      .map(([, p]) => resolve(p.policy));
  };

  const laTf = s.stacks.get(`log-archive-${la.region}`)!;
  const laResolve = (text: string) => JSON.parse(text.replace(/\$\{aws_kms_key\.[^}]+\.arn\}/g, laKeyArn)) as PolicyDocument;
  // Its encryption-context condition is asserted on the document in test/modules/data-plane.test.ts.
  const laKeyPolicy = laResolve(String(resources(laTf, 'aws_kms_key')[0]![1].policy));
  const laBucket = naming.bucket('log-archive', la.accountId, la.region);
  const laBucketPolicy = bucketPolicyOf(laTf, laBucket, laResolve);

  const replicationDocs = rolePolicies(n.role('replication'));
  // The boundary every deploy-created role carries, as the workload's bootstrap stack synthesizes it.
  const [, boundary] = resources(s.stacks.get(`bootstrap-${w.name}`)!, 'aws_iam_policy').find(([, c]) => c.name === naming.boundaryPolicyName())!;
  const replication = { arn: n.roleArn('replication'), policies: replicationDocs, permissionBoundary: policyJson(boundary.policy) };
  const writer = { arn: n.roleArn('states', w.primaryRegion), policies: rolePolicies(n.role('states', w.primaryRegion)) };
  const src = n.bucket('archive', w.primaryRegion);
  const dst = n.bucket('archive', replica);
  const tls = { 'aws:SecureTransport': 'true' };
  const inOrg = (principal: string) => ({ 'aws:PrincipalArn': principal, 'aws:PrincipalOrgID': org, ...tls });
  const viaS3 = (region: string, bucket: string, account = w.accountId) => ({
    'kms:ViaService': `s3.${region}.amazonaws.com`,
    'kms:CallerAccount': account,
    'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${bucket}`,
  });

  test('F-13: every KMS grant of the replication role is bound to the bucket it serves (encryption context, bucket or object ARN)', () => {
    const kms = replicationDocs.flatMap((d) => d.Statement as Cfg[]).filter((st) => String(st.Action).startsWith('kms:'));
    // each region's archive is a source (decrypt) and a destination (encrypt); the log archive a destination
    expect(kms.length).toBe(2 * n.regions.length + 1);
    for (const st of kms) {
      const [bucketArn] = st.Condition.StringLike[ENCRYPTION_CONTEXT] as string[];
      expect(st.Condition.StringLike[ENCRYPTION_CONTEXT]).toEqual([bucketArn, `${bucketArn}/*`]);
      expect(st.Condition.StringEquals['kms:ViaService']).toMatch(/^s3\.[a-z0-9-]+\.amazonaws\.com$/);
    }
  });

  test("F-13 F-21: the replication role reads the source, decrypts with the source key, and replicates into the replica-region archive with that region's key", async () => {
    expect(
      await simulate({
        principal: replication.arn,
        action: 's3:GetObjectVersionForReplication',
        resource: `arn:aws:s3:::${src}/settlements/${w.name}/p.json`,
        resourceAccount: w.accountId,
        identityPolicies: replication.policies,
        resourcePolicy: bucketPolicyOf(tf, src),
        context: inOrg(replication.arn),
      }),
    ).toBe('Allowed');
    expect(
      await simulate({
        principal: replication.arn,
        action: 'kms:Decrypt',
        resource: keyArn(w.primaryRegion),
        resourceAccount: w.accountId,
        identityPolicies: replication.policies,
        resourcePolicy: keyPolicy(w.primaryRegion),
        context: { ...inOrg(replication.arn), ...viaS3(w.primaryRegion, src) },
      }),
    ).toBe('Allowed');
    expect(
      await simulate({
        principal: replication.arn,
        action: 's3:ReplicateObject',
        resource: `arn:aws:s3:::${dst}/settlements/${w.name}/p.json`,
        resourceAccount: w.accountId,
        identityPolicies: replication.policies,
        resourcePolicy: bucketPolicyOf(tf, dst),
        context: inOrg(replication.arn),
      }),
    ).toBe('Allowed');
    expect(
      await simulate({
        principal: replication.arn,
        action: 'kms:Encrypt',
        resource: keyArn(replica),
        resourceAccount: w.accountId,
        identityPolicies: replication.policies,
        resourcePolicy: keyPolicy(replica),
        context: { ...inOrg(replication.arn), ...viaS3(replica, dst) },
      }),
    ).toBe('Allowed');
  });

  test('across accounts, the replication role replicates into the log archive and uses its key as S3 Bucket Keys need (encrypt and decrypt), through its permissions boundary and only for that bucket', async () => {
    expect(
      await simulate({
        principal: replication.arn,
        action: 's3:ReplicateObject',
        resource: `arn:aws:s3:::${laBucket}/settlements/${w.name}/p.json`,
        resourceAccount: la.accountId,
        identityPolicies: replication.policies,
        resourcePolicy: laBucketPolicy,
        context: inOrg(replication.arn),
      }),
    ).toBe('Allowed');
    expect(
      await simulate({
        principal: replication.arn,
        action: 's3:ObjectOwnerOverrideToBucketOwner',
        resource: `arn:aws:s3:::${laBucket}/settlements/${w.name}/p.json`,
        resourceAccount: la.accountId,
        identityPolicies: replication.policies,
        resourcePolicy: laBucketPolicy,
        context: inOrg(replication.arn),
      }),
    ).toBe('Allowed');
    const laContext = { ...inOrg(replication.arn), ...viaS3(la.region, laBucket, w.accountId) };
    for (const action of ['kms:Encrypt', 'kms:Decrypt']) {
      expect(
        await simulate({
          principal: replication.arn,
          action,
          resource: laKeyArn,
          resourceAccount: la.accountId,
          identityPolicies: replication.policies,
          permissionBoundary: replication.permissionBoundary,
          resourcePolicy: laKeyPolicy,
          context: laContext,
        }),
      ).toBe('Allowed');
    }
    // not through another service than S3 in the log archive's region
    expect(
      await simulate({
        principal: replication.arn,
        action: 'kms:Decrypt',
        resource: laKeyArn,
        resourceAccount: la.accountId,
        identityPolicies: replication.policies,
        permissionBoundary: replication.permissionBoundary,
        resourcePolicy: laKeyPolicy,
        context: { ...laContext, 'kms:ViaService': 'dynamodb.' + la.region + '.amazonaws.com' },
      }),
    ).not.toBe('Allowed');
  });

  test('F-13: the archive writer (the state machine) puts a settlement AND generates a data key through S3; it may not read archives', async () => {
    expect(
      await simulate({
        principal: writer.arn,
        action: 's3:PutObject',
        resource: `arn:aws:s3:::${src}/settlements/${w.name}/p.json`,
        resourceAccount: w.accountId,
        identityPolicies: writer.policies,
        resourcePolicy: bucketPolicyOf(tf, src),
        context: inOrg(writer.arn),
      }),
    ).toBe('Allowed');
    expect(
      await simulate({
        principal: writer.arn,
        action: 'kms:GenerateDataKey',
        resource: keyArn(w.primaryRegion),
        resourceAccount: w.accountId,
        identityPolicies: writer.policies,
        resourcePolicy: keyPolicy(w.primaryRegion),
        context: { ...inOrg(writer.arn), ...viaS3(w.primaryRegion, src) },
      }),
    ).toBe('Allowed');
    expect(
      await simulate({
        principal: writer.arn,
        action: 's3:GetObject',
        resource: `arn:aws:s3:::${src}/settlements/${w.name}/p.json`,
        resourceAccount: w.accountId,
        identityPolicies: writer.policies,
        resourcePolicy: bucketPolicyOf(tf, src),
        context: inOrg(writer.arn),
      }),
    ).not.toBe('Allowed');
  });

  test('F-14: non-TLS requests and puts under another encryption are denied, whoever asks', async () => {
    for (const [bucket, policy, account, who] of [
      [src, bucketPolicyOf(tf, src), w.accountId, writer],
      [laBucket, laBucketPolicy, la.accountId, replication],
    ] as const) {
      const action = who === writer ? 's3:PutObject' : 's3:ReplicateObject';
      expect(
        await simulate({
          principal: who.arn,
          action,
          resource: `arn:aws:s3:::${bucket}/settlements/${w.name}/p.json`,
          resourceAccount: account,
          identityPolicies: who.policies,
          resourcePolicy: policy,
          context: { ...inOrg(who.arn), 'aws:SecureTransport': 'false' },
        }),
      ).toBe('ExplicitlyDenied');
    }
    expect(
      await simulate({
        principal: writer.arn,
        action: 's3:PutObject',
        resource: `arn:aws:s3:::${src}/settlements/${w.name}/p.json`,
        resourceAccount: w.accountId,
        identityPolicies: writer.policies,
        resourcePolicy: bucketPolicyOf(tf, src),
        context: { ...inOrg(writer.arn), 's3:x-amz-server-side-encryption': 'AES256' },
      }),
    ).toBe('ExplicitlyDenied');
  });

  const anything: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:*', 's3:*', 'dynamodb:*'], Resource: '*' }] };
  const table = n.tableArn('payments', w.primaryRegion);

  test('F-14: a principal outside the organisation is denied on the key, the table and the buckets, whatever its own policies say', async () => {
    const ctx = { 'aws:PrincipalArn': OUTSIDER, 'aws:PrincipalOrgID': 'o-zzzzzzzzzz99', ...tls };
    expect(
      await simulate({
        principal: OUTSIDER,
        action: 'kms:Decrypt',
        resource: keyArn(w.primaryRegion),
        resourceAccount: w.accountId,
        identityPolicies: [anything],
        resourcePolicy: keyPolicy(w.primaryRegion),
        context: { ...ctx, ...viaS3(w.primaryRegion, src, '999999999999') },
      }),
    ).not.toBe('Allowed');
    expect(await simulate({ principal: OUTSIDER, action: 'dynamodb:GetItem', resource: table, resourceAccount: w.accountId, identityPolicies: [anything], context: ctx })).not.toBe('Allowed');
    expect(
      await simulate({
        principal: OUTSIDER,
        action: 's3:GetObject',
        resource: `arn:aws:s3:::${src}/settlements/${w.name}/p.json`,
        resourceAccount: w.accountId,
        identityPolicies: [anything],
        resourcePolicy: bucketPolicyOf(tf, src),
        context: ctx,
      }),
    ).not.toBe('Allowed');
    expect(
      await simulate({
        principal: OUTSIDER,
        action: 's3:ReplicateObject',
        resource: `arn:aws:s3:::${laBucket}/x`,
        resourceAccount: la.accountId,
        identityPolicies: [anything],
        resourcePolicy: laBucketPolicy,
        context: ctx,
      }),
    ).not.toBe('Allowed');
    expect(
      await simulate({
        principal: OUTSIDER,
        action: 'kms:Encrypt',
        resource: laKeyArn,
        resourceAccount: la.accountId,
        identityPolicies: [anything],
        resourcePolicy: laKeyPolicy,
        context: { ...ctx, ...viaS3(la.region, laBucket, '999999999999') },
      }),
    ).not.toBe('Allowed');
  });

  test("F-14: a role in another workload account is denied on this workload's keys, table and buckets", async () => {
    const intruder = `arn:aws:iam::${other.accountId}:role/${naming.project}-${other.name}-replication`;
    const ctx = inOrg(intruder);
    for (const region of n.regions) {
      expect(
        await simulate({
          principal: intruder,
          action: 'kms:Decrypt',
          resource: keyArn(region),
          resourceAccount: w.accountId,
          identityPolicies: [anything],
          resourcePolicy: keyPolicy(region),
          context: { ...ctx, ...viaS3(region, n.bucket('archive', region), other.accountId) },
        }),
      ).not.toBe('Allowed');
    }
    expect(await simulate({ principal: intruder, action: 'dynamodb:PutItem', resource: table, resourceAccount: w.accountId, identityPolicies: [anything], context: ctx })).not.toBe('Allowed');
    expect(
      await simulate({
        principal: intruder,
        action: 's3:ReplicateObject',
        resource: `arn:aws:s3:::${dst}/x`,
        resourceAccount: w.accountId,
        identityPolicies: [anything],
        resourcePolicy: bucketPolicyOf(tf, dst),
        context: ctx,
      }),
    ).not.toBe('Allowed');
  });

  test('F-14: a role of the same account without a grant is denied; a role of a workload account other than its replication role may not write the log archive', async () => {
    const bystander = `arn:aws:iam::${w.accountId}:role/${naming.project}-${w.name}-bystander`;
    const ctx = inOrg(bystander);
    expect(
      await simulate({
        principal: bystander,
        action: 'kms:Decrypt',
        resource: keyArn(w.primaryRegion),
        resourceAccount: w.accountId,
        identityPolicies: [],
        resourcePolicy: keyPolicy(w.primaryRegion),
        context: { ...ctx, ...viaS3(w.primaryRegion, src) },
      }),
    ).not.toBe('Allowed');
    expect(await simulate({ principal: bystander, action: 'dynamodb:GetItem', resource: table, resourceAccount: w.accountId, identityPolicies: [], context: ctx })).not.toBe('Allowed');
    expect(
      await simulate({
        principal: bystander,
        action: 's3:GetObject',
        resource: `arn:aws:s3:::${src}/settlements/${w.name}/p.json`,
        resourceAccount: w.accountId,
        identityPolicies: [],
        resourcePolicy: bucketPolicyOf(tf, src),
        context: ctx,
      }),
    ).not.toBe('Allowed');
    // even with its own policy allowing it, only the named replication role gets through the log archive's policies
    expect(
      await simulate({
        principal: bystander,
        action: 's3:ReplicateObject',
        resource: `arn:aws:s3:::${laBucket}/x`,
        resourceAccount: la.accountId,
        identityPolicies: [anything],
        resourcePolicy: laBucketPolicy,
        context: ctx,
      }),
    ).not.toBe('Allowed');
    expect(
      await simulate({
        principal: bystander,
        action: 'kms:Encrypt',
        resource: laKeyArn,
        resourceAccount: la.accountId,
        identityPolicies: [anything],
        resourcePolicy: laKeyPolicy,
        context: { ...ctx, ...viaS3(la.region, laBucket) },
      }),
    ).not.toBe('Allowed');
  });
});
