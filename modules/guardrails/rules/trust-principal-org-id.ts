import { conditionValues, organisationView, principalsOf, requiresOrgId } from '../organisation';
import { describeStatement, parsePolicy } from '../tf';
import type { Rule, Violation } from '../types';

/**
 * F-14: a role that AWS principals (accounts, roles) may assume requires `aws:PrincipalOrgID`
 * to be this organisation's id, so a principal moved out of the organisation, or an account id
 * typed wrong, cannot assume it even while the trust still names it. The manifest names no
 * third party that would need an external id instead, so an `sts:ExternalId` condition is
 * welcome (the audit role has one) but never replaces the organisation id. Service and
 * federated principals are checked by `principal-in-organisation`.
 */
export const trustPrincipalOrgId: Rule = {
  id: 'trust-principal-org-id',
  description: "Trust policies that name AWS principals require aws:PrincipalOrgID to be the organisation's id",
  failures: ['F-14'],
  appliesTo: ['aws_iam_role'],
  fix: 'add Condition: { StringEquals: { "aws:PrincipalOrgID": "<organization.id from the manifest>" } } (CrossAccountRole in modules/access sets it)',
  check(b, stack) {
    const org = organisationView(stack);
    const parsed = parsePolicy(b.config.assume_role_policy);
    if (!parsed.ok) return []; // resource-policy-open-principal reports a trust policy it cannot read
    const out: Violation[] = [];
    parsed.statements.forEach((s, i) => {
      if (s.Effect !== 'Allow' || !principalsOf(s.Principal).some(([kind]) => kind === 'AWS')) return;
      if (requiresOrgId(s.Condition, org)) return;
      const given = conditionValues(s.Condition, 'aws:PrincipalOrgID');
      out.push({
        message:
          given && given.length > 0
            ? `assume_role_policy ${describeStatement(s, i)} requires aws:PrincipalOrgID ${given.join(', ')}, not this organisation's ${org.id ?? 'id'}`
            : `assume_role_policy ${describeStatement(s, i)} lets AWS principals assume the role without an aws:PrincipalOrgID condition`,
      });
    });
    return out;
  },
};
