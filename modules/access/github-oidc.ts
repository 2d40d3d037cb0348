/**
 * GitHub Actions' OIDC provider in the deployment account and the CI roles that trust it:
 * no long-lived keys anywhere. Each role trusts exactly one kind of job, named by the claims
 * GitHub puts in the job's token:
 *
 *   <project>-ci-plan           pull requests (sub `repo:<owner/repo>:pull_request`): read-only
 *                               plans of the changed stacks. Not pinned to a workflow file: a pull
 *                               request can edit its own workflow, so the pin would add nothing.
 *   <project>-ci-preview        the deploy workflow's preview job on the default branch (sub
 *                               `repo:<owner/repo>:ref:refs/heads/<branch>`, that job declares no
 *                               environment) pinned to deploy.yml by `job_workflow_ref`: read-only
 *                               plans of every stack before any stage is approved.
 *   <project>-ci-drift          the scheduled drift check: same sub (a schedule runs on the default
 *                               branch), pinned to drift.yml by `job_workflow_ref`: read-only.
 *   <project>-ci-apply-<stage>  one per deploy stage (shared, nonprod, prod): the deploy job of that
 *                               stage, which declares the stage's GitHub environment, so its token
 *                               carries sub `repo:<owner/repo>:environment:<environment>`; pinned
 *                               also to the default branch (`ref`) and to deploy.yml.
 *
 * Why one apply role per stage: a GitHub environment is the only thing a job's token can prove
 * about its approval (required reviewers, deployment-branch rules restricting it to the
 * default branch), and it shows in `sub`. With one role per environment, each allowed to assume
 * only the deploy roles of its own stage's accounts (and each account's deploy role trusting only
 * its stage's apply role), a nonprod job can never touch a prod account, and the prod role is
 * only reachable from a job that passed the production approval.
 *
 * What STS can check: the trust conditions use `sub` and `aud` and, of the GitHub-specific keys
 * AWS STS accepts in a trust policy (repository, ref, environment, job_workflow_ref, workflow,
 * actor, repository_id, …), `repository`, `ref`, `environment` and `job_workflow_ref`. The
 * `event_name` claim is not among them, so the event is pinned through `sub` (pull requests)
 * and the workflow file (schedule vs push, both on the default branch).
 * The assume grants list every role ARN explicitly: adding a workload adds exactly its ARN.
 */
import { Construct } from 'constructs';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import type { Manifest } from '../../accounts/schema';
import { policy } from '../core/iam-document';
import { ciApplyPurpose, DEPLOY_STAGES, GITHUB_OIDC_HOST, Naming, type AccessRolePurpose, type CiRolePurpose, type DeployStage } from '../core/naming';
import { jsonText } from '../core/json-text';

export const GITHUB_AUDIENCE = 'sts.amazonaws.com';

/** The workflow files the CI roles are pinned to (`.github/workflows/<file>`). */
export const CI_WORKFLOWS = { pullRequest: 'pull-request.yml', deploy: 'deploy.yml', drift: 'drift.yml' } as const;

/** The GitHub environment each deploy stage's job declares (create them with a deployment-branch rule: the default branch only). */
export const STAGE_ENVIRONMENTS: Record<DeployStage, string> = { shared: 'shared-infrastructure', nonprod: 'nonprod', prod: 'production' };

/** The claims a CI role pins (every one must match exactly). */
export interface CiTrust {
  /** The exact OIDC `sub`. */
  readonly subject: string;
  /** `owner/repo`: the `repository` claim. */
  readonly repository: string;
  /** The `ref` claim (`refs/heads/<branch>`). @default any ref (pull requests) */
  readonly ref?: string;
  /** The `environment` claim. @default not checked */
  readonly environment?: string;
  /** The `job_workflow_ref` claim: `<owner/repo>/.github/workflows/<file>@<ref>`. @default not checked */
  readonly jobWorkflowRef?: string;
}

/** The trust of every CI role, by purpose: the one place the expected claims are written down. */
export function ciTrusts(manifest: Manifest): Record<CiRolePurpose, CiTrust> {
  const { repository, defaultBranch } = manifest.deployment;
  const ref = `refs/heads/${defaultBranch}`;
  const workflow = (file: string) => `${repository}/.github/workflows/${file}@${ref}`;
  const onDefaultBranch = { subject: `repo:${repository}:ref:${ref}`, repository, ref };
  const apply = (stage: DeployStage): CiTrust => ({
    subject: `repo:${repository}:environment:${STAGE_ENVIRONMENTS[stage]}`,
    repository,
    ref,
    environment: STAGE_ENVIRONMENTS[stage],
    jobWorkflowRef: workflow(CI_WORKFLOWS.deploy),
  });
  return {
    'ci-plan': { subject: `repo:${repository}:pull_request`, repository },
    'ci-preview': { ...onDefaultBranch, jobWorkflowRef: workflow(CI_WORKFLOWS.deploy) },
    'ci-drift': { ...onDefaultBranch, jobWorkflowRef: workflow(CI_WORKFLOWS.drift) },
    'ci-apply-shared': apply('shared'),
    'ci-apply-nonprod': apply('nonprod'),
    'ci-apply-prod': apply('prod'),
  };
}

