/**
 * The gateway adapter as configured by the environment (read at cold start):
 * - GATEWAY_MODE `sandbox` (non-prod) or `live`;
 * - live only: GATEWAY_ENDPOINT and GATEWAY_SECRET_ARN (Secrets Manager: the credential,
 *   a plain string or JSON `{ "apiKey": "…" }`, whose value an operator sets out of band);
 * - sandbox only: SANDBOX_TABLE, the captures table. The sandbox is built in and needs no
 *   credential, so a sandbox stack has no secret to read (and creates none);
 * - GATEWAY_TIMEOUT_MS (default 5000).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { documentClient } from './clients';
import { optionalIntEnv, requireEnv } from './config';
import { ConfigurationError } from '../../contract/errors';
import { liveLookupTransport, liveTransport, PaymentGateway, SandboxGateway } from './gateway';
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
  const secrets = tracer.captureAWSv3Client(new SecretsManagerClient({}));
  const credential = async (): Promise<string> => {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    const raw = out.SecretString ?? '';
    try {
      const parsed = JSON.parse(raw) as { apiKey?: unknown };
      if (typeof parsed.apiKey === 'string') return parsed.apiKey;
    } catch {
      /* a plain string secret */
    }
    return raw;
  };
  return new PaymentGateway({ transport: liveTransport(endpoint), lookupTransport: liveLookupTransport(endpoint), credential, timeoutMs });
}
