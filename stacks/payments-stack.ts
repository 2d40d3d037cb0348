/**
 * `payments-<workload>-<region>`: the payment workflow of one workload in one region, its
 * alarms and dashboard. The primary region's stack also owns the workload's replicated
 * data plane (F-20): key and replicas, global tables, every region's archive and the
 * replication; replica-region stacks deploy after it and find those by name and alias.
 */
import { Construct } from 'constructs';
import { DataAwsKmsAlias } from '@cdktf/provider-aws/lib/data-aws-kms-alias';
import type { Workload } from '../accounts/schema';
import { KeyRef } from '../modules/core/grants';
import { ArchiveBucketRef } from '../modules/data/archive-bucket';
import { TableRef } from '../modules/data/global-table';
import { AlarmTopic, WorkloadAlarms } from '../modules/observability';
import { replicationRoutes } from '../modules/data/archive-replication';
import { FUNCTION_PURPOSES, type FunctionPurpose } from '../modules/core/naming';
import { PaymentWorkflow, type WorkflowDataPlane } from '../modules/workflow/payment-workflow';
import { WorkloadDataPlane } from '../modules/data/workload-data-plane';
import { AccountStack, workloadOf, type AccountStackProps } from './account-stack';

export class PaymentsStack extends AccountStack {
  readonly workloadConfig: Workload;
  /** The replicated data plane; only in the primary region's stack. */
  readonly data?: WorkloadDataPlane;
  readonly workflow: PaymentWorkflow;
  readonly alarms: WorkloadAlarms;

  constructor(scope: Construct, props: AccountStackProps) {
    super(scope, props);
    const w = workloadOf(props.manifest, props.spec);
    this.workloadConfig = w;
    const wn = this.naming.forWorkload(w);
    const region = props.spec.region;

    let keyArn: string;
    if (props.spec.primary) {
      this.data = new WorkloadDataPlane(this, 'data', { manifest: props.manifest, workload: w, providerFor: (r) => this.providerFor(r) });
      keyArn = this.data.key.arnIn(region);
    } else {
      // The primary stack (an earlier wave) created this region's key replica and its alias.
      keyArn = new DataAwsKmsAlias(this, 'data-key', { name: wn.keyAlias('data') }).targetKeyArn;
    }
    const key = new KeyRef(keyArn);
    const dataPlane: WorkflowDataPlane = {
      paymentsTable: TableRef.inRegion(wn, 'payments', region, key),
      archiveBucket: ArchiveBucketRef.inRegion(wn, region, key),
      key,
    };
    this.workflow = new PaymentWorkflow(this, 'workflow', { naming: wn, workload: w, region, dataPlane });

    const topic = new AlarmTopic(this, 'alarm-topic', { naming: wn, region, key: { arn: keyArn }, emails: w.alertEmails });
    const functions = FUNCTION_PURPOSES.filter((p): p is FunctionPurpose => p in this.workflow.functions);
    this.alarms = new WorkloadAlarms(this, 'alarms', {
      naming: wn,
      region,
      topic,
      functions,
      asyncFunctions: this.workflow.asyncFunctions,
      stateMachine: this.workflow.stateMachine,
      apiStage: this.workflow.api.stage.stageName,
      tables: ['payments'],
      receivingRegions: wn.regions.filter((r) => r !== region),
      // S3 publishes replication metrics per rule of a source bucket, in the source's region:
      // each region's stack watches the rules of its own archive.
      replications: replicationRoutes(props.manifest, w)
        .filter((r) => r.sourceRegion === region)
        .flatMap((r) => r.destinations.map((d) => ({ name: d.id, sourceBucket: r.sourceBucket, destinationBucket: d.bucketName, ruleId: d.id }))),
      redriveTables: ['redrive'],
      deadLetterQueues: ['dlq'],
      eventRules: this.workflow.eventRules,
    });
  }
}