/** The trust policy's StringEquals block for `trust` (exact values only: no StringLike anywhere). */
export function ciTrustConditions(trust: CiTrust): Record<string, string> {
  const h = GITHUB_OIDC_HOST;
  return {
    [`${h}:aud`]: GITHUB_AUDIENCE,
    [`${h}:sub`]: trust.subject,
    [`${h}:repository`]: trust.repository,
    ...(trust.ref !== undefined ? { [`${h}:ref`]: trust.ref } : {}),
    ...(trust.environment !== undefined ? { [`${h}:environment`]: trust.environment } : {}),
    ...(trust.jobWorkflowRef !== undefined ? { [`${h}:job_workflow_ref`]: trust.jobWorkflowRef } : {}),
  };
}

export interface GithubOidcProps {
  readonly manifest: Manifest;
  /** @default 3600 — seconds a pull request's plan session may last (one stack per job) */
  readonly sessionSeconds?: number;
  /**
   * @default 14400 — seconds the session of a job that goes through every stack may last: the
   * apply roles' and the preview's and drift's. A stage job plans and applies wave after wave
   * (a global-table replica alone takes many minutes), and preview and drift plan every stack
   * with state one after another; Terraform assumes each account's role, and the S3 backend
   * reads and writes state, with the job's own credentials, so they must outlast the job. The
   * workflows ask for this duration (`role-duration-seconds`).
   */
  readonly longSessionSeconds?: number;
}

export interface CiRoleProps {
  readonly naming: Naming;
  readonly purpose: CiRolePurpose;
  readonly provider: IamOpenidConnectProvider;
  readonly trust: CiTrust;
  readonly sessionSeconds: number;
}

/** One CI role: trusted by one kind of job of one repository, every claim exact, aud pinned. */
export class CiRole extends Construct {
  readonly role: IamRole;
  readonly arn: string;
  readonly purpose: CiRolePurpose;
  private readonly naming: Naming;

  constructor(scope: Construct, id: string, props: CiRoleProps) {
    super(scope, id);
    const conditions = ciTrustConditions(props.trust);
    for (const [k, v] of Object.entries(conditions)) if (v.includes('*') || v.includes('?')) throw new Error(`CiRole ${id}: ${k} ${v} must be exact (no wildcards)`);
    this.naming = props.naming;
    this.purpose = props.purpose;
    this.arn = props.naming.ciRoleArn(props.purpose);
    this.role = new IamRole(this, 'role', {
      name: props.naming.ciRoleName(props.purpose),
      description: `GitHub Actions (${props.trust.subject}${props.trust.jobWorkflowRef ? `, ${props.trust.jobWorkflowRef}` : ''}) via OIDC`,
      maxSessionDuration: props.sessionSeconds,
      assumeRolePolicy: jsonText({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'GithubActions',
            Effect: 'Allow',
            Principal: { Federated: props.naming.githubOidcProviderArn() },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: { StringEquals: conditions },
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
      policy: jsonText(policy({ Sid: `Assume${purpose}Roles`, Effect: 'Allow', Action: 'sts:AssumeRole', Resource: accountIds.map((a) => this.naming.accessRoleArn(purpose, a)) })),
    });
  }
}

export class GithubOidc extends Construct {
  readonly provider: IamOpenidConnectProvider;
  /** Read-only roles: pull requests, the deploy preview, the drift check. */
  readonly plan: CiRole;
  readonly preview: CiRole;
  readonly drift: CiRole;
  /** One apply role per stage. */
  readonly apply: Record<DeployStage, CiRole>;

  constructor(scope: Construct, id: string, props: GithubOidcProps) {
    super(scope, id);
    const naming = new Naming(props.manifest);
    const sessionSeconds = props.sessionSeconds ?? 3600;
    const longSessionSeconds = props.longSessionSeconds ?? 14_400;
    for (const [name, value] of [
      ['sessionSeconds', sessionSeconds],
      ['longSessionSeconds', longSessionSeconds],
    ] as const) {
      if (value < 3600 || value > 43200) throw new Error(`GithubOidc ${id}: ${name} must be 3600..43200`);
    }
    // AWS validates GitHub's certificate itself; thumbprints are no longer needed for this issuer.
    this.provider = new IamOpenidConnectProvider(this, 'provider', { url: `https://${GITHUB_OIDC_HOST}`, clientIdList: [GITHUB_AUDIENCE] });
    const trusts = ciTrusts(props.manifest);
    const role = (purpose: CiRolePurpose, seconds = sessionSeconds) => new CiRole(this, purpose, { naming, purpose, provider: this.provider, trust: trusts[purpose], sessionSeconds: seconds });
    this.plan = role('ci-plan');
    this.preview = role('ci-preview', longSessionSeconds);
    this.drift = role('ci-drift', longSessionSeconds);
    this.apply = Object.fromEntries(DEPLOY_STAGES.map((s) => [s, role(ciApplyPurpose(s), longSessionSeconds)])) as Record<DeployStage, CiRole>;
  }

  /** The read-only roles, which plan with each account's plan role. */
  get readers(): CiRole[] {
    return [this.plan, this.preview, this.drift];
  }

  /** Every CI role. */
  get roles(): CiRole[] {
    return [...this.readers, ...DEPLOY_STAGES.map((s) => this.apply[s])];
  }
}
