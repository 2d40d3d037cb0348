import { describeStatement, hasCondition, isAnyPrincipal, nonEmptyString, parsePolicy, policiesOf, POLICY_TYPES } from '../tf';
import type { Rule, Violation } from '../types';

/**
 * F-14: no resource, key or trust policy allows any principal (`*`, `{"AWS": "*"}`) —
 * or everyone but someone (NotPrincipal) — without a condition that narrows it
 * (aws:SourceAccount, aws:SourceArn, aws:PrincipalOrgID, …). A Lambda permission for
 * principal `*` needs source_arn, source_account or principal_org_id.
 */
export const resourcePolicyOpenPrincipal: Rule = {
  id: 'resource-policy-open-principal',
  description: 'No resource, key or trust policy (or Lambda permission) allows any principal without a condition',
  failures: ['F-14'],
  appliesTo: [...POLICY_TYPES, 'aws_lambda_permission'],
  fix: 'name the principal (service principal or role ARN), or add a Condition such as aws:SourceAccount / aws:SourceArn / aws:PrincipalOrgID',
  check(b) {
    if (b.type === 'aws_lambda_permission') {
      const open = b.config.principal === '*' && ![b.config.source_arn, b.config.source_account, b.config.principal_org_id].some(nonEmptyString);
      return open ? [{ message: 'Lambda permission lets any principal invoke the function without source_arn, source_account or principal_org_id' }] : [];
    }
    const out: Violation[] = [];
    for (const policy of policiesOf(b)) {
      if (policy.kind === 'identity') continue;
      const parsed = parsePolicy(policy.value);
      if (!parsed.ok) {
        out.push({ message: `${policy.where}: ${parsed.reason}; guardrails cannot inspect it`, fix: 'write policies as JSON.stringify of a typed document' });
        continue;
      }
      parsed.statements.forEach((s, i) => {
        if (s.Effect !== 'Allow') return;
        const where = `${policy.where} ${describeStatement(s, i)}`;
        if (s.NotPrincipal !== undefined) out.push({ message: `${where} uses NotPrincipal in an Allow (allows everyone else)` });
        if (isAnyPrincipal(s.Principal) && !hasCondition(s)) out.push({ message: `${where} allows any principal without a condition` });
      });
    }
    return out;
  },
};
