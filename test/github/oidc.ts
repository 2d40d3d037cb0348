/**
 * Does a CI role's SYNTHESIZED trust accept a GitHub Actions token with these claims?
 *
 * The IAM simulator evaluates the GitHub-specific keys (repository, ref, environment,
 * job_workflow_ref) but ignores the generic OIDC `sub` and `aud` keys (it reports them as
 * ignored context keys, so a statement using them never matches). So the decision is made in
 * two halves, both on the same synthesized statement: the simulator evaluates the statement
 * with `sub` and `aud` taken out, and `sub` and `aud` are evaluated here, as STS does for
 * StringEquals (exact, case-sensitive; a missing claim never matches). The CI trusts use
 * StringEquals only (asserted below), so nothing else needs evaluating by hand.
 */
import { GITHUB_OIDC_HOST } from '../../modules/core/naming';
import { simulate, type PolicyDocument } from '../support/iam-sim';
import { resourcesOf, type TfJson } from '../support/synth';

export interface TokenClaims {
  readonly sub: string;
  readonly aud: string;
  readonly repository: string;
  readonly ref: string;
  readonly job_workflow_ref: string;
  readonly environment?: string;
}

type Statement = { Effect: string; Principal?: { Federated?: string }; Action: string; Condition?: Record<string, Record<string, string | string[]>> };

export interface SynthCiRole {
  readonly name: string;
  readonly arn: string;
  readonly trust: { Statement: Statement[] };
}

/** Every role of the deployment stack whose trust names the GitHub OIDC provider. */
export function ciRolesOf(deployment: TfJson, accountId: string): SynthCiRole[] {
  return resourcesOf(deployment, 'aws_iam_role')
    .map(([, cfg]) => ({ name: String(cfg.name), arn: `arn:aws:iam::${accountId}:role/${String(cfg.name)}`, trust: JSON.parse(String(cfg.assume_role_policy)) as { Statement: Statement[] } }))
    .filter((r) => r.trust.Statement.some((s) => s.Principal?.Federated?.endsWith(`:oidc-provider/${GITHUB_OIDC_HOST}`)));
}

const HANDLED = [`${GITHUB_OIDC_HOST}:sub`, `${GITHUB_OIDC_HOST}:aud`];

function stringEquals(values: string | string[], actual: string | undefined): boolean {
  if (actual === undefined) return false;
  return (Array.isArray(values) ? values : [values]).includes(actual);
}

/** The trust's decision for a token: 'Allowed' only if one Allow statement matches entirely and nothing denies. */
export async function trustAccepts(role: SynthCiRole, providerArn: string, accountId: string, claims: TokenClaims): Promise<boolean> {
  for (const s of role.trust.Statement) {
    const operators = Object.keys(s.Condition ?? {});
    if (operators.some((o) => o !== 'StringEquals')) throw new Error(`${role.name}: trust uses ${operators.join(', ')}; only StringEquals is evaluated here`);
  }
  const own = role.trust.Statement.every((s) => {
    const eq = s.Condition?.StringEquals ?? {};
    return HANDLED.every((k) => eq[k] === undefined || stringEquals(eq[k]!, k.endsWith(':sub') ? claims.sub : claims.aud));
  });
  const simulable = structuredClone(role.trust) as { Statement: Statement[] };
  for (const s of simulable.Statement) for (const k of HANDLED) if (s.Condition?.StringEquals) delete s.Condition.StringEquals[k];
  const h = GITHUB_OIDC_HOST;
  const decision = await simulate({
    principal: providerArn,
    action: 'sts:AssumeRoleWithWebIdentity',
    resource: role.arn,
    resourceAccount: accountId,
    resourcePolicy: simulable as unknown as PolicyDocument,
    context: {
      [`${h}:repository`]: claims.repository,
      [`${h}:ref`]: claims.ref,
      [`${h}:job_workflow_ref`]: claims.job_workflow_ref,
      ...(claims.environment !== undefined ? { [`${h}:environment`]: claims.environment } : {}),
    },
  });
  return own && decision === 'Allowed';
}

/** Every Allow statement of the trust requires both sub and aud (so the hand-evaluated half is never vacuous). */
export function pinsSubAndAud(role: SynthCiRole): boolean {
  return role.trust.Statement.filter((s) => s.Effect === 'Allow').every((s) => HANDLED.every((k) => typeof s.Condition?.StringEquals?.[k] === 'string'));
}
