/**
 * `deployment-<region>`: the deployment account. Holds the Terraform state of every
 * stack and the identities CI uses to plan and apply.
 */
import { Construct } from 'constructs';
import { AccountStack, type AccountStackProps } from './account-stack';

export class DeploymentStack extends AccountStack {
  constructor(scope: Construct, props: AccountStackProps) {
    super(scope, props);
  }
}
