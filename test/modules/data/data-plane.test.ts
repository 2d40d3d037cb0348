/**
 * The replicated data plane as synthesized, for every workload of the example
 * organisation and of another one written here: keys, global tables, archives and
 * replication (F-15, F-20, F-21, F-22), and nothing of it in replica-region stacks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Manifest, Workload } from '../../../accounts/schema';
import { buildApp } from '../../../stacks/app';
import { Naming } from '../../../modules/core/naming';
import { exampleManifest, parseManifest, policyJson, resourcesOf, synthManifest, type TfJson } from '../../support/synth';
import { otherOrganisation } from '../../support/manifests';

type Cfg = Record<string, any>;
const resources = (tf: TfJson, type: string) => resourcesOf(tf, type) as [string, Cfg][];
const cases: [string, () => Manifest][] = [
  ['example organisation', exampleManifest],
  ['another organisation', () => parseManifest(otherOrganisation())],
];

/** The provider a resource uses: its region (aliased providers are named by region). */
function regionOf(tf: TfJson, cfg: Cfg): string {
  const alias = typeof cfg.provider === 'string' && cfg.provider.startsWith('aws.') ? cfg.provider.slice(4) : undefined;
  const providers = (tf.provider?.aws ?? []) as Cfg[];
  return (alias ? providers.find((p) => p.alias === alias) : providers.find((p) => p.alias === undefined))!.region;
}
const ref = (type: string, id: string, attr: string) => `\${${type}.${id}.${attr}}`;

