import {
  arnParts,
  conditionValues,
  describeAccounts,
  inOrganisation,
  isExpression,
  organisationView,
  principalAccount,
  principalsOf,
  refersToStackResource,
  requiresOrgId,
  type OrganisationView,
} from '../organisation';
import { describeStatement, hasCondition, nonEmptyString, parsePolicy, policiesOf, POLICY_SITES, strings, type Statement } from '../tf';
import type { Rule, TfBlock, Violation } from '../types';

/**
 * Service principals AWS lets act without `aws:SourceAccount`/`aws:SourceArn`, each in one kind
 * of policy and for the listed actions only. Everywhere else a service principal must be scoped.
 * Adding an entry here is a security review: say why the service cannot be scoped and what
 * else keeps it to this organisation.
 */
export const UNSCOPED_SERVICE_PRINCIPALS: readonly { service: string; kind: 'trust' | 'key'; actions: readonly string[]; why: string }[] = [
  {
    service: 'lambda.amazonaws.com',
    kind: 'trust',
    actions: ['sts:AssumeRole'],
    why: "Lambda uses an execution role only for a function of the role's own account (iam:PassRole cannot hand a role to another account), so no other account can have Lambda act with it; ServiceRole (modules/access/service-role.ts) explains why it adds no source condition",
  },
  {
    service: 'apigateway.amazonaws.com',
    kind: 'trust',
    actions: ['sts:AssumeRole'],
    why: "API Gateway uses its CloudWatch logging role for the account whose aws_api_gateway_account names it, which only the role's own account can set",
  },
  {
    service: 'cloudwatch.amazonaws.com',
    kind: 'key',
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    why: 'the statement AWS documents for alarms on encrypted topics (modules/observability/alarm-topic.ts); who may publish is decided by the topic policy, which this rule checks for aws:SourceAccount and aws:SourceArn',
  },
];

/** API policies accept the API clients the manifest names, which may sit outside the organisation's accounts. */
const API_POLICY_TYPES = ['aws_api_gateway_rest_api_policy', 'aws_api_gateway_rest_api'];

/**
 * Why a statement's source conditions do not scope a service principal to the organisation;
 * undefined when they do. `scopes` names what could scope it, for the message.
 */
function sourceProblem(s: Statement, service: string, org: OrganisationView, scopes = 'aws:SourceAccount or aws:SourceArn condition'): string | undefined {
  const problems: string[] = [];
  let scoped = false;
  const accounts = conditionValues(s.Condition, 'aws:SourceAccount');
  if (accounts) {
    const outside = accounts.filter((a) => !inOrganisation(a, org));
    if (outside.length > 0) problems.push(`aws:SourceAccount ${outside.join(', ')} is not an account of ${org.source}`);
    else if (accounts.length > 0) scoped = true;
  }
  const arns = conditionValues(s.Condition, 'aws:SourceArn');
  if (arns) {
    const outside = arns.filter((a) => {
      if (isExpression(a)) return !refersToStackResource(a);
      const account = arnParts(a)?.account;
      return account === undefined || (account !== '' && !inOrganisation(account, org));
    });
    if (outside.length > 0) problems.push(`aws:SourceArn ${outside.join(', ')} is not a resource of ${org.source}`);
    // An ARN without an account (an S3 bucket) can be anyone's: it scopes only together with aws:SourceAccount.
    else if (arns.length > 0 && arns.every((a) => isExpression(a) || arnParts(a)?.account !== '')) scoped = true;
  }
  const orgIds = conditionValues(s.Condition, 'aws:SourceOrgID');
  if (orgIds) {
    if (requiresOrgId(s.Condition, org, 'aws:SourceOrgID')) scoped = true;
    else problems.push(`aws:SourceOrgID ${orgIds.join(', ')} is not ${org.id ?? 'an organisation id'}`);
  }
  // CloudWatch Logs encrypts a log group under an encryption context naming it: AWS's documented scoping for logs.<region>.
  const logGroups = /^logs\.[a-z0-9-]+\.amazonaws\.com$/.test(service) ? conditionValues(s.Condition, 'kms:EncryptionContext:aws:logs:arn') : undefined;
  if (logGroups) {
    const outside = logGroups.filter((a) => !inOrganisation(arnParts(a)?.account ?? '', org));
    if (outside.length > 0) problems.push(`kms:EncryptionContext:aws:logs:arn ${outside.join(', ')} is not a log group of ${org.source}`);
    else if (logGroups.length > 0) scoped = true;
  }
  if (problems.length > 0) return problems.join('; ');
  return scoped ? undefined : `no ${scopes} scopes it to the organisation (any account could have the service act for it)`;
}

function isExempt(service: string, kind: string, s: Statement): boolean {
  const actions = strings(s.Action);
  return UNSCOPED_SERVICE_PRINCIPALS.some((e) => e.service === service && e.kind === kind && actions.length > 0 && actions.every((a) => e.actions.includes(a)));
}

/** `*` counts as this organisation when a condition confines it to the organisation's principals. */
function anyPrincipalConfined(s: Statement, org: OrganisationView): boolean {
  if (requiresOrgId(s.Condition, org)) return true;
  const confinedBy = (key: string, ours: (v: string) => boolean) => {
    const values = conditionValues(s.Condition, key);
    return values !== undefined && values.length > 0 && values.every(ours);
  };
  const ourAccount = (v: string) => inOrganisation(v, org);
  const ourArn = (v: string) => (isExpression(v) ? refersToStackResource(v) : inOrganisation(principalAccount(v) ?? arnParts(v)?.account ?? '', org));
  // aws:SourceAccount / aws:SourceArn exist only when a service acts for a resource: `*` with them means that service, for that account.
  return (
    confinedBy('aws:PrincipalAccount', ourAccount) ||
    confinedBy('kms:CallerAccount', ourAccount) ||
    confinedBy('aws:PrincipalArn', ourArn) ||
    confinedBy('aws:SourceAccount', ourAccount) ||
    confinedBy('aws:SourceArn', ourArn)
  );
}

