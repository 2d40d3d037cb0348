/**
 * GitHub Actions' OIDC provider in the deployment account and the two CI roles that trust
 * it (F-14, F-19): no long-lived keys anywhere.
 *
 *   <project>-ci-plan   assumable by pull requests of `deployment.repository`
 *                       (sub `repo:<owner/repo>:pull_request`); may assume the plan role of
 *                       every target account, read state, write lock files.
 *   <project>-ci-apply  assumable only by workflows on the default branch
 *                       (sub `repo:<owner/repo>:ref:refs/heads/<branch>`); may assume the
 *                       deploy role of every target account, read and write state.
 *
 * Both trusts require `aud` = sts.amazonaws.com and the `repository` claim; ci-apply also the
 * `ref` claim of the default branch. The apply job must not declare a GitHub
 * `environment:` (that changes the token's `sub` to `repo:…:environment:<name>`).
 * The assume grants list every role ARN explicitly: adding a workload adds exactly its ARN.
 */
import { Construct } from 'constructs';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import type { Manifest } from '../accounts/schema';
import { policy } from './access-policies';
import { GITHUB_OIDC_HOST, Naming, type AccessRolePurpose, type CiRolePurpose } from './naming';

export const GITHUB_AUDIENCE = 'sts.amazonaws.com';

export interface GithubOidcProps {
  readonly manifest: Manifest;
  /** @default 3600 — seconds a CI session may last */
  readonly sessionSeconds?: number;
}

export interface CiRoleProps {
  readonly naming: Naming;
  readonly purpose: CiRolePurpose;
  readonly provider: IamOpenidConnectProvider;
  /** The exact OIDC `sub` allowed to assume the role. */
  readonly subject: string;
  /** `owner/repo`: also required as the `repository` claim. */
  readonly repository: string;
  /** When set, the `ref` claim must equal it (`refs/heads/<branch>`). @default any ref (pull requests) */
  readonly ref?: string;
  readonly sessionSeconds: number;
}

/** One CI role: trusted by one OIDC subject of one repository, with aud pinned. */
export class CiRole extends Construct {
  readonly role: IamRole;
  readonly arn: string;
  private readonly naming: Naming;

  constructor(scope: Construct, id: string, props: CiRoleProps) {
    super(scope, id);
    if (props.subject.includes('*') || props.subject.includes('?')) throw new Error(`CiRole ${id}: subject ${props.subject} must be exact (no wildcards)`);
    this.naming = props.naming;
    this.arn = props.naming.ciRoleArn(props.purpose);
    this.role = new IamRole(this, 'role', {
      name: props.naming.ciRoleName(props.purpose),
      description: `GitHub Actions (${props.subject}) via OIDC`,
      maxSessionDuration: props.sessionSeconds,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'GithubActions',
            Effect: 'Allow',
            Principal: { Federated: props.naming.githubOidcProviderArn() },
            Action: 'sts:AssumeRoleWithWebIdentity',
            // sub and aud are the canonical checks; repository and ref restate them with AWS's
            // GitHub-specific keys (defence in depth, and the keys the IAM simulator can evaluate).
            Condition: {
              StringEquals: {
                [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_AUDIENCE,
                [`${GITHUB_OIDC_HOST}:sub`]: props.subject,
                [`${GITHUB_OIDC_HOST}:repository`]: props.repository,
                ...(props.ref !== undefined ? { [`${GITHUB_OIDC_HOST}:ref`]: props.ref } : {}),
              },
            },
          },
        ],
      }),
      dependsOn: [props.provider],
    });
  }

  /** Lets this role assume the access role `purpose` in each of `accountIds`, listed one by one. */
  grantAssumeAccessRoles(purpose: AccessRolePurpose, accountIds: readonly string[]): IamRolePolicy {
    if (accountIds.length === 0) throw new Error(`CiRole ${this.node.id}: name at least one account`);
    return new IamRolePolicy(this, `assume-${purpose}`, {
      name: `assume-${purpose}-roles`,
      role: this.role.name,
      policy: JSON.stringify(policy({ Sid: `Assume${purpose}Roles`, Effect: 'Allow', Action: 'sts:AssumeRole', Resource: accountIds.map((a) => this.naming.accessRoleArn(purpose, a)) })),
    });
  }
}

export class GithubOidc extends Construct {
  readonly provider: IamOpenidConnectProvider;
  readonly plan: CiRole;
  readonly apply: CiRole;

  constructor(scope: Construct, id: string, props: GithubOidcProps) {
    super(scope, id);
    const naming = new Naming(props.manifest);
    const { repository, defaultBranch } = props.manifest.deployment;
    const sessionSeconds = props.sessionSeconds ?? 3600;
    if (sessionSeconds < 3600 || sessionSeconds > 43200) throw new Error(`GithubOidc ${id}: sessionSeconds must be 3600..43200`);
    // AWS validates GitHub's certificate itself; thumbprints are no longer needed for this issuer.
    this.provider = new IamOpenidConnectProvider(this, 'provider', { url: `https://${GITHUB_OIDC_HOST}`, clientIdList: [GITHUB_AUDIENCE] });
    this.plan = new CiRole(this, 'ci-plan', { naming, purpose: 'ci-plan', provider: this.provider, subject: `repo:${repository}:pull_request`, repository, sessionSeconds });
    this.apply = new CiRole(this, 'ci-apply', { naming, purpose: 'ci-apply', provider: this.provider, subject: `repo:${repository}:ref:refs/heads/${defaultBranch}`, repository, ref: `refs/heads/${defaultBranch}`, sessionSeconds });
  }
}
