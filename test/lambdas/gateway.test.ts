/**
 * How the gateway adapter reads the card network's answers (lambdas/runtime/gateway.ts):
 * which are retried, which are decisions, which leave the outcome unknown; how it keeps its
 * credential; and what the live transport sends where, against a card network served on a
 * local port.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ConfigurationError,
  GatewayBusyError,
  GatewayCredentialUnavailableError,
  GatewayRequestError,
  GatewayTimeoutError,
  GatewayUnavailableError,
  GatewayUnexpectedResponseError,
} from '../../contract/errors';
import { gatewayUrl, liveLookupTransport, liveTransport, PaymentGateway, type GatewayResponse } from '../../lambdas/runtime/gateway';
import { credentialFromSecret, secretReadError } from '../../lambdas/runtime/gateway-config';

const request = {
  idempotencyKey: 'pay_0123456789abcdef0123456789abcdef',
  paymentId: 'pay_0123456789abcdef0123456789abcdef',
  amount: 1250,
  currency: 'USD',
  merchantId: 'mer_123',
  customerId: 'cus_456',
  token: 'tok_x',
};
const answering = (response: GatewayResponse | 'never') => {
  const reply = (signal: AbortSignal) =>
    response === 'never' ? new Promise<GatewayResponse>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })) : Promise.resolve(response);
  return new PaymentGateway({ transport: async (_r, signal) => reply(signal), lookupTransport: async (_r, signal) => reply(signal), credential: async () => 'secret', timeoutMs: 50 });
};

describe('the gateway adapter', () => {
  test.each([
    [409, 'GatewayBusyError'],
    [429, 'GatewayBusyError'],
    [500, 'GatewayUnavailableError'],
    [503, 'GatewayUnavailableError'],
    [400, 'GatewayRequestError'],
    [401, 'GatewayRequestError'],
    [422, 'GatewayRequestError'],
    [201, 'GatewayUnexpectedResponseError'],
    [204, 'GatewayUnexpectedResponseError'],
    [302, 'GatewayUnexpectedResponseError'],
    [307, 'GatewayUnexpectedResponseError'],
  ])('given the gateway answers %d, when charging, then %s', async (status, name) => {
    await expect(answering({ status, body: {} }).charge(request)).rejects.toMatchObject({ name });
  });

  test('given no answer within the timeout, then GatewayTimeoutError (the charge may have happened)', async () => {
    await expect(answering('never').charge(request)).rejects.toBeInstanceOf(GatewayTimeoutError);
  });

  test('given a decline with a code the adapter does not know, or none, then a decline card_declined; a known code keeps its reason', async () => {
    expect(await answering({ status: 402, body: { reason: 'do_not_honor', chargeId: 'ch_1' } }).charge(request)).toEqual({ approved: false, chargeId: 'ch_1', reason: 'card_declined' });
    expect(await answering({ status: 402, body: {} }).charge(request)).toMatchObject({ approved: false, reason: 'card_declined' });
    expect(await answering({ status: 402, body: { reason: 'insufficient_funds' } }).charge(request)).toMatchObject({ approved: false, reason: 'insufficient_funds' });
  });

  test('given a lookup, then 200 is captured, 402 declined, 404 nothing under the key, and 409 or 5xx cannot tell', async () => {
    expect(await answering({ status: 200, body: { approved: true, chargeId: 'ch_2', capturedAt: '2026-01-01T00:00:00.000Z', amount: 1250, currency: 'USD' } }).lookup('k')).toEqual({
      outcome: 'captured',
      chargeId: 'ch_2',
      capturedAt: '2026-01-01T00:00:00.000Z',
      amount: 1250,
      currency: 'USD',
    });
    expect(await answering({ status: 402, body: { reason: 'stolen_card' } }).lookup('k')).toMatchObject({ outcome: 'declined', reason: 'card_declined' });
    expect(await answering({ status: 404, body: {} }).lookup('k')).toEqual({ outcome: 'not_found' });
    await expect(answering({ status: 409, body: {} }).lookup('k')).rejects.toBeInstanceOf(GatewayBusyError);
    await expect(answering({ status: 503, body: {} }).lookup('k')).rejects.toBeInstanceOf(GatewayUnavailableError);
    await expect(answering({ status: 418, body: {} }).lookup('k')).rejects.toBeInstanceOf(GatewayRequestError);
    // a capture that does not say what it captured cannot be recorded
    await expect(answering({ status: 200, body: { approved: true, chargeId: 'ch_3' } }).lookup('k')).rejects.toBeInstanceOf(GatewayUnexpectedResponseError);
  });

  test('given a success of a shape the adapter does not know, then the outcome is unknown (never "not charged")', async () => {
    const shapes: GatewayResponse[] = [
      { status: 200, body: { approved: true } }, // no charge id
      { status: 200, body: { approved: true, chargeId: '' } },
      { status: 200, body: { approved: false, chargeId: 'ch_1' } },
      { status: 200, body: 'OK' },
      { status: 200, body: null },
      { status: 201, body: { approved: true, chargeId: 'ch_1', amount: 1250, currency: 'USD' } },
    ];
    for (const shape of shapes) await expect(answering(shape).charge(request)).rejects.toBeInstanceOf(GatewayUnexpectedResponseError);
  });

  test('given an approval, then it counts only when it echoes the amount and currency sent; another amount, currency or none is an unknown outcome', async () => {
    const approval = (echo: Record<string, unknown>) => answering({ status: 200, body: { approved: true, chargeId: 'ch_1', capturedAt: '2026-01-01T00:00:00.000Z', ...echo } });
    expect(await approval({ amount: 1250, currency: 'USD' }).charge(request)).toEqual({ approved: true, chargeId: 'ch_1', capturedAt: '2026-01-01T00:00:00.000Z' });
    for (const echo of [{ amount: 1251, currency: 'USD' }, { amount: 1250, currency: 'EUR' }, { amount: '1250', currency: 'USD' }, {}]) {
      await expect(approval(echo).charge(request)).rejects.toBeInstanceOf(GatewayUnexpectedResponseError);
    }
  });
});

describe('the gateway credential', () => {
  const approved = { status: 200, body: { approved: true, chargeId: 'ch_1', amount: 1250, currency: 'USD' } };
  /** A card network that accepts only `current()`, and a secret store that answers `stored()`, counting reads. */
  function rotating() {
    const state = { accepted: 'v1', stored: 'v1', reads: 0, seen: [] as string[], clock: 0 };
    const gateway = new PaymentGateway({
      transport: async ({ credential }) => {
        state.seen.push(credential);
        return credential === state.accepted ? approved : { status: 401, body: { error: 'unauthorized' } };
      },
      lookupTransport: async () => ({ status: 404, body: {} }),
      credential: async () => {
        state.reads++;
        return state.stored;
      },
      credentialTtlMs: 60_000,
      now: () => state.clock,
    });
    return { state, gateway };
  }

  test('given a cached credential, when the secret is rotated and the gateway answers 401, then the adapter reads the secret once more and the charge goes through with the same key', async () => {
    const { state, gateway } = rotating();
    await gateway.charge(request);
    state.accepted = state.stored = 'v2';
    expect(await gateway.charge(request)).toMatchObject({ approved: true });
    expect([state.reads, state.seen]).toEqual([2, ['v1', 'v1', 'v2']]);
  });

  test('given a credential the gateway keeps refusing, then one fresh read and one resend, and the refusal (nothing charged)', async () => {
    const { state, gateway } = rotating();
    state.accepted = 'never';
    await expect(gateway.charge(request)).rejects.toBeInstanceOf(GatewayRequestError);
    expect([state.reads, state.seen.length]).toEqual([2, 2]);
  });

  test('given the TTL, then the secret is read once within it and again after it', async () => {
    const { state, gateway } = rotating();
    await gateway.charge(request);
    state.clock = 59_999;
    await gateway.charge(request);
    expect(state.reads).toBe(1);
    state.clock = 60_000;
    await gateway.charge(request);
    expect(state.reads).toBe(2);
  });

  test('given a secret without the expected field, then it is refused and never sent as a token; JSON with apiKey gives the key', () => {
    expect(credentialFromSecret('{"apiKey":"sk_live_1"}')).toBe('sk_live_1');
    for (const bad of ['sk_live_plain', '{"key":"sk_live_1"}', '{"apiKey":""}', '{"apiKey":42}', '[]', 'null', '', undefined]) {
      expect(() => credentialFromSecret(bad)).toThrow(ConfigurationError);
      try {
        credentialFromSecret(bad);
      } catch (err) {
        expect((err as Error).message).not.toContain('sk_live');
      }
    }
  });

  test('given Secrets Manager throttling, a 5xx or no answer, then a transient error (retried); a missing secret or a refused access stays what it is', () => {
    const sdkError = (name: string, fault: 'client' | 'server', httpStatusCode?: number) => Object.assign(new Error(name), { name, $fault: fault, $metadata: { httpStatusCode } });
    for (const transient of [sdkError('ThrottlingException', 'client', 400), sdkError('InternalServiceError', 'server', 500), Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })]) {
      expect(secretReadError(transient)).toBeInstanceOf(GatewayCredentialUnavailableError);
    }
    for (const lasting of [sdkError('ResourceNotFoundException', 'client', 400), sdkError('AccessDeniedException', 'client', 400), sdkError('DecryptionFailure', 'client', 400)]) {
      expect(secretReadError(lasting)).toBe(lasting);
    }
  });
});