function awsPrincipalProblem(p: string, b: TfBlock, org: OrganisationView): string | undefined {
  if (isExpression(p)) return refersToStackResource(p) ? undefined : `AWS principal ${p} is an expression guardrails cannot resolve to an account`;
  const account = principalAccount(p);
  if (account === undefined) return `AWS principal ${p} names no account`;
  if (inOrganisation(account, org)) return undefined;
  if (API_POLICY_TYPES.includes(b.type) && (org.apiClientPrincipals.has(p) || org.apiClientPrincipals.has(account))) return undefined;
  return `AWS principal ${p} is in account ${account}, which is not an account of ${org.source}`;
}

function statementProblems(s: Statement, kind: string, b: TfBlock, org: OrganisationView): string[] {
  const out: string[] = [];
  for (const [type, value] of principalsOf(s.Principal)) {
    if (type === 'AWS' && value === '*') {
      // `*` with no condition at all is resource-policy-open-principal's finding.
      if (hasCondition(s) && !anyPrincipalConfined(s, org))
        out.push('any principal (*), and no aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn or aws:SourceAccount condition confines it to the organisation');
    } else if (type === 'AWS') {
      const problem = awsPrincipalProblem(value, b, org);
      if (problem) out.push(problem);
    } else if (type === 'Service') {
      if (isExempt(value, kind, s)) continue;
      const problem = sourceProblem(s, value, org);
      if (problem) out.push(`service principal ${value}: ${problem}`);
    } else if (type === 'Federated') {
      const parts = arnParts(value);
      if (!parts || parts.service !== 'iam' || !inOrganisation(parts.account, org)) out.push(`federated principal ${value} is not an identity provider of ${org.source}`);
    } else {
      out.push(`${type} principal ${value} is not an account, role or scoped service of the organisation`);
    }
  }
  return out;
}

function lambdaPermissionProblem(b: TfBlock, org: OrganisationView): string | undefined {
  const principal = b.config.principal;
  if (typeof principal !== 'string') return undefined;
  if (nonEmptyString(b.config.principal_org_id)) {
    return requiresOrgId({ StringEquals: { 'aws:PrincipalOrgID': b.config.principal_org_id } }, org)
      ? undefined
      : `principal_org_id ${String(b.config.principal_org_id)} is not ${org.id ?? 'an organisation id'}`;
  }
  if (principal === '*' || principal.endsWith('.amazonaws.com')) {
    const condition = {
      StringEquals: nonEmptyString(b.config.source_account) ? { 'aws:SourceAccount': b.config.source_account } : {},
      ArnLike: nonEmptyString(b.config.source_arn) ? { 'aws:SourceArn': b.config.source_arn } : {},
    };
    // `*` without any source is resource-policy-open-principal's finding.
    if (principal === '*' && !nonEmptyString(b.config.source_account) && !nonEmptyString(b.config.source_arn)) return undefined;
    const problem = sourceProblem({ Condition: condition }, principal, org, 'source_account, source_arn or principal_org_id');
    return problem === undefined ? undefined : `${principal}: ${problem}`;
  }
  return awsPrincipalProblem(principal, b, org);
}

/**
 * F-14: every principal a trust, key or resource policy (bucket, topic, queue, API, secret,
 * table, log delivery) allows, and every Lambda permission, is of this organisation: an
 * account or role of an account the manifest lists, an identity provider in one, `*` confined
 * by aws:PrincipalOrgID, or a service principal scoped by aws:SourceAccount / aws:SourceArn to
 * the organisation's accounts (the few services AWS does not scope are listed, with why, in
 * `UNSCOPED_SERVICE_PRINCIPALS`). Deny statements may name anyone: they only narrow.
 */
export const principalInOrganisation: Rule = {
  id: 'principal-in-organisation',
  description: 'Trust, key and resource policies (and Lambda permissions) allow only principals of the organisation, and service principals only when scoped to it',
  failures: ['F-14'],
  appliesTo: [...new Set(POLICY_SITES.filter((s) => s.kind !== 'identity').map((s) => s.type)), 'aws_lambda_permission'],
  fix: 'name a role or account from the manifest (accounts/), or scope the service principal with aws:SourceAccount = <this account> and aws:SourceArn = <the resource acting>; a principal outside the organisation needs Guardrails.suppress with the reason',
  check(b, stack) {
    const org = organisationView(stack);
    if (b.type === 'aws_lambda_permission') {
      const problem = lambdaPermissionProblem(b, org);
      return problem ? [{ message: `Lambda permission: ${problem}` }] : [];
    }
    const out: Violation[] = [];
    for (const policy of policiesOf(b)) {
      if (policy.kind === 'identity') continue;
      const parsed = parsePolicy(policy.value);
      if (!parsed.ok) continue; // unparseable policies are iam-no-wildcards' and resource-policy-open-principal's finding
      parsed.statements.forEach((s, i) => {
        if (s.Effect !== 'Allow') return;
        for (const problem of statementProblems(s, policy.kind, b, org)) out.push({ message: `${policy.where} ${describeStatement(s, i)}: ${problem}` });
      });
    }
    if (out.length > 0 && org.accounts.size > 0) return out.map((v) => ({ ...v, fix: `${principalInOrganisation.fix} (accounts of ${describeAccounts(org)})` }));
    return out;
  },
};
