/**
 * The access roles of one target account (F-14, F-19): the roles every stack's provider
 * assumes there (`AccountStack.accessRoles()`), and the boundary that caps the deploy role.
 *
 *   <project>-deploy  trusted only by the apply role of this account's deploy stage
 *                     (ci-apply-shared | ci-apply-nonprod | ci-apply-prod); deployPolicy, capped by the boundary
 *   <project>-plan    trusted only by the read-only CI roles (ci-plan, ci-preview, ci-drift); read-only
 *   <project>-audit   trusted only by the audit account (root + aws:PrincipalOrgID + external id); read-only
 *
 * Used by `bootstrap-<workload>` for workload accounts, by `deployment-<region>` for the
 * deployment account and by `log-archive-<region>` for the log-archive account. None of these
 * roles can be changed by a deploy (the boundary denies it): the stacks that own them are
 * applied with the organisation's account-access role (`access_role=bootstrap`, see README).
 */
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Guardrails } from '../guardrails';
import { parsePolicy } from '../core/terraform-json';
import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import type { Manifest } from '../../accounts/schema';
import { boundaryPolicy, deployPolicy, readOnlyPolicy } from './access-policies';
import type { PolicyDocument } from '../core/iam-document';
import { isWildcardAction } from '../guardrails/rules/iam-no-wildcards';
import { isTelemetryAction } from '../guardrails/telemetry-actions';
import { CrossAccountRole } from './cross-account-role';
import { ciApplyPurpose, deployStageOf, Naming } from '../core/naming';
import { PermissionsBoundary } from './permissions-boundary';

export interface AccessRolesProps {
  readonly manifest: Manifest;
  /** The account these roles live in. */
  readonly accountId: string;
  /** CI roles that must exist before the trust policies name them (deployment stack only). @default [] */
  readonly dependsOn?: ITerraformDependable[];
  /** @default 7200 — seconds a deploy session may last (long multi-stack applies) */
  readonly deploySessionSeconds?: number;
}

export class AccessRoles extends Construct {
  readonly boundary: PermissionsBoundary;
  readonly deploy: CrossAccountRole;
  readonly plan: CrossAccountRole;
  readonly audit: CrossAccountRole;

