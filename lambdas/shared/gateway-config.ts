/**
 * The gateway adapter as configured by the environment (read at cold start):
 * - GATEWAY_MODE `sandbox` (non-prod) or `live`;
 * - GATEWAY_ENDPOINT (live only), GATEWAY_SECRET_ARN (Secrets Manager: the credential,
 *   a plain string or JSON `{ "apiKey": "…" }`; read by the live gateway only — the sandbox
 *   runs inside the function and needs none, so a non-prod deploy works before anyone sets
 *   the secret's value), GATEWAY_TIMEOUT_MS (default 5000);
 * - SANDBOX_TABLE (sandbox only): the captures table.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { documentClient } from './clients';
import { optionalIntEnv, requireEnv } from './config';
import { ConfigurationError } from './errors';
import { liveLookupTransport, liveTransport, PaymentGateway, SandboxGateway } from './gateway';

export function gatewayFromEnv(): PaymentGateway {
  const mode = requireEnv('GATEWAY_MODE');
  const secretArn = requireEnv('GATEWAY_SECRET_ARN');
  const timeoutMs = optionalIntEnv('GATEWAY_TIMEOUT_MS', 5000);
  const secrets = new SecretsManagerClient({});
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
  if (mode === 'sandbox') {
    const sandbox = new SandboxGateway(documentClient(), requireEnv('SANDBOX_TABLE'));
    return new PaymentGateway({ transport: sandbox.transport, lookupTransport: sandbox.lookupTransport, credential: async () => 'sandbox', timeoutMs });
  }
  if (mode === 'live') {
    const endpoint = requireEnv('GATEWAY_ENDPOINT');
    return new PaymentGateway({ transport: liveTransport(endpoint), lookupTransport: liveLookupTransport(endpoint), credential, timeoutMs });
  }
  throw new ConfigurationError(`environment variable GATEWAY_MODE must be sandbox or live, got ${JSON.stringify(mode)}`);
}
