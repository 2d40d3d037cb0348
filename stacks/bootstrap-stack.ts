/**
 * `bootstrap-<workload>`: the roles that deploys, plans and audits assume in a
 * workload account. IAM is global, so there is one per account.
 */
import { Construct } from 'constructs';
import type { Workload } from '../accounts/schema';
import { AccountStack, workloadOf, type AccountStackProps } from './account-stack';

export class BootstrapStack extends AccountStack {
  readonly workloadConfig: Workload;
  constructor(scope: Construct, props: AccountStackProps) {
    super(scope, props);
    this.workloadConfig = workloadOf(props.manifest, props.spec);
  }
}
