/**
 * The organisation the organisation-aware rules check against, and the helpers they share
 * to read accounts out of principals, ARNs and conditions.
 *
 * `organisationOf(manifest)` is what the synth and `npm run guardrails` pass to the check.
 * A caller that passes none (a unit test checking one stack) gets the fail-safe view: the
 * organisation is only the accounts this stack's AWS providers are pinned to, and its id is
 * unknown (any `o-…` id is accepted where one is required).
 */
import { apiClientsOf, type Manifest } from '../../accounts/schema';
import { isObject, strings } from './tf';
import type { Organisation, StackView } from './types';

export function organisationOf(manifest: Manifest): Organisation {
  const accountIds = [manifest.organization.managementAccountId, manifest.deployment.accountId, manifest.logArchive.accountId, manifest.audit.accountId, ...manifest.workloads.map((w) => w.accountId)];
  const apiClientPrincipals = manifest.workloads.flatMap((w) => apiClientsOf(w).flatMap((c) => c.principals));
  return { id: manifest.organization.id, accountIds: [...new Set(accountIds)], apiClientPrincipals: [...new Set(apiClientPrincipals)] };
}

/** What a rule knows about the organisation while checking one stack. */
export interface OrganisationView {
  /** The organisation id, or undefined when the check was given no organisation. */
  readonly id: string | undefined;
  readonly accounts: ReadonlySet<string>;
  readonly apiClientPrincipals: ReadonlySet<string>;
  /** Where the accounts come from, for messages. */
  readonly source: string;
}

export function organisationView(stack: StackView): OrganisationView {
  const org = stack.organisation;
  if (org) return { id: org.id, accounts: new Set(org.accountIds), apiClientPrincipals: new Set(org.apiClientPrincipals), source: `organisation ${org.id}` };
  const pinned = (stack.tf.provider?.aws ?? []).flatMap((p) => strings(p.allowed_account_ids));
  return { id: undefined, accounts: new Set(pinned), apiClientPrincipals: new Set(), source: "this stack's pinned accounts (no organisation given)" };
}

/** Whether a value holds a Terraform expression (`${…}`): resolved by Terraform, not known at synth. */
export const isExpression = (v: string): boolean => v.includes('${');

/**
 * Whether an expression only refers to resources or data sources of the stack (`${aws_kms_key.k.arn}`),
 * whose account is the stack's own pinned one. Variables, locals and anything else can be any account.
 */
export function refersToStackResource(v: string): boolean {
  const refs = [...v.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]!.trim());
  return refs.length > 0 && refs.every((r) => /^(data\.)?aws_[a-z0-9_]+\.[A-Za-z0-9_-]+\.[a-z_]+$/.test(r));
}

/**
 * The account an ARN names (`arn:<partition>:<service>:<region>:<account>:…`), '' for ARNs
 * without one (S3 buckets), undefined when it is not an ARN.
 */
export function arnParts(v: string): { service: string; region: string; account: string } | undefined {
  const m = /^arn:[a-z-]+:([^:]*):([^:]*):([^:]*):/.exec(v);
  return m ? { service: m[1]!, region: m[2]!, account: m[3]! } : undefined;
}

/** The account of an AWS principal: a 12-digit id or an IAM/STS ARN. undefined when it names no account. */
export function principalAccount(p: string): string | undefined {
  if (/^\d{12}$/.test(p)) return p;
  const parts = arnParts(p);
  return parts && (parts.service === 'iam' || parts.service === 'sts') ? parts.account : undefined;
}

/** A principal element as [kind, value] pairs: `"*"` is ["AWS", "*"]. */
export function principalsOf(principal: unknown): [kind: string, value: string][] {
  if (principal === '*') return [['AWS', '*']];
  if (!isObject(principal)) return [];
  return Object.entries(principal).flatMap(([kind, v]) => strings(v).map((s): [string, string] => [kind, s]));
}

/**
 * Condition operators that narrow who may act: the positive string and ARN comparisons. Negated
 * operators do not narrow, and `…IfExists` passes when the key is absent, so neither counts.
 */
const NARROWING = /^(ForAnyValue:|ForAllValues:)?(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike)$/;

/** Every value a statement's narrowing conditions require for `key` (case-insensitive key). undefined when none does. */
export function conditionValues(condition: unknown, key: string): string[] | undefined {
  if (!isObject(condition)) return undefined;
  let found: string[] | undefined;
  for (const [operator, block] of Object.entries(condition)) {
    if (!NARROWING.test(operator) || !isObject(block)) continue;
    for (const [k, v] of Object.entries(block)) {
      if (k.toLowerCase() === key.toLowerCase()) found = [...(found ?? []), ...strings(v)];
    }
  }
  return found;
}

/** Whether an account id is one of the organisation's (literal ids only; wildcards never are). */
export function inOrganisation(account: string, org: OrganisationView): boolean {
  return org.accounts.has(account);
}

/** Whether `aws:PrincipalOrgID` (or `aws:SourceOrgID`) is required to be exactly this organisation (any `o-…` when it is unknown). */
export function requiresOrgId(condition: unknown, org: OrganisationView, key = 'aws:PrincipalOrgID'): boolean {
  const values = conditionValues(condition, key);
  if (!values || values.length === 0) return false;
  return values.every((v) => (org.id ? v === org.id : /^o-[a-z0-9]{10,32}$/.test(v)));
}

/** The accounts a rule accepts, for messages. */
export const describeAccounts = (org: OrganisationView): string => `${org.source}: ${[...org.accounts].sort().join(', ') || 'none'}`;
