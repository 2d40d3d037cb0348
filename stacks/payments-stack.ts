/**
 * `payments-<workload>-<region>`: the payment workflow of one workload in one region.
 * The primary region's stack also owns the workload's replicated data plane (F-20).
 */
import { Construct } from 'constructs';
import type { Workload } from '../accounts/schema';
import { AccountStack, workloadOf, type AccountStackProps } from './account-stack';

export class PaymentsStack extends AccountStack {
  readonly workloadConfig: Workload;
  constructor(scope: Construct, props: AccountStackProps) {
    super(scope, props);
    this.workloadConfig = workloadOf(props.manifest, props.spec);
  }
}
