import { arnParts, inOrganisation, isExpression, organisationView } from '../organisation';
import { isWildcardResource } from './iam-no-wildcards';
import { describeStatement, parsePolicy, policiesOf, POLICY_SITES, strings } from '../tf';
import type { Rule, Violation } from '../types';

const WILDCARD = /[*?]/;

/**
 * F-14: a resource ARN in an identity policy names its region and its account. A wildcard in
 * either (`arn:aws:secretsmanager:*:*:secret:*`) reaches the same kind of resource in every
 * region or in every account, other organisations' included; a literal account outside the
 * organisation sends data where the organisation cannot see it. ARNs without a region or an
 * account (S3, IAM) leave the field empty, which is no wildcard; `Resource: "*"` and every
 * resource of a service (`arn:aws:dynamodb:*:*:*`) are `iam-no-wildcards`' concern. Roles that legitimately span regions (the deploy, plan and audit
 * roles act in every region of their account) suppress it with the reason.
 */
export const iamResourceAccountRegion: Rule = {
  id: 'iam-resource-account-region',
  description: 'Identity-policy resource ARNs name their region and an account of the organisation (no wildcard region or account)',
  failures: ['F-14'],
  appliesTo: [...new Set(POLICY_SITES.filter((s) => s.kind === 'identity').map((s) => s.type))],
  fix: 'write the region and account into the ARN (the naming module builds them: arn(...) in modules/core/naming.ts), or suppress with Guardrails.suppress and the reason the role must span regions',
  check(b, stack) {
    const org = organisationView(stack);
    const out: Violation[] = [];
    for (const policy of policiesOf(b)) {
      if (policy.kind !== 'identity') continue;
      const parsed = parsePolicy(policy.value);
      if (!parsed.ok) continue; // iam-no-wildcards reports policies it cannot read
      parsed.statements.forEach((s, i) => {
        if (s.Effect !== 'Allow') return;
        const where = `${policy.where} ${describeStatement(s, i)}`;
        const problems: string[] = [];
        for (const r of strings(s.Resource)) {
          // A reference inside a field (`arn:aws:sqs:${…}:…`) resolves to one value: only literal fields can be wildcards.
          const parts = isWildcardResource(r) ? undefined : arnParts(r);
          if (!parts) continue;
          const what = [
            ...(!isExpression(parts.account) && WILDCARD.test(parts.account) ? ['any account'] : []),
            ...(!isExpression(parts.region) && WILDCARD.test(parts.region) ? ['any region'] : []),
            ...(/^\d{12}$/.test(parts.account) && !inOrganisation(parts.account, org) ? [`account ${parts.account} outside ${org.source}`] : []),
          ];
          if (what.length > 0) problems.push(`${r} (${what.join(', ')})`);
        }
        if (problems.length > 0) out.push({ message: `${where} allows resources beyond the organisation's named accounts and regions: ${problems.join('; ')}` });
      });
    }
    return out;
  },
};
