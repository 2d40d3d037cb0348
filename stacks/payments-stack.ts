/**
 * `payments-<workload>-<region>`: the payment workflow of one workload in one region.
 * The primary region's stack also owns the workload's replicated data plane (F-20).
 */
import { Construct } from 'constructs';
import { DataAwsKmsAlias } from '@cdktf/provider-aws/lib/data-aws-kms-alias';
import type { Workload } from '../accounts/schema';
import { PaymentWorkflow, type WorkflowDataPlane } from '../modules/payment-workflow';
import { AccountStack, workloadOf, type AccountStackProps } from './account-stack';

export class PaymentsStack extends AccountStack {
  readonly workloadConfig: Workload;
  readonly workflow: PaymentWorkflow;
  constructor(scope: Construct, props: AccountStackProps) {
    super(scope, props);
    this.workloadConfig = workloadOf(props.manifest, props.spec);
    const wn = this.naming.forWorkload(this.workloadConfig);
    const region = props.spec.region;

    // INTERIM data plane (issue 3 replaces these lines with its constructs): names and
    // ARNs derived from the naming module; the key ARN looked up through its alias.
    const dataKey = new DataAwsKmsAlias(this, 'data-key', { name: wn.keyAlias('data') });
    const dataPlane: WorkflowDataPlane = {
      paymentsTable: { name: wn.table('payments'), arn: wn.tableArn('payments', region) },
      archiveBucket: { name: wn.bucket('archive', region), arn: wn.bucketArn('archive', region) },
      key: { arn: dataKey.targetKeyArn },
    };
    this.workflow = new PaymentWorkflow(this, 'workflow', { naming: wn, workload: this.workloadConfig, region, dataPlane });
  }
}
