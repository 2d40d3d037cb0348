/**
 * `bootstrap-<workload>`: the roles that deploys, plans and audits assume in a
 * workload account (deploy, plan, audit and the deploy role's permissions boundary).
 * IAM is global, so there is one per account. Depends on `deployment-<region>`,
 * because the trust policies name the CI roles, which must exist first.
 *
 * A deploy cannot change these roles (the boundary denies it), so this stack is applied
 * with the organisation's account-access role: `access_role=bootstrap` (README,
 * "First bootstrap and rotation").
 */
import { Construct } from 'constructs';
import type { Workload } from '../accounts/schema';
import { AccessRoles } from '../modules/access/access-roles';
import { AccountStack, workloadOf, type AccountStackProps } from './account-stack';

export class BootstrapStack extends AccountStack {
  readonly workloadConfig: Workload;
  readonly roles: AccessRoles;
  constructor(scope: Construct, props: AccountStackProps) {
    super(scope, props);
    this.workloadConfig = workloadOf(props.manifest, props.spec);
    this.roles = new AccessRoles(this, 'access-roles', { manifest: this.manifest, accountId: this.spec.accountId });
  }
}
