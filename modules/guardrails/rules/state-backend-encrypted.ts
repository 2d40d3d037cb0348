import { arnParts, inOrganisation, isExpression, organisationView } from '../organisation';
import { isTrue, nonEmptyString } from '../tf';
import { TERRAFORM_BACKEND, type Rule, type Violation } from '../types';

/**
 * F-14/F-15: the state of every stack (which holds every resource's attributes, secrets'
 * metadata and policies) lives in the organisation's state bucket: the S3 backend, encrypted
 * with the organisation's own key, locked against two applies at once, and reached by role,
 * never with keys written into the configuration.
 */
export const stateBackendEncrypted: Rule = {
  id: 'state-backend-encrypted',
  description: 'Stacks keep their state in the S3 backend, encrypted with a key of the organisation, locked, without credentials in the configuration',
  failures: ['F-14', 'F-15'],
  appliesTo: [TERRAFORM_BACKEND],
  fix: 'use the S3 backend the account stacks configure (AccountStack): encrypt = true, kms_key_id = the state key of the deployment account, use_lockfile = true, no access_key/secret_key',
  check(b, stack) {
    if (b.name !== 's3') return [{ message: `state is kept in the ${b.name} backend, not the organisation's encrypted state bucket` }];
    const out: Violation[] = [];
    if (!isTrue(b.config.encrypt)) out.push({ message: 'S3 backend does not set encrypt = true' });
    const key = b.config.kms_key_id;
    if (!nonEmptyString(key)) out.push({ message: 'S3 backend has no kms_key_id (state would be encrypted with the AWS-managed key, or not at all)' });
    else if (!isExpression(key) && stack.organisation) {
      // The state key lives in the deployment account, not the stack's: only the manifest knows it is ours.
      const org = organisationView(stack);
      const account = arnParts(key)?.account;
      if (account !== undefined && !inOrganisation(account, org)) out.push({ message: `S3 backend encrypts state with a key in ${account}, which is not an account of ${org.source}` });
    }
    if (!isTrue(b.config.use_lockfile) && !nonEmptyString(b.config.dynamodb_table)) out.push({ message: 'S3 backend does not lock the state (use_lockfile), so two applies can overwrite each other' });
    const credentials = ['access_key', 'secret_key', 'token'].filter((k) => nonEmptyString(b.config[k]));
    if (credentials.length > 0) out.push({ message: `S3 backend sets ${credentials.join(', ')}` });
    return out;
  },
};
