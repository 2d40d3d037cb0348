/**
 * Replication of a workload's settlement archives. Every region of a workload archives the
 * payments it settles into its own bucket, and every regional archive replicates to the
 * archive of every other region of the workload and to the log-archive account's bucket.
 * So a settlement reaches the log archive whichever region settled it, and each region
 * holds a copy of every settlement. S3 does not replicate an object that is itself a
 * replica created by another rule, so each settlement reaches each destination once and
 * two-way rules cannot loop.
 *
 * One role per workload (IAM is global) serves every source bucket, with exactly the S3 and
 * KMS actions replication needs on exactly those buckets and keys:
 *   sources:      s3:GetReplicationConfiguration, s3:ListBucket on the buckets;
 *                 s3:GetObjectVersionForReplication, …Acl, …Tagging on their objects;
 *                 kms:Decrypt with each source key, only through S3 in its region
 *   destinations: s3:ReplicateObject, s3:ReplicateDelete, s3:ReplicateTags (and
 *                 s3:ObjectOwnerOverrideToBucketOwner for the other account) on their objects;
 *                 kms:Encrypt and kms:Decrypt with each destination key, only through S3 in
 *                 its region. Every destination has S3 Bucket Keys on, and S3 then needs
 *                 both (the S3 guide on replicating encrypted objects).
 * The encryption context is the bucket ARN when S3 Bucket Keys are on, the object ARN
 * otherwise; the KMS conditions accept both.
 * Every rule selects SSE-KMS objects, names the destination key by its key ARN (S3 resolves
 * an alias in the requester's account, which for the log archive is the wrong account), and
 * publishes replication metrics (without them OperationsFailedReplication never fires).
 * Destination versioning exists before the configuration (depends_on, same stack) or, for
 * the log-archive bucket, in an earlier deploy wave.
 */
