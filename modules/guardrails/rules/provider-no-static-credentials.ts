import { nonEmptyString } from '../tf';
import { AWS_PROVIDER, type Rule } from '../types';

const CREDENTIALS = ['access_key', 'secret_key', 'token'] as const;

/**
 * F-19: no AWS provider carries credentials. Keys written into a provider end up in the
 * synthesized JSON, in the repository and in every plan artifact, and they work for whoever
 * reads them; the stacks reach AWS only by assuming a role (PinnedAwsProvider).
 */
export const providerNoStaticCredentials: Rule = {
  id: 'provider-no-static-credentials',
  description: 'AWS providers carry no access key, secret key or session token',
  failures: ['F-19'],
  appliesTo: [AWS_PROVIDER],
  fix: 'remove access_key / secret_key / token from the provider, rotate the key, and let the provider assume its role (PinnedAwsProvider)',
  check(b) {
    const present = CREDENTIALS.filter((k) => nonEmptyString(b.config[k]));
    return present.length === 0 ? [] : [{ message: `provider sets ${present.join(', ')}` }];
  },
};
