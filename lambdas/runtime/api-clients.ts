/**
 * The API's clients, as the stack passes them (`API_CLIENTS`: JSON `[{ name, principals }]`,
 * from the manifest), and the client of a request: the principal API Gateway authenticated
 * (IAM authorization, SigV4) mapped to its client name. Never a header or body field.
 *
 * API Gateway gives the signer in `requestContext.identity.userArn`: for a role's session
 * `arn:aws:sts::<account>:assumed-role/<role name>/<session>` (the role's path is not in it,
 * so a role principal matches by account and role name). A role principal wins over an
 * account principal; the manifest validation makes sure no principal belongs to two clients.
 */
import { requireEnv } from './config';
import { ConfigurationError } from '../../contract/errors';

export interface ApiClientEntry {
  readonly name: string;
  readonly principals: readonly string[];
}

export interface RequestIdentity {
  readonly userArn?: string | null;
  readonly accountId?: string | null;
}

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;
const ACCOUNT = /^\d{12}$/;
const SIGNER_ARN = /^arn:aws:(?:sts|iam)::(\d{12}):(?:assumed-role\/([^/]+)\/.+|role\/(?:.*\/)?([^/]+)|.+)$/;

export function apiClientsFromEnv(): readonly ApiClientEntry[] {
  const raw = requireEnv('API_CLIENTS');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigurationError('environment variable API_CLIENTS must be JSON: [{ "name": "...", "principals": ["..."] }]');
  }
  const ok = Array.isArray(parsed) && parsed.every((c) => typeof c?.name === 'string' && Array.isArray(c.principals) && c.principals.every((p: unknown) => typeof p === 'string'));
  if (!ok || (parsed as unknown[]).length === 0) throw new ConfigurationError('environment variable API_CLIENTS must name at least one client with its principals');
  return parsed as ApiClientEntry[];
}

/** The name of the client `identity` signed as, or undefined when it is no client's principal. */
export function clientOf(clients: readonly ApiClientEntry[], identity: RequestIdentity | null | undefined): string | undefined {
  const signer = SIGNER_ARN.exec(identity?.userArn ?? '');
  const account = signer?.[1] ?? (ACCOUNT.test(identity?.accountId ?? '') ? identity!.accountId! : undefined);
  if (account === undefined) return undefined;
  const roleName = signer?.[2] ?? signer?.[3];
  if (roleName !== undefined) {
    for (const c of clients) {
      for (const p of c.principals) {
        const role = ROLE_ARN.exec(p);
        if (role && role[1] === account && role[2] === roleName) return c.name;
      }
    }
  }
  return clients.find((c) => c.principals.includes(account))?.name;
}
