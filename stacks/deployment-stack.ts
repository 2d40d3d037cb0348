/**
 * `deployment-<region>`: the deployment account. Holds the Terraform state of every
 * stack and the identities CI uses to plan and apply, plus this account's own access
 * roles (it is a deploy target like any other).
 *
 * Adding a workload changes this stack only by the two CI grants that list every
 * target account's plan and deploy role.
 */
import { Construct } from 'constructs';
import { AccessRoles } from '../modules/access-roles';
import { GithubOidc } from '../modules/github-oidc';
import { StateBucket } from '../modules/state-bucket';
import { AccountStack, type AccountStackProps } from './account-stack';

export class DeploymentStack extends AccountStack {
  readonly state: StateBucket;
  readonly github: GithubOidc;
  readonly accessRolesHere: AccessRoles;

  constructor(scope: Construct, props: AccountStackProps) {
    super(scope, props);
    const targets = this.naming.targetAccountIds();
    this.state = new StateBucket(this, 'state', { manifest: this.manifest });
    this.github = new GithubOidc(this, 'github', { manifest: this.manifest });
    this.state.grantRead(this.github.plan);
    this.state.grantReadWrite(this.github.apply);
    this.github.plan.grantAssumeAccessRoles('plan', targets);
    this.github.apply.grantAssumeAccessRoles('deploy', targets);
    this.accessRolesHere = new AccessRoles(this, 'access-roles', {
      manifest: this.manifest,
      accountId: this.spec.accountId,
      dependsOn: [this.github.plan.role, this.github.apply.role],
    });
  }
}