import { Construct } from 'constructs';
import type { ITerraformDependable, TerraformProvider } from 'cdktf';
import { S3BucketReplicationConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-replication-configuration';
import type { AwsRegion, Manifest, Workload } from '../../accounts/schema';
import type { PolicyStatement } from '../core/iam-document';
import { Naming, type WorkloadNaming } from '../core/naming';
import { ServiceRole } from '../access/service-role';

/** Where one regional archive replicates to: pure data, shared by the data plane and the alarms. */
export interface ReplicationRoute {
  readonly sourceRegion: AwsRegion;
  readonly sourceBucket: string;
  readonly destinations: readonly {
    /** The rule id: `replica-<region>` or `log-archive`. Stable, it names the alarm too. */
    readonly id: string;
    readonly bucketName: string;
    readonly region: AwsRegion;
    /** Set for the log-archive bucket (another account): replicas become that account's objects. */
    readonly account?: string;
  }[];
}

/** Every regional archive of `workload` → every other region's archive and the log archive. */
export function replicationRoutes(manifest: Manifest, workload: Workload): ReplicationRoute[] {
  const naming = new Naming(manifest);
  const n = naming.forWorkload(workload);
  const la = manifest.logArchive;
  return n.regions.map((source) => ({
    sourceRegion: source,
    sourceBucket: n.bucket('archive', source),
    destinations: [
      ...n.regions.filter((r) => r !== source).map((region) => ({ id: `replica-${region}`, bucketName: n.bucket('archive', region), region })),
      { id: 'log-archive', bucketName: naming.bucket('log-archive', la.accountId, la.region), region: la.region, account: la.accountId },
    ],
  }));
}

/** What the construct needs of each bucket taking part, by bucket name. */
export interface ReplicatedBucket {
  readonly bucketId: string;
  /** The key ARN that encrypts the bucket (and so its replicas). */
  readonly keyArn: string;
  /** The bucket's versioning resource, when it is in this stack. */
  readonly versioning?: ITerraformDependable;
  /** The provider of the bucket's region, when it is in this stack. */
  readonly provider?: TerraformProvider;
}

export interface ArchiveReplicationProps {
  readonly naming: WorkloadNaming;
  readonly routes: readonly ReplicationRoute[];
  /** Every bucket named by the routes: sources with their id, versioning and provider; destinations with their key ARN. */
  readonly buckets: ReadonlyMap<string, ReplicatedBucket>;
}

export class ArchiveReplication extends Construct {
  readonly role: ServiceRole;
  readonly configurations: ReadonlyMap<AwsRegion, S3BucketReplicationConfigurationA>;
  readonly routes: readonly ReplicationRoute[];

  constructor(scope: Construct, id: string, props: ArchiveReplicationProps) {
    super(scope, id);
    const n = props.naming;
    this.routes = props.routes;
    const bucket = (name: string): ReplicatedBucket => {
      const b = props.buckets.get(name);
      if (!b) throw new Error(`ArchiveReplication ${id}: no bucket ${name} was given; pass every source and destination in buckets`);
      return b;
    };
    for (const route of props.routes) {
      if (route.destinations.length === 0) throw new Error(`ArchiveReplication ${id}: ${route.sourceBucket} needs at least one destination`);
      if (new Set(route.destinations.map((d) => d.id)).size !== route.destinations.length) throw new Error(`ArchiveReplication ${id}: destination ids of ${route.sourceBucket} must be unique`);
    }
    const s3Arn = (name: string) => `arn:aws:s3:::${name}`;
    const sources = props.routes.map((r) => r.sourceBucket);

    this.role = new ServiceRole(this, 'role', {
      naming: n,
      roleName: n.role('replication'),
      description: 'S3 replication of the settlement archives',
      trust: { service: 's3.amazonaws.com', sourceArns: sources.map(s3Arn) },
      policyName: 'replicate-archive',
    });

    // One KMS statement per key and direction: each bound to its region's S3 and its bucket.
    const keyUse = (sid: string, actions: string[], keyArn: string, region: AwsRegion, bucketName: string): PolicyStatement => ({
      Sid: sid,
      Effect: 'Allow',
      Action: actions,
      Resource: keyArn,
      Condition: {
        StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [s3Arn(bucketName), `${s3Arn(bucketName)}/*`] },
      },
    });
    const sid = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');
    const destinations = new Map<string, ReplicationRoute['destinations'][number]>();
    for (const r of props.routes) for (const d of r.destinations) destinations.set(d.bucketName, d);
    this.role.addToPolicy(
      { Sid: 'ReadSourceConfiguration', Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: sources.map(s3Arn) },
      {
        Sid: 'ReadSourceVersions',
        Effect: 'Allow',
        Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
        Resource: sources.map((s) => `${s3Arn(s)}/*`),
      },
      ...props.routes.map((r) => keyUse(`DecryptSource${sid(r.sourceRegion)}`, ['kms:Decrypt'], bucket(r.sourceBucket).keyArn, r.sourceRegion, r.sourceBucket)),
      ...[...destinations.values()].flatMap((d) => [
        {
          Sid: `Replicate${sid(d.id)}`,
          Effect: 'Allow' as const,
          Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', ...(d.account ? ['s3:ObjectOwnerOverrideToBucketOwner'] : [])],
          Resource: `${s3Arn(d.bucketName)}/*`,
        },
        keyUse(`Encrypt${sid(d.id)}`, ['kms:Encrypt', 'kms:Decrypt'], bucket(d.bucketName).keyArn, d.region, d.bucketName),
      ]),
    );

    const configurations = new Map<AwsRegion, S3BucketReplicationConfigurationA>();
    for (const route of props.routes) {
      const source = bucket(route.sourceBucket);
      const waitFor = [source.versioning, ...route.destinations.map((d) => bucket(d.bucketName).versioning)].filter((x): x is ITerraformDependable => x !== undefined);
      configurations.set(
        route.sourceRegion,
        new S3BucketReplicationConfigurationA(this, `configuration-${route.sourceRegion}`, {
          provider: source.provider,
          bucket: source.bucketId,
          role: this.role.arn,
          dependsOn: [...waitFor, this.role.policy],
          rule: route.destinations.map((d, i) => ({
            id: d.id,
            priority: i + 1,
            status: 'Enabled',
            filter: { prefix: '' },
            deleteMarkerReplication: { status: 'Disabled' },
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
            destination: {
              bucket: s3Arn(d.bucketName),
              // Settlements are a few KB: Standard-IA bills every object as 128 KB, so replicas start
              // in Standard and the destination's lifecycle moves them on, as it does originals.
              storageClass: 'STANDARD',
              encryptionConfiguration: { replicaKmsKeyId: bucket(d.bucketName).keyArn },
              metrics: { status: 'Enabled', eventThreshold: { minutes: 15 } },
              replicationTime: { status: 'Enabled', time: { minutes: 15 } },
              ...(d.account ? { account: d.account, accessControlTranslation: { owner: 'Destination' } } : {}),
            },
          })),
        }),
      );
    }
    this.configurations = configurations;
  }
}
