/**
 * The gateway adapter as configured by the environment (read at cold start):
 * - GATEWAY_MODE `sandbox` (non-prod) or `live`;
 * - live only: GATEWAY_ENDPOINT (https://, its path kept) and GATEWAY_SECRET_ARN (Secrets
 *   Manager: JSON `{ "apiKey": "…" }`, whose value an operator sets out of band; any other
 *   value is refused, never sent whole as a token);
 * - sandbox only: SANDBOX_TABLE, the captures table. The sandbox is built in and needs no
 *   credential, so a sandbox stack has no secret to read (and creates none);
 * - GATEWAY_TIMEOUT_MS (default 5000); GATEWAY_CREDENTIAL_TTL_MS (default 300000): how long a
 *   read of the secret is reused.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { documentClient } from './clients';
import { optionalIntEnv, requireEnv } from './config';
import { ConfigurationError, GatewayCredentialUnavailableError } from '../../contract/errors';
import { CREDENTIAL_TTL_MS, liveLookupTransport, liveTransport, PaymentGateway, SandboxGateway } from './gateway';
import { tracer } from './tracer';

/** What the adapter presents to the built-in sandbox, which checks only that one is presented. */
const SANDBOX_CREDENTIAL = 'sandbox';

export function gatewayFromEnv(): PaymentGateway {
  const mode = requireEnv('GATEWAY_MODE');
  const timeoutMs = optionalIntEnv('GATEWAY_TIMEOUT_MS', 5000);
  if (mode === 'sandbox') {
    const sandbox = new SandboxGateway(documentClient(), requireEnv('SANDBOX_TABLE'));
    return new PaymentGateway({ transport: sandbox.transport, lookupTransport: sandbox.lookupTransport, credential: async () => SANDBOX_CREDENTIAL, timeoutMs });
  }
  if (mode !== 'live') throw new ConfigurationError(`environment variable GATEWAY_MODE must be sandbox or live, got ${JSON.stringify(mode)}`);
  const secretArn = requireEnv('GATEWAY_SECRET_ARN');
  const endpoint = requireEnv('GATEWAY_ENDPOINT');
  if (!/^https:\/\/[^/]/.test(endpoint)) throw new ConfigurationError('environment variable GATEWAY_ENDPOINT must be an https:// URL');
  const secrets = tracer.captureAWSv3Client(new SecretsManagerClient({}));
  const credential = async (): Promise<string> => {
    let secretString: string | undefined;
    try {
      secretString = (await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString;
    } catch (err) {
      throw secretReadError(err);
    }
    return credentialFromSecret(secretString);
  };
  const credentialTtlMs = optionalIntEnv('GATEWAY_CREDENTIAL_TTL_MS', CREDENTIAL_TTL_MS);
  return new PaymentGateway({ transport: liveTransport(endpoint), lookupTransport: liveLookupTransport(endpoint), credential, timeoutMs, credentialTtlMs });
}

/** The credential in the secret's value: JSON with a non-empty string `apiKey`; anything else is refused, never sent as a token. */
export function credentialFromSecret(secretString: string | undefined): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString ?? '');
  } catch {
    parsed = undefined;
  }
  const apiKey = typeof parsed === 'object' && parsed !== null ? (parsed as { apiKey?: unknown }).apiKey : undefined;
  if (typeof apiKey !== 'string' || apiKey === '') {
    // The value itself is never quoted: it is the credential, or something close to it.
    throw new ConfigurationError('the gateway secret must be JSON with a non-empty string field "apiKey"; set it as the README shows');
  }
  return apiKey;
}

/** Secrets Manager errors that pass (throttling, its own 5xx, a network or timeout error) are transient; the others are what they are. */
const TRANSIENT_SECRET_ERRORS = ['ThrottlingException', 'TooManyRequestsException', 'InternalServiceError', 'InternalServiceErrorException', 'ServiceUnavailable', 'TimeoutError'];

export function secretReadError(err: unknown): Error {
  const e = err as { name?: string; message?: string; $fault?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = e?.$metadata?.httpStatusCode;
  const transient =
    TRANSIENT_SECRET_ERRORS.includes(String(e?.name)) ||
    e?.$fault === 'server' ||
    e?.$retryable !== undefined ||
    (typeof status === 'number' && (status === 429 || status >= 500)) ||
    // No answer at all (a reset connection, DNS): the SDK's error carries no HTTP status.
    (err instanceof Error && status === undefined && e.$fault === undefined);
  if (!transient) return err instanceof Error ? err : new Error(String(err));
  return new GatewayCredentialUnavailableError(`the gateway secret could not be read (${String(e?.name)}): ${String(e?.message ?? '').slice(0, 200)}`);
}
