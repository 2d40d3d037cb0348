import { inOrganisation, organisationView } from '../organisation';
import { block, strings } from '../tf';
import { AWS_PROVIDER, type Rule, type Violation } from '../types';

/**
 * F-19: every AWS provider, aliased ones included, may touch exactly one account, an account
 * of the organisation, and assumes its role in that same account (a role ARN of another
 * account would make Terraform stop at best, or plan against the wrong account's state).
 */
export const providerPinnedAccount: Rule = {
  id: 'provider-pinned-account',
  description: 'Every AWS provider pins allowed_account_ids to exactly one account of the organisation and assumes its role in that account',
  failures: ['F-19'],
  appliesTo: [AWS_PROVIDER],
  fix: 'create providers with PinnedAwsProvider (or AccountStack.providerFor(region)), which set allowed_account_ids = [<the stack account>] and assume the role in that account',
  check(b, stack) {
    const ids = strings(b.config.allowed_account_ids);
    if (ids.length !== 1) return [{ message: `provider allows ${ids.length === 0 ? 'any account (no allowed_account_ids)' : `${ids.length} accounts (${ids.join(', ')})`}` }];
    const account = ids[0]!;
    if (!/^\d{12}$/.test(account)) return [{ message: `provider's allowed account ${JSON.stringify(account)} is not a literal 12-digit account id` }];
    const out: Violation[] = [];
    const org = organisationView(stack);
    if (!inOrganisation(account, org)) out.push({ message: `provider is pinned to ${account}, which is not an account of ${org.source}` });
    const roleArn = block(b.config.assume_role)?.role_arn;
    const roleAccounts = typeof roleArn === 'string' ? [...roleArn.matchAll(/arn:aws[a-z-]*:iam::(\d{12}):role\//g)].map((m) => m[1]!) : [];
    const elsewhere = [...new Set(roleAccounts.filter((a) => a !== account))];
    if (elsewhere.length > 0) out.push({ message: `provider pinned to ${account} assumes a role in ${elsewhere.join(', ')}` });
    return out;
  },
};
