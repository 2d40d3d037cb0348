/**
 * The client of a request is the principal API Gateway authenticated, mapped through the
 * manifest's clients (lambdas/runtime/api-clients.ts). Principals come from the other
 * organisation's manifest, so nothing here is tuned to the example accounts.
 */
import { clientOf } from '../../lambdas/runtime/api-clients';
import { otherOrganisation } from '../support/manifests';

const [a, b, c] = otherOrganisation().workloads.map((w) => w.accountId);
const clients = [
  { name: 'shop', principals: [`arn:aws:iam::${a}:role/teams/web/shop-frontend`] },
  { name: 'partner', principals: [b!] },
  { name: 'ops', principals: [`arn:aws:iam::${a}:role/ops`, `arn:aws:iam::${c}:role/ops`] },
];
const session = (account: string, role: string) => ({ userArn: `arn:aws:sts::${account}:assumed-role/${role}/session-1`, accountId: account });

describe('the client of a request', () => {
  test('given a session of a client role (whose ARN has a path the session ARN lacks), then that client', () => {
    expect(clientOf(clients, session(a!, 'shop-frontend'))).toBe('shop');
    expect(clientOf(clients, session(c!, 'ops'))).toBe('ops');
  });

  test('given any principal of a client account, then that client', () => {
    expect(clientOf(clients, session(b!, 'whatever'))).toBe('partner');
    expect(clientOf(clients, { userArn: `arn:aws:iam::${b}:user/alice`, accountId: b })).toBe('partner');
  });

  test("given a role of the same name in another account, another role of a client role's account, or no identity, then no client", () => {
    expect(clientOf(clients, session(c!, 'shop-frontend'))).toBeUndefined();
    expect(clientOf(clients, session(a!, 'shop-backend'))).toBeUndefined();
    expect(clientOf(clients, undefined)).toBeUndefined();
    expect(clientOf(clients, { userArn: null, accountId: null })).toBeUndefined();
  });

  test('given only a header-like value that is no ARN, then no client: the caller cannot name its client', () => {
    expect(clientOf(clients, { userArn: 'shop', accountId: 'shop' })).toBeUndefined();
  });
});