  constructor(scope: Construct, id: string, props: AccessRolesProps) {
    super(scope, id);
    const naming = new Naming(props.manifest);
    const org = props.manifest.organization.id;
    const account = props.accountId;
    const dependsOn = props.dependsOn ?? [];
    if (account === props.manifest.audit.accountId) throw new Error(`AccessRoles ${id}: the audit account ${account} is not a deploy target; it holds no access roles`);

    this.boundary = new PermissionsBoundary(this, 'boundary', { naming, accountId: account });
    this.deploy = new CrossAccountRole(this, 'deploy', {
      roleName: naming.accessRoleName('deploy'),
      description: 'Assumed by CI apply (deployment account) to deploy this account; capped by the permissions boundary.',
      trustedPrincipals: [naming.ciRoleArn(ciApplyPurpose(deployStageOf(props.manifest, account)))],
      organizationId: org,
      policies: { deploy: deployPolicy(naming, account) },
      permissionsBoundary: this.boundary,
      maxSessionDuration: props.deploySessionSeconds ?? 7200,
      dependsOn,
    });
    this.plan = new CrossAccountRole(this, 'plan', {
      roleName: naming.accessRoleName('plan'),
      description: 'Assumed by the read-only CI roles (pull requests, deploy preview, drift) to read this account; read-only.',
      trustedPrincipals: [naming.ciRoleArn('ci-plan'), naming.ciRoleArn('ci-preview'), naming.ciRoleArn('ci-drift')],
      organizationId: org,
      policies: { 'read-only': readOnlyPolicy(naming, account) },
      dependsOn,
    });
    const LIST_REASON = 'read-only list and describe calls that IAM authorises only on Resource "*" (no resource-level permissions); Terraform refresh needs them';
    this.audit = new CrossAccountRole(this, 'audit', {
      roleName: naming.accessRoleName('audit'),
      description: 'Assumed by the audit account to review this account; read-only.',
      trustedPrincipals: [naming.accountRootArn(props.manifest.audit.accountId)],
      organizationId: org,
      externalId: naming.auditExternalId(),
      policies: { 'read-only': readOnlyPolicy(naming, account) },
    });
    const readOnly = readOnlyPolicy(naming, account);
    for (const role of [this.plan, this.audit]) {
      Guardrails.suppress(role.node.findChild('read-only') as IamRolePolicy, 'iam-no-wildcards', LIST_REASON, { appliesTo: wildcardGrants(readOnly) });
    }
    const DEPLOY_REASON =
      "the deploy role is Terraform's identity: it manages every resource of the project's services, each statement scoped to this account's <project>-* resources, and the permissions boundary caps it (no IAM escalation, no edits to the access roles)";
    Guardrails.suppress(this.deploy.node.findChild('deploy') as IamRolePolicy, 'iam-no-wildcards', DEPLOY_REASON, { appliesTo: wildcardGrants(deployPolicy(naming, account)) });
    Guardrails.suppress(this.boundary.policy, 'iam-no-wildcards', DEPLOY_REASON, { appliesTo: wildcardGrants(boundaryPolicy(naming, account)) });
    const REGIONS_REASON =
      "the access roles serve every region of their one account (primary and replica regions come from the manifest); each ARN still names this account and the project's <project>-* resources, and API Gateway ARNs carry no account";
    // Only on the identity policies that name a resource in any region (not on the roles, whose trust the rule does not read), so no suppression goes unused.
    const anyRegion = (document: string) => {
      const parsed = parsePolicy(document);
      return parsed.ok && parsed.statements.some((st) => st.Effect === 'Allow' && /"arn:aws:[a-z0-9-]+:\*:/.test(JSON.stringify(st.Resource ?? '')));
    };
    const policies = [...[this.deploy, this.plan, this.audit].flatMap((r) => r.node.children.filter((c): c is IamRolePolicy => c instanceof IamRolePolicy)), this.boundary.policy];
    for (const policy of policies.filter((p) => anyRegion(p.policyInput ?? ''))) Guardrails.suppress(policy, 'iam-resource-account-region', REGIONS_REASON);
  }
}

/**
 * The services whose `Manage<Service>` statement grants `<service>:*`, each on this account's
 * `<project>-*` resources of that service only. Listed here, not read from the policy, so a
 * service-wide grant of another service is a finding for a reviewer, not silently suppressed.
 */
const MANAGED_SERVICES = ['s3', 'dynamodb', 'lambda', 'states', 'sns', 'sqs', 'kms', 'logs', 'events', 'cloudwatch', 'secretsmanager', 'apigateway'] as const;
/** Statements that hold only the calls IAM authorises on `Resource: "*"` alone (listing, key creation, log delivery). */
const RESOURCELESS_STATEMENTS = ['Resourceless', 'ReadResourceless', 'ReadOnlyCeiling'] as const;

/**
 * What the `iam-no-wildcards` suppressions of the access roles cover, as its findings name
 * them: `Manage<Service>/<service>:*` for the listed services (on their scoped resources),
 * and `<Sid>/<action> on *` for the named actions of the resource-less statements. Not
 * covered, so a finding: an `Action: "*"` or another service-wide action anywhere, `*` as the
 * resource of any other statement, a new statement with either.
 */
function wildcardGrants(doc: PolicyDocument): string[] {
  const out: string[] = [];
  for (const s of doc.Statement) {
    if (s.Effect !== 'Allow' || s.Sid === undefined) continue;
    const actions = typeof s.Action === 'string' ? [s.Action] : [...s.Action];
    const resources = s.Resource === undefined ? [] : typeof s.Resource === 'string' ? [s.Resource] : [...s.Resource];
    for (const service of MANAGED_SERVICES) {
      if (actions.length === 1 && actions[0] === `${service}:*` && s.Sid.startsWith('Manage') && !resources.includes('*')) out.push(`${s.Sid}/${service}:*`);
    }
    if ((RESOURCELESS_STATEMENTS as readonly string[]).includes(s.Sid) && resources.length === 1 && resources[0] === '*') {
      for (const a of actions) if (!isWildcardAction(a) && !isTelemetryAction(a)) out.push(`${s.Sid}/${a} on *`);
    }
  }
  return out;
}
