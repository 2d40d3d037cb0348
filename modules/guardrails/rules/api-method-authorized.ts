import { isTrue, nonEmptyString } from '../tf';
import type { Rule, Violation } from '../types';

/** Authorizations that identify the caller; `NONE` lets anyone who finds the endpoint call it. */
const AUTHORIZED = ['AWS_IAM', 'CUSTOM', 'COGNITO_USER_POOLS'];

/**
 * F-18: every API method identifies its caller (IAM/SigV4, or an authorizer) and requires the
 * caller's API key, which ties it to its usage plan and throttling. CORS preflight (`OPTIONS`)
 * cannot carry credentials and is exempt.
 */
export const apiMethodAuthorized: Rule = {
  id: 'api-method-authorized',
  description: 'API Gateway methods (but CORS preflight) require IAM or an authorizer, and an API key',
  failures: ['F-18'],
  appliesTo: ['aws_api_gateway_method'],
  fix: 'set authorization = "AWS_IAM" (PaymentApi does) and api_key_required = true; an authorizer (CUSTOM, COGNITO_USER_POOLS) needs authorizer_id',
  check(b) {
    if (b.config.http_method === 'OPTIONS') return [];
    const out: Violation[] = [];
    const authorization = b.config.authorization;
    if (typeof authorization !== 'string' || !AUTHORIZED.includes(authorization))
      out.push({ message: `method ${String(b.config.http_method)} has authorization ${JSON.stringify(authorization ?? 'unset')}: anyone can call it` });
    else if (authorization !== 'AWS_IAM' && !nonEmptyString(b.config.authorizer_id)) out.push({ message: `method ${String(b.config.http_method)} uses ${authorization} without authorizer_id` });
    if (!isTrue(b.config.api_key_required)) out.push({ message: `method ${String(b.config.http_method)} does not require an API key, so no usage plan throttles its callers` });
    return out;
  },
};
