/**
 * Errors whose `name` is what the state machine's Retry/Catch match. Step Functions
 * matches the Lambda's `errorType`, which the Node.js runtime takes from `error.name`;
 * aws-local-stepfunctions matches `error.name` too. Each class sets `name` explicitly
 * (minifiers rename classes, so `constructor.name` is not stable in a bundle).
 */

/**
 * The gateway answered 5xx or the connection failed (refused, reset): transient, safe to retry
 * with the same key (F-03, F-08). A 5xx or a reset may come after the gateway captured, so
 * after the last retry the outcome is unknown, never "not charged".
 */
export class GatewayUnavailableError extends Error {
  override readonly name = 'GatewayUnavailableError';
}

/** No answer within the adapter's timeout; the charge may have happened, so retry with the same key (F-08). */
export class GatewayTimeoutError extends Error {
  override readonly name = 'GatewayTimeoutError';
}

/**
 * The gateway answered 409 (a request with this key is still in progress) or 429 (slow down):
 * transient, retried with the same key; if it persists, the outcome is unknown (PENDING).
 */
export class GatewayBusyError extends Error {
  override readonly name = 'GatewayBusyError';
}

/** Another execution (another region, or an earlier run) has claimed this payment's charge: this one must not charge. */
export class ChargeAlreadyClaimedError extends Error {
  override readonly name = 'ChargeAlreadyClaimedError';
}

/**
 * The gateway answered something that is neither a decision nor an explicit refusal: a 2xx
 * of another shape (a 201, a 200 without a charge id), a redirect (never followed: it would
 * re-send the credential), a 1xx, or an approval whose amount or currency is not what was
 * sent. The charge may have happened: never retried, the payment is PENDING until
 * reconciliation asks the gateway.
 */
export class GatewayUnexpectedResponseError extends Error {
  override readonly name = 'GatewayUnexpectedResponseError';
}

/**
 * The gateway credential could not be read (Secrets Manager throttled or unavailable):
 * transient, retried like an unavailable gateway.
 */
export class GatewayCredentialUnavailableError extends Error {
  override readonly name = 'GatewayCredentialUnavailableError';
}

/** The gateway refused the request itself with a 4xx other than a decline (a bug, or a credential refused even after a fresh read): nothing was charged; never retried. */
export class GatewayRequestError extends Error {
  override readonly name = 'GatewayRequestError';
}

/** The handler's input is not what the state machine promised: never retried. */
export class InvalidTaskInputError extends Error {
  override readonly name = 'InvalidTaskInputError';
}

/** A required environment variable is missing or malformed: the function fails at cold start, naming it. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** The error names the state machine retries on for the charge task (transient gateway failures only). */
export const TRANSIENT_GATEWAY_ERRORS = ['GatewayUnavailableError', 'GatewayTimeoutError', 'GatewayBusyError', 'GatewayCredentialUnavailableError'] as const;
/**
 * After the retries, these leave the charge's outcome unknown: the gateway may have captured
 * (a 5xx or a reset connection after the capture, no answer in time, a request still in
 * progress, an answer of a shape the adapter does not know, the task timed out; a credential
 * that cannot be read on a retry says nothing of an earlier attempt). The payment is PENDING
 * until reconciliation asks the gateway; never FAILED, so the client does not pay twice. Only
 * an explicit refusal (`GatewayRequestError`: a 4xx) means nothing was charged.
 */
export const UNKNOWN_OUTCOME_ERRORS = [
  'GatewayUnavailableError',
  'GatewayTimeoutError',
  'GatewayBusyError',
  'GatewayCredentialUnavailableError',
  'GatewayUnexpectedResponseError',
  'States.Timeout',
] as const;

/** The fraud screen lost the optimistic-lock race on a velocity window too often: transient. */
export class VelocityContentionError extends Error {
  override readonly name = 'VelocityContentionError';
}
