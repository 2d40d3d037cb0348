/**
 * `deployment-<region>`: the deployment account. Holds the Terraform state of every
 * stack and the identities CI uses to plan and apply, plus this account's own access
 * roles (it is a deploy target like any other).
 *
 * The read-only CI roles may assume every target account's plan role; each stage's apply
 * role only the deploy roles of that stage's accounts (modules/access/github-oidc.ts says why).
 * Adding a workload changes this stack only by the grants that list its account's roles.
 */
import { Construct } from 'constructs';
import { AccessRoles } from '../modules/access/access-roles';
import { GithubOidc } from '../modules/access/github-oidc';
import { DEPLOY_STAGES, deployStageOf } from '../modules/core/naming';
import { StateBucket } from '../modules/data/state-bucket';
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
    for (const reader of this.github.readers) {
      this.state.grantRead(reader);
      reader.grantAssumeAccessRoles('plan', targets);
    }
    for (const stage of DEPLOY_STAGES) {
      const apply = this.github.apply[stage];
      this.state.grantReadWrite(apply);
      const accounts = targets.filter((a) => deployStageOf(this.manifest, a) === stage);
      // A stage without accounts (an organisation with no prod workload yet) gets no assume grant at all.
      if (accounts.length > 0) apply.grantAssumeAccessRoles('deploy', accounts);
    }
    this.accessRolesHere = new AccessRoles(this, 'access-roles', {
      manifest: this.manifest,
      accountId: this.spec.accountId,
      dependsOn: this.github.roles.map((r) => r.role),
    });
  }
}