describe.each(cases)('data plane — %s', (_label, load) => {
  const m = load();
  const s = synthManifest(m);
  const naming = new Naming(m);

  describe.each(m.workloads.map((w) => [w.name, w] as [string, Workload]))('workload %s', (_name, w) => {
    const n = naming.forWorkload(w);
    const tf = s.stacks.get(`payments-${w.name}-${w.primaryRegion}`)!;
    const keys = resources(tf, 'aws_kms_key');
    const replicaKeys = resources(tf, 'aws_kms_replica_key');
    /** The reference to the data key in `region` (primary or replica). */
    const keyRefIn = (region: string): string => {
      if (region === w.primaryRegion) return ref('aws_kms_key', keys[0]![0], 'arn');
      const found = replicaKeys.find(([, c]) => regionOf(tf, c) === region);
      if (!found) throw new Error(`no replica key in ${region}`);
      return ref('aws_kms_replica_key', found[0], 'arn');
    };

    test('F-15: one multi-region key with rotation, a replica with its own policy in every replica region, an alias in every region', () => {
      expect(keys).toHaveLength(1);
      const [, key] = keys[0]!;
      expect(key).toEqual(expect.objectContaining({ multi_region: true, enable_key_rotation: true, deletion_window_in_days: 30 }));
      expect(regionOf(tf, key)).toBe(w.primaryRegion);
      expect(replicaKeys.map(([, c]) => regionOf(tf, c)).sort()).toEqual([...w.replicaRegions].sort());
      for (const [, rk] of replicaKeys) {
        expect(rk.primary_key_arn).toBe(ref('aws_kms_key', keys[0]![0], 'arn'));
        const region = regionOf(tf, rk);
        const via = JSON.stringify(policyJson(rk.policy));
        expect(via).toContain(`dynamodb.${region}.amazonaws.com`);
        expect(via).toContain(`logs.${region}.amazonaws.com`);
        expect(via).not.toContain(`.${w.primaryRegion}.amazonaws.com`);
      }
      const aliases = resources(tf, 'aws_kms_alias').filter(([, a]) => a.name === n.keyAlias('data'));
      expect(aliases.map(([, a]) => regionOf(tf, a)).sort()).toEqual([...n.regions].sort());
    });

    test('F-15: the key policy names its users statement by statement; the root only administers; no kms:*', () => {
      const doc = policyJson(keys[0]![1].policy);
      const sids = doc.Statement.map((x) => x.Sid);
      expect(sids).toEqual(
        expect.arrayContaining(['AccountAdministersKey', 'AccountUsesThroughServices', 'CloudWatchLogsEncryptLogGroups', 'EventBridgeToEncryptedQueue', 'CloudWatchAlarmsPublishToEncryptedTopics']),
      );
      for (const st of doc.Statement) expect([st.Action].flat()).not.toContain('kms:*');
      const use = doc.Statement.find((x) => x.Sid === 'AccountUsesThroughServices') as Cfg;
      expect(use.Condition.StringEquals['kms:CallerAccount']).toBe(w.accountId);
      expect(use.Condition.StringEquals['kms:ViaService']).toEqual(expect.arrayContaining([`dynamodb.${w.primaryRegion}.amazonaws.com`, `s3.${w.primaryRegion}.amazonaws.com`]));
    });

    test.each(['payments'] as const)('F-21 F-22: the %s table is a global table with a replica per replica region, each with its region key and PITR', (purpose) => {
      const [, t] = resources(tf, 'aws_dynamodb_table').find(([, c]) => c.name === n.table(purpose))!;
      expect(t).toEqual(
        expect.objectContaining({ billing_mode: 'PAY_PER_REQUEST', stream_enabled: true, stream_view_type: 'NEW_AND_OLD_IMAGES', deletion_protection_enabled: w.environment === 'prod' }),
      );
      expect(t.server_side_encryption).toEqual({ enabled: true, kms_key_arn: keyRefIn(w.primaryRegion) });
      expect(t.point_in_time_recovery.enabled).toBe(true);
      expect(t.ttl.enabled).toBe(true);
      const replicas = (t.replica ?? []) as Cfg[];
      expect(replicas.map((r) => r.region_name).sort()).toEqual([...w.replicaRegions].sort());
      for (const r of replicas) {
        expect(r).toEqual(expect.objectContaining({ kms_key_arn: keyRefIn(r.region_name), point_in_time_recovery: true, deletion_protection_enabled: w.environment === 'prod' }));
      }
    });

    test('F-15 F-22: every region has an archive bucket: versioned, SSE-KMS with its region key and a bucket key, public access blocked, TLS-only, access-logged, kept for the retention', () => {
      for (const region of n.regions) {
        const name = n.bucket('archive', region);
        const [id, b] = resources(tf, 'aws_s3_bucket').find(([, c]) => c.bucket === name)!;
        expect(regionOf(tf, b)).toBe(region);
        const of = (type: string) =>
          resources(tf, type)
            .filter(([, c]) => c.bucket === ref('aws_s3_bucket', id, 'id'))
            .map(([, c]) => c);
        expect(of('aws_s3_bucket_versioning')[0]!.versioning_configuration.status).toBe('Enabled');
        const sse = of('aws_s3_bucket_server_side_encryption_configuration')[0]!.rule[0];
        expect(sse).toEqual({ apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: keyRefIn(region) }, bucket_key_enabled: true });
        expect(of('aws_s3_bucket_public_access_block')[0]).toEqual(
          expect.objectContaining({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true }),
        );
        const policy = policyJson(of('aws_s3_bucket_policy')[0]!.policy);
        expect(policy.Statement.find((x) => x.Sid === 'DenyInsecureTransport')).toEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
        const logging = of('aws_s3_bucket_logging')[0]!;
        expect(logging.target_bucket).toMatch(/^\$\{aws_s3_bucket\..+\.id\}$/);
        const rule = of('aws_s3_bucket_lifecycle_configuration')[0]!.rule[0];
        expect(rule.expiration[0].days).toBe(w.archiveRetentionDays);
        expect(rule.noncurrent_version_expiration[0].noncurrent_days).toBe(w.archiveRetentionDays);
        for (const t of rule.transition) expect(t.days).toBeLessThan(w.archiveRetentionDays);
      }
    });

    test("every regional archive, the replica regions' included, replicates KMS-encrypted objects to every other region and to the log archive, with the destination key, metrics, and versioning first", () => {
      const la = m.logArchive;
      const laBucket = `arn:aws:s3:::${naming.bucket('log-archive', la.accountId, la.region)}`;
      const configs = resources(tf, 'aws_s3_bucket_replication_configuration');
      expect(configs).toHaveLength(n.regions.length);
      const providers = (tf.provider?.aws ?? []) as Cfg[];
      const regionOfProvider = (p: unknown) => providers.find((x) => (x.alias === undefined ? p === undefined || p === 'aws' : p === `aws.${x.alias}`))!.region;
      const archiveIds = new Map(resources(tf, 'aws_s3_bucket').map(([id, b]) => [ref('aws_s3_bucket', id, 'id'), b.bucket as string]));
      const sources = new Set<string>();
      for (const [, cfg] of configs) {
        const source = archiveIds.get(cfg.bucket)!;
        const sourceRegion = regionOfProvider(cfg.provider);
        expect(source).toBe(n.bucket('archive', sourceRegion));
        sources.add(sourceRegion);
        const rules = cfg.rule as Cfg[];
        const others = n.regions.filter((r) => r !== sourceRegion);
        expect(rules.map((r) => r.destination.bucket).sort()).toEqual([...others.map((r) => `arn:aws:s3:::${n.bucket('archive', r)}`), laBucket].sort());
        for (const r of rules) {
          expect(r.status).toBe('Enabled');
          expect(r.source_selection_criteria.sse_kms_encrypted_objects.status).toBe('Enabled');
          expect(r.destination.metrics.status).toBe('Enabled');
        }
        for (const region of others) {
          const rule = rules.find((r) => r.destination.bucket === `arn:aws:s3:::${n.bucket('archive', region)}`)!;
          expect(rule.destination.encryption_configuration.replica_kms_key_id).toBe(keyRefIn(region));
        }
        const toArchive = rules.find((r) => r.destination.bucket === laBucket)!;
        expect(toArchive.destination.account).toBe(la.accountId);
        expect(toArchive.destination.access_control_translation.owner).toBe('Destination');
        // The other account's key by its key ARN, from the log-archive stack's own state: an alias would be resolved in the requester's account.
        const [stateId, state] = Object.entries((tf.data?.terraform_remote_state ?? {}) as Record<string, Cfg>)[0]!;
        expect(state.config).toEqual({ bucket: naming.stateBucket, key: naming.stateKey(`log-archive-${la.region}`), region: m.deployment.region });
        expect(toArchive.destination.encryption_configuration.replica_kms_key_id).toBe(`\${data.terraform_remote_state.${stateId}.outputs.archive_key_arn}`);
        // versioning on both sides before replication: every archive versioning resource of this stack
        const archiveVersionings = resources(tf, 'aws_s3_bucket_versioning')
          .map(([id]) => `aws_s3_bucket_versioning.${id}`)
          .filter((v) => !v.includes('access-logs'));
        expect(cfg.depends_on).toEqual(expect.arrayContaining(archiveVersionings));
      }
      expect([...sources].sort()).toEqual([...n.regions].sort());
      const laTf = s.stacks.get(`log-archive-${la.region}`)!;
      const [laKeyId] = resources(laTf, 'aws_kms_key')[0]!;
      expect((laTf.output as Cfg).archive_key_arn.value).toBe(ref('aws_kms_key', laKeyId, 'arn'));
    });

    test('F-20: replica-region stacks own nothing replicated: no key, no global table, no archive bucket; they find the key by alias', () => {
      for (const region of w.replicaRegions) {
        const rtf = s.stacks.get(`payments-${w.name}-${region}`)!;
        expect(resources(rtf, 'aws_kms_key')).toEqual([]);
        expect(resources(rtf, 'aws_kms_replica_key')).toEqual([]);
        expect(resources(rtf, 'aws_dynamodb_table').filter(([, t]) => t.name === n.table('payments'))).toEqual([]);
        expect(resources(rtf, 'aws_s3_bucket')).toEqual([]);
        expect(Object.values(rtf.data?.aws_kms_alias ?? {}).map((a) => a.name)).toEqual([n.keyAlias('data')]);
      }
    });
  });

  test('F-15 F-21: the log-archive account has its own rotating key and a versioned, KMS-encrypted, TLS-only bucket that only the replication roles may write, kept for the longest retention', () => {
    const tf = s.stacks.get(`log-archive-${m.logArchive.region}`)!;
    const [keyId, key] = resources(tf, 'aws_kms_key')[0]!;
    expect(key.enable_key_rotation).toBe(true);
    const kp = policyJson(key.policy);
    const enc = kp.Statement.find((x) => x.Sid === 'WorkloadReplicationRolesUseThroughS3') as Cfg;
    // S3 Bucket Keys on the destination: replication needs Decrypt as well as Encrypt, and only for this bucket's objects
    expect(enc.Action).toEqual(['kms:Encrypt', 'kms:Decrypt']);
    const laBucketArn = `arn:aws:s3:::${naming.bucket('log-archive', m.logArchive.accountId, m.logArchive.region)}`;
    expect(enc.Condition.StringLike['kms:EncryptionContext:aws:s3:arn']).toEqual([laBucketArn, `${laBucketArn}/*`]);
    expect(enc.Condition.ArnEquals['aws:PrincipalArn'].sort()).toEqual(m.workloads.map((w) => naming.forWorkload(w).roleArn('replication')).sort());
    expect(enc.Condition.StringEquals['aws:PrincipalOrgID']).toBe(m.organization.id);
    const name = naming.bucket('log-archive', m.logArchive.accountId, m.logArchive.region);
    const [bid] = resources(tf, 'aws_s3_bucket').find(([, c]) => c.bucket === name)!;
    const of = (type: string) =>
      resources(tf, type)
        .filter(([, c]) => c.bucket === ref('aws_s3_bucket', bid, 'id'))
        .map(([, c]) => c);
    expect(of('aws_s3_bucket_server_side_encryption_configuration')[0]!.rule[0].apply_server_side_encryption_by_default.kms_master_key_id).toBe(ref('aws_kms_key', keyId, 'arn'));
    expect(of('aws_s3_bucket_ownership_controls')[0]!.rule.object_ownership).toBe('BucketOwnerEnforced');
    expect(of('aws_s3_bucket_lifecycle_configuration')[0]!.rule[0].expiration[0].days).toBe(Math.max(2555, ...m.workloads.map((w) => w.archiveRetentionDays)));
    const bp = policyJson(of('aws_s3_bucket_policy')[0]!.policy);
    const repl = bp.Statement.find((x) => x.Sid === 'WorkloadReplicationRolesReplicate') as Cfg;
    expect(repl.Condition.ArnEquals['aws:PrincipalArn'].sort()).toEqual(enc.Condition.ArnEquals['aws:PrincipalArn'].sort());
  });
});

describe('guardrails on a manifest nobody tuned them to', () => {
  test('F-14 F-15 F-22 F-24: another organisation synthesizes with zero findings, every suppression with a reason', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'guardrails-other-'));
    try {
      const { app, guardrails } = buildApp(parseManifest(otherOrganisation()), { outdir });
      app.synth();
      expect(guardrails.report!.findings).toEqual([]);
      for (const s of guardrails.report!.suppressed) expect(s.reason.trim()).not.toBe('');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
