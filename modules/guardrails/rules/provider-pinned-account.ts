import { strings } from '../tf';
import { AWS_PROVIDER, type Rule } from '../types';

/** F-19: every AWS provider, aliased ones included, may touch exactly one account. */
export const providerPinnedAccount: Rule = {
  id: 'provider-pinned-account',
  description: 'Every AWS provider pins allowed_account_ids to exactly one account',
  failures: ['F-19'],
  appliesTo: [AWS_PROVIDER],
  fix: 'create providers with PinnedAwsProvider (or AccountStack.providerFor(region)), which set allowed_account_ids = [<the stack account>]',
  check(b) {
    const ids = strings(b.config.allowed_account_ids);
    if (ids.length !== 1) return [{ message: `provider allows ${ids.length === 0 ? 'any account (no allowed_account_ids)' : `${ids.length} accounts (${ids.join(', ')})`}` }];
    if (!/^\d{12}$/.test(ids[0]!)) return [{ message: `provider's allowed account ${JSON.stringify(ids[0])} is not a literal 12-digit account id` }];
    return [];
  },
};
