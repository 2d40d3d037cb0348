/**
 * A workload's data plane, owned by its primary-region payments stack (F-20): the data
 * key and its replicas, the payments global table, the settlement
 * archive of every region of the workload, and replication of every regional archive to
 * the other regions and to the log-archive account. Replica-region stacks find these by
 * name (tables, buckets) and by alias (key); they are deployed after this one.
 *
 * Payments table: partition key `paymentId` (S) serves the workflow and
 * `GET /payments/{paymentId}`; no secondary index is needed (item schema in
 * contract/records.ts; the velocity items expire through TTL on `expiresAt`).
 * Idempotency lives in the payments table itself (one record per client and key, see
 * lambdas/submit): there is no separate idempotency table.
 */
import { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktf';
import type { AwsRegion, Manifest, Workload } from '../../accounts/schema';
import { ArchiveBucket } from './archive-bucket';
import { ArchiveReplication, replicationRoutes, type ReplicatedBucket } from './archive-replication';
import { DataKey } from './data-key';
import { GlobalTable } from './global-table';
import { logArchiveKeyArn } from './log-archive';
import { Naming, type WorkloadNaming } from '../core/naming';

export interface WorkloadDataPlaneProps {
  readonly manifest: Manifest;
  readonly workload: Workload;
  readonly providerFor: (region: AwsRegion) => TerraformProvider;
}

export class WorkloadDataPlane extends Construct {
  readonly key: DataKey;
  readonly paymentsTable: GlobalTable;
  readonly archives: ReadonlyMap<AwsRegion, ArchiveBucket>;
  readonly replication: ArchiveReplication;
  readonly naming: WorkloadNaming;

  constructor(scope: Construct, id: string, props: WorkloadDataPlaneProps) {
    super(scope, id);
    const { manifest: m, workload: w } = props;
    const naming = new Naming(m);
    const n = naming.forWorkload(w);
    this.naming = n;
    const prod = w.environment === 'prod';

    this.key = new DataKey(this, 'key', { naming: n, providerFor: props.providerFor });
    const keyArnIn = (region: AwsRegion) => this.key.arnIn(region);
    const tableProps = { primaryRegion: w.primaryRegion, replicaRegions: w.replicaRegions, keyArnIn, deletionProtection: prod, provider: props.providerFor(w.primaryRegion) };
    this.paymentsTable = new GlobalTable(this, 'payments-table', { ...tableProps, name: n.table('payments'), partitionKey: 'paymentId', ttlAttribute: 'expiresAt' });

    const archives = new Map<AwsRegion, ArchiveBucket>();
    for (const region of n.regions) {
      archives.set(
        region,
        new ArchiveBucket(this, `archive-${region}`, {
          provider: props.providerFor(region),
          bucketName: n.bucket('archive', region),
          logBucketName: n.bucket('access-logs', region),
          keyArn: keyArnIn(region),
          accountId: w.accountId,
          retentionDays: w.archiveRetentionDays,
        }),
      );
    }
    this.archives = archives;

    // Every regional archive replicates to the others and to the log archive (archive-replication.ts).
    const la = m.logArchive;
    const buckets = new Map<string, ReplicatedBucket>();
    for (const [region, archive] of archives) {
      buckets.set(archive.name, { bucketId: archive.bucket.id, keyArn: archive.keyArn, versioning: archive.versioning, provider: props.providerFor(region) });
    }
    buckets.set(naming.bucket('log-archive', la.accountId, la.region), { bucketId: naming.bucket('log-archive', la.accountId, la.region), keyArn: logArchiveKeyArn(this, m) });
    this.replication = new ArchiveReplication(this, 'replication', { naming: n, routes: replicationRoutes(m, w), buckets });
  }
}
