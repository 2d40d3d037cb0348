/**
 * Error handling shared by the `accounts` commands: turns SDK errors into messages a person
 * can act on, and retries throttled calls with exponential backoff (the sleep is injected,
 * so tests run instantly).
 */

export class AccountsToolError extends Error {
  override readonly name: string = 'AccountsToolError';
}
export class MissingCredentialsError extends AccountsToolError {
  override readonly name = 'MissingCredentialsError';
}
export class AccessDeniedError extends AccountsToolError {
  override readonly name = 'AccessDeniedError';
}
export class ThrottledError extends AccountsToolError {
  override readonly name = 'ThrottledError';
}

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  readonly sleep: Sleep;
  /** @default 5 — attempts in all, the first included */
  readonly attempts?: number;
  /** @default 250 — ms before the first retry; doubles each time */
  readonly baseDelayMs?: number;
}

const THROTTLING = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'RequestLimitExceeded', 'TooManyRequests']);
const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation', 'AWSOrganizationsNotInUseException']);

const errName = (err: unknown): string => (err as { name?: string })?.name ?? '';
const errMessage = (err: unknown): string => (err as { message?: string })?.message ?? String(err);

export function isThrottling(err: unknown): boolean {
  return THROTTLING.has(errName(err)) || (err as { $retryable?: { throttling?: boolean } })?.$retryable?.throttling === true;
}

export function isMissingCredentials(err: unknown): boolean {
  return errName(err) === 'CredentialsProviderError' || /could not load credentials/i.test(errMessage(err));
}

export function isAccessDenied(err: unknown): boolean {
  return DENIED.has(errName(err)) || (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 403;
}

/**
 * Runs `call` (an AWS API call described by `what`), retrying on throttling. Throws
 * MissingCredentialsError, AccessDeniedError or ThrottledError with a message naming the
 * call and the fix; any other error is rethrown unchanged.
 */
export async function awsCall<T>(what: string, call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (isMissingCredentials(err)) {
        throw new MissingCredentialsError(`${what}: no AWS credentials found. Sign in first (e.g. \`aws sso login --profile <profile>\` and AWS_PROFILE=<profile>).`);
      }
      if (isAccessDenied(err)) {
        throw new AccessDeniedError(`${what}: access denied (${errName(err) || 'HTTP 403'}: ${errMessage(err)}). Use credentials allowed to call it (see README, "Onboard an account").`);
      }
      if (isThrottling(err)) {
        if (attempt >= attempts) throw new ThrottledError(`${what}: still throttled after ${attempts} attempts; wait a minute and run again.`);
        await options.sleep(base * 2 ** (attempt - 1));
        continue;
      }
      throw err;
    }
  }
}