describe('the live transport, against a card network on a local port', () => {
  let servers: Server[] = [];
  const listen = async (answer: (req: IncomingMessage, body: string) => { status: number; headers?: Record<string, string>; body?: unknown }) => {
    const seen: { method: string; url: string; authorization?: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
        const a = answer(req, body);
        res.writeHead(a.status, { 'content-type': 'application/json', ...(a.headers ?? {}) });
        res.end(JSON.stringify(a.body ?? {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return { seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };
  afterEach(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    servers = [];
  });

  test('given an endpoint with a base path, then charges and lookups go under it', async () => {
    const network = await listen((_req, body) => ({ status: 200, body: { approved: true, chargeId: 'ch_9', ...JSON.parse(body || '{"amount":1250,"currency":"USD"}') } }));
    const gateway = new PaymentGateway({ transport: liveTransport(`${network.url}/gw/api`), lookupTransport: liveLookupTransport(`${network.url}/gw/api/`), credential: async () => 'sk_1' });
    expect(await gateway.charge(request)).toMatchObject({ approved: true, chargeId: 'ch_9' });
    await gateway.lookup(request.idempotencyKey);
    expect(network.seen.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /gw/api/v1/charges', `GET /gw/api/v1/charges?idempotency_key=${request.idempotencyKey}`]);
    expect(network.seen[0]!.authorization).toBe('Bearer sk_1');
    expect(gatewayUrl('https://gw.example', 'v1/charges').href).toBe('https://gw.example/v1/charges');
    expect(gatewayUrl('https://gw.example/base?x=1', '/v1/charges').href).toBe('https://gw.example/base/v1/charges');
  });

  test('given a gateway that answers a redirect, then it is not followed (the credential goes nowhere else) and the outcome is unknown', async () => {
    const elsewhere = await listen(() => ({ status: 200, body: { approved: true, chargeId: 'ch_x', amount: 1250, currency: 'USD' } }));
    const network = await listen(() => ({ status: 307, headers: { location: `${elsewhere.url}/v1/charges` } }));
    const gateway = new PaymentGateway({ transport: liveTransport(network.url), lookupTransport: liveLookupTransport(network.url), credential: async () => 'sk_1' });
    await expect(gateway.charge(request)).rejects.toBeInstanceOf(GatewayUnexpectedResponseError);
    await expect(gateway.lookup(request.idempotencyKey)).rejects.toBeInstanceOf(GatewayUnexpectedResponseError);
    expect(network.seen).toHaveLength(2);
    expect(elsewhere.seen).toEqual([]);
  });

  test('given a connection the gateway resets, then GatewayUnavailableError (retried, then an unknown outcome)', async () => {
    const server = createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const gateway = new PaymentGateway({ transport: liveTransport(url), lookupTransport: liveLookupTransport(url), credential: async () => 'sk_1' });
    await expect(gateway.charge(request)).rejects.toBeInstanceOf(GatewayUnavailableError);
  });
});
