/**
 * The payment gateway adapter: one `charge` call with a per-attempt timeout and the
 * payment's idempotency key on every attempt (F-08), so a retried task or a lost response
 * never charges twice. Errors are classified for the state machine's Retry (F-03):
 * 5xx / unreachable → GatewayUnavailableError, no answer in time → GatewayTimeoutError,
 * 409 (a request with the key in progress) / 429 → GatewayBusyError (all transient, retried
 * with the same key, and after the last retry an unknown outcome: PENDING). A 402 is a
 * decline whatever its code (a code we do not know is `card_declined`); an approval counts only
 * with a charge id and the amount and currency that were sent. Only an explicit refusal (any
 * other 4xx) means nothing was charged (GatewayRequestError); every other answer — a 2xx of
 * another shape, a redirect, an approval of another amount — is GatewayUnexpectedResponseError,
 * an unknown outcome. `lookup` asks the gateway what happened to a key (reconciliation).
 *
 * The credential is cached for `credentialTtlMs` (a rotated secret is picked up within that
 * time) and read afresh once when the gateway answers 401, before the request is sent again
 * with the same key; a second 401 is a refusal.
 *
 * Two transports behind one interface: `live` (HTTPS to the configured endpoint, bearer
 * credential from Secrets Manager, redirects refused) and the built-in `sandbox` for non-prod
 * workloads, whose behaviour is chosen by token (contract, see SANDBOX_TOKENS) and which keeps
 * its captures per idempotency key in a DynamoDB table, so captures can be counted.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createHash, randomUUID } from 'node:crypto';
import { GatewayBusyError, GatewayRequestError, GatewayTimeoutError, GatewayUnavailableError, GatewayUnexpectedResponseError } from '../../contract/errors';

export interface ChargeRequest {
  readonly idempotencyKey: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly currency: string;
  readonly merchantId: string;
  readonly customerId: string;
  readonly token: string;
}

export type ChargeResult =
  | { readonly approved: true; readonly chargeId: string; readonly capturedAt: string }
  | { readonly approved: false; readonly chargeId: string; readonly reason: 'insufficient_funds' | 'card_declined' };

/** What the gateway knows of a key: captured, declined, or nothing (the charge never reached it). */
export type LookupResult =
  | { readonly outcome: 'captured'; readonly chargeId: string; readonly capturedAt: string; readonly amount: number; readonly currency: string }
  | { readonly outcome: 'declined'; readonly chargeId: string; readonly reason: 'insufficient_funds' | 'card_declined' }
  | { readonly outcome: 'not_found' };

export interface GatewayResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Sends one request; must honour `signal` (abort = the adapter's timeout). */
export type GatewayTransport = (request: { credential: string; idempotencyKey: string; body: ChargeRequest }, signal: AbortSignal) => Promise<GatewayResponse>;

/** Asks for the charge of a key (`GET`): answers like a charge (200 captured, 402 declined) or 404. */
export type LookupTransport = (request: { credential: string; idempotencyKey: string }, signal: AbortSignal) => Promise<GatewayResponse>;

export interface GatewayOptions {
  readonly transport: GatewayTransport;
  readonly lookupTransport: LookupTransport;
  /** Returns the credential; cached for `credentialTtlMs`, called again after it or on a 401. */
  readonly credential: () => Promise<string>;
  /** @default 5000 — per attempt; the task's retries add attempts, never this call. */
  readonly timeoutMs?: number;
  /** @default 300000 — how long a credential read is reused (a rotated secret is picked up within it). */
  readonly credentialTtlMs?: number;
  /** @default Date.now — the clock of the credential cache. */
  readonly now?: () => number;
}

/** The default time a credential read is reused: five minutes. */
export const CREDENTIAL_TTL_MS = 300_000;

export class PaymentGateway {
  private credential?: { readonly value: Promise<string>; readonly readAt: number };
  constructor(private readonly options: GatewayOptions) {}

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const response = await this.call(request.idempotencyKey, (credential, signal) => this.options.transport({ credential, idempotencyKey: request.idempotencyKey, body: request }, signal));
    const body = asObject(response.body);
    if (response.status === 200 && body.approved === true && typeof body.chargeId === 'string' && body.chargeId !== '') {
      // An approval of another amount or currency is not this payment's: its outcome is unknown until someone looks.
      if (body.amount !== request.amount || body.currency !== request.currency) {
        throw new GatewayUnexpectedResponseError(
          `gateway approved ${String(body.amount)} ${String(body.currency)} for a charge of ${request.amount} ${request.currency} (key ${request.idempotencyKey}, charge ${body.chargeId})`,
        );
      }
      return { approved: true, chargeId: body.chargeId, capturedAt: String(body.capturedAt ?? new Date().toISOString()) };
    }
    if (response.status === 402) return { approved: false, chargeId: String(body.chargeId ?? ''), reason: declineReason(body.reason) };
    throw unrecognised(response, 'a charge', request.idempotencyKey);
  }

  /** What the gateway holds for a key; throws the charge's transient errors when it cannot tell. */
  async lookup(idempotencyKey: string): Promise<LookupResult> {
    const response = await this.call(idempotencyKey, (credential, signal) => this.options.lookupTransport({ credential, idempotencyKey }, signal));
    const body = asObject(response.body);
    if (response.status === 404) return { outcome: 'not_found' };
    if (response.status === 200 && body.approved === true && typeof body.chargeId === 'string' && body.chargeId !== '' && typeof body.amount === 'number' && typeof body.currency === 'string') {
      return { outcome: 'captured', chargeId: body.chargeId, capturedAt: String(body.capturedAt ?? new Date().toISOString()), amount: body.amount, currency: body.currency };
    }
    if (response.status === 402) return { outcome: 'declined', chargeId: String(body.chargeId ?? ''), reason: declineReason(body.reason) };
    throw unrecognised(response, 'a lookup', idempotencyKey);
  }

  /** The cached credential, or a fresh read when there is none, it is older than the TTL, or `fresh`. */
  private credentialValue(fresh: boolean): Promise<string> {
    const now = (this.options.now ?? Date.now)();
    const ttl = this.options.credentialTtlMs ?? CREDENTIAL_TTL_MS;
    const cached = this.credential;
    if (!fresh && cached !== undefined && now - cached.readAt < ttl) return cached.value;
    const entry = {
      readAt: now,
      value: this.options.credential().catch((err: unknown) => {
        if (this.credential === entry) this.credential = undefined; // do not cache a failure
        throw err;
      }),
    };
    this.credential = entry;
    return entry.value;
  }

  private async call(idempotencyKey: string, send: (credential: string, signal: AbortSignal) => Promise<GatewayResponse>): Promise<GatewayResponse> {
    const first = await this.attempt(idempotencyKey, await this.credentialValue(false), send);
    if (first.status !== 401) return first;
    // The secret may have been rotated since it was read: read it again, once, and resend with the same key.
    return this.attempt(idempotencyKey, await this.credentialValue(true), send);
  }

  private async attempt(idempotencyKey: string, credential: string, send: (credential: string, signal: AbortSignal) => Promise<GatewayResponse>): Promise<GatewayResponse> {
    const timeoutMs = this.options.timeoutMs ?? 5000;
    const signal = AbortSignal.timeout(timeoutMs);
    let response: GatewayResponse;
    try {
      response = await send(credential, signal);
    } catch (err) {
      if (signal.aborted) throw new GatewayTimeoutError(`no answer from the gateway within ${timeoutMs} ms (key ${idempotencyKey})`);
      throw new GatewayUnavailableError(`gateway unreachable: ${(err as Error).message}`);
    }
    if (response.status >= 500) throw new GatewayUnavailableError(`gateway answered ${response.status}`);
    if (response.status === 409 || response.status === 429) throw new GatewayBusyError(`gateway answered ${response.status} (key ${idempotencyKey})`);
    return response;
  }
}

const asObject = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Only a 4xx is a refusal (nothing done); any other answer we do not recognise may hide a capture. */
function unrecognised(response: GatewayResponse, what: string, idempotencyKey: string): Error {
  const detail = `gateway answered ${response.status} to ${what} (key ${idempotencyKey}): ${JSON.stringify(response.body ?? null).slice(0, 200)}`;
  return response.status >= 400 && response.status < 500 ? new GatewayRequestError(detail) : new GatewayUnexpectedResponseError(detail);
}

/** A decline is a decline whatever its code: the ones we know keep their reason, any other is `card_declined`. */
function declineReason(code: unknown): 'insufficient_funds' | 'card_declined' {
  return code === 'insufficient_funds' ? 'insufficient_funds' : 'card_declined';
}

/**
 * `endpoint` joined with a relative path: the endpoint's own path is kept
 * (`https://gw.example/api` + `v1/charges` → `https://gw.example/api/v1/charges`), where
 * `new URL('/v1/charges', endpoint)` would drop it.
 */
export function gatewayUrl(endpoint: string, path: string): URL {
  const base = new URL(endpoint);
  if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
  base.search = '';
  base.hash = '';
  return new URL(path.replace(/^\/+/, ''), base);
}

/**
 * HTTPS to a real gateway: `POST {endpoint}/v1/charges` with the key in `Idempotency-Key`.
 * Redirects are never followed (`redirect: 'manual'`): following one would send the
 * credential and the card token to another address, perhaps over plain HTTP. A redirect is
 * answered as it came (a 3xx), which the adapter treats as an unknown outcome.
 */
export function liveTransport(endpoint: string): GatewayTransport {
  const url = gatewayUrl(endpoint, 'v1/charges');
  return async ({ credential, idempotencyKey, body }, signal) =>
    parsed(
      await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { authorization: `Bearer ${credential}`, 'idempotency-key': idempotencyKey, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      }),
    );
}

/** HTTPS lookup of a key's charge: `GET {endpoint}/v1/charges?idempotency_key=<key>` (200 / 402 like a charge, 404 none); redirects refused. */
export function liveLookupTransport(endpoint: string): LookupTransport {
  return async ({ credential, idempotencyKey }, signal) => {
    const url = gatewayUrl(endpoint, 'v1/charges');
    url.searchParams.set('idempotency_key', idempotencyKey);
    return parsed(await fetch(url, { method: 'GET', redirect: 'manual', headers: { authorization: `Bearer ${credential}` }, signal }));
  };
}

async function parsed(res: Response): Promise<GatewayResponse> {
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/**
 * Sandbox tokens (contract):
 * - `tok_success` approves; `tok_insufficient_funds`, `tok_card_declined` decline with that reason;
 * - `tok_flaky` answers 503 to the first two attempts of a key, then approves;
 * - `tok_gateway_down` always answers 503 (and captures nothing): after the retries the
 *   outcome is unknown (PENDING), and reconciliation finds nothing under the key;
 * - `tok_lost_response` captures, but the first response of a key never arrives; a retry with
 *   the same key returns that capture;
 * - `tok_capture_no_response` captures on the first attempt and never answers any attempt:
 *   only a lookup of the key tells that it was captured;
 * - `tok_request_in_progress` answers 409 to every attempt and never captures;
 * - `tok_do_not_honor` declines with a code the adapter does not know (`do_not_honor`);
 * - `tok_refused` answers 400 (the request itself refused) and captures nothing: FAILED;
 * - `tok_unexpected_success` captures and answers 201 without a charge id: an answer the
 *   adapter does not know, so PENDING until reconciliation finds the capture;
 * - `tok_amount_mismatch` captures one minor unit more than asked and says so in its approval:
 *   PENDING, and reconciliation leaves it to a person.
 * A token may carry a suffix after `__` (`tok_success__42`): another card that behaves the same,
 * so a test or a load run can send many distinct cards of one behaviour.
 * Any other token is declined `card_declined` (the sandbox approves only what it is told to).
 * A lookup answers the key's capture (200), its decline (402), or 404.
 */
export const SANDBOX_TOKENS = [
  'tok_success',
  'tok_insufficient_funds',
  'tok_card_declined',
  'tok_flaky',
  'tok_gateway_down',
  'tok_lost_response',
  'tok_capture_no_response',
  'tok_request_in_progress',
  'tok_do_not_honor',
  'tok_refused',
  'tok_unexpected_success',
  'tok_amount_mismatch',
] as const;

/** The sandbox behaviour of a token: the token without its `__suffix`. */
export function sandboxBehaviour(token: string): string {
  const at = token.indexOf('__');
  return at === -1 ? token : token.slice(0, at);
}

/** Item of the sandbox captures table: partition key `idempotencyKey` (S). */
export interface SandboxCaptureItem {
  readonly idempotencyKey: string;
  /** Requests seen for this key. */
  readonly attempts: number;
  /** Captures performed for this key: 1 at most, whatever the retries. */
  readonly captures?: number;
  readonly chargeId?: string;
  readonly capturedAt?: string;
  readonly amount?: number;
  readonly currency?: string;
  /** The decline code the sandbox answered, for lookups. */
  readonly declineCode?: string;
}

export class SandboxGateway {
  private readonly doc: DynamoDBDocumentClient;
  constructor(
    doc: DynamoDBDocumentClient | DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = doc as DynamoDBDocumentClient;
  }

  readonly transport: GatewayTransport = async ({ credential, idempotencyKey, body }, signal) => {
    if (credential === '') return { status: 401, body: { error: 'missing credential' } };
    const declined = async (reason: string) => {
      await this.attempt(idempotencyKey, { declineCode: reason });
      return { status: 402, body: { approved: false, reason, chargeId: declinedChargeId(idempotencyKey) } };
    };
    switch (sandboxBehaviour(body.token)) {
      case 'tok_success':
        return this.approve(await this.attempt(idempotencyKey, { capture: body }));
      case 'tok_insufficient_funds':
        return declined('insufficient_funds');
      case 'tok_do_not_honor':
        return declined('do_not_honor');
      case 'tok_request_in_progress':
        await this.attempt(idempotencyKey, {});
        return { status: 409, body: { error: 'a request with this idempotency key is in progress' } };
      case 'tok_capture_no_response':
        await this.attempt(idempotencyKey, { capture: body });
        return neverAnswer(signal);
      case 'tok_flaky': {
        const { attempts } = await this.attempt(idempotencyKey, {});
        return attempts <= 2 ? { status: 503, body: { error: 'try again' } } : this.approve(await this.attempt(idempotencyKey, { capture: body, uncounted: true }));
      }
      case 'tok_gateway_down':
        await this.attempt(idempotencyKey, {});
        return { status: 503, body: { error: 'down' } };
      case 'tok_lost_response': {
        const captured = await this.attempt(idempotencyKey, { capture: body });
        if (captured.attempts === 1) await neverAnswer(signal);
        return this.approve(captured);
      }
      case 'tok_refused':
        await this.attempt(idempotencyKey, {});
        return { status: 400, body: { error: 'invalid request' } };
      case 'tok_unexpected_success':
        await this.attempt(idempotencyKey, { capture: body });
        return { status: 201, body: { status: 'created' } };
      case 'tok_amount_mismatch':
        return this.approve(await this.attempt(idempotencyKey, { capture: { ...body, amount: body.amount + 1 } }));
      default:
        return declined('card_declined');
    }
  };

  readonly lookupTransport: LookupTransport = async ({ credential, idempotencyKey }) => {
    if (credential === '') return { status: 401, body: { error: 'missing credential' } };
    const item = await this.captures(idempotencyKey);
    if (item?.chargeId !== undefined) return this.approve(item);
    if (item?.declineCode !== undefined) return { status: 402, body: { approved: false, reason: item.declineCode, chargeId: declinedChargeId(idempotencyKey) } };
    return { status: 404, body: { error: 'no charge with this idempotency key' } };
  };

  /** The captures item of a key (strongly consistent), or undefined. */
  async captures(idempotencyKey: string): Promise<SandboxCaptureItem | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { idempotencyKey }, ConsistentRead: true }));
    return out.Item as SandboxCaptureItem | undefined;
  }

  /** An approval echoes the captured amount and currency, as a card network's does. */
  private approve(c: { chargeId?: string; capturedAt?: string; amount?: number; currency?: string }): GatewayResponse {
    return { status: 200, body: { approved: true, chargeId: c.chargeId, capturedAt: c.capturedAt, amount: c.amount, currency: c.currency } };
  }

  /**
   * One request of a key, in one write: counts the attempt (unless `uncounted`), and captures
   * or records the decline. A capture happens once per key whatever the retries: its
   * fields are set only where absent, so a second request gets the first capture back.
   */
  private async attempt(
    idempotencyKey: string,
    what: { capture?: ChargeRequest; declineCode?: string; uncounted?: boolean },
  ): Promise<{ attempts: number; chargeId?: string; capturedAt?: string; amount?: number; currency?: string }> {
    const sets: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const setOnce = (field: string, value: unknown) => {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = if_not_exists(#${field}, :${field})`);
    };
    if (what.capture) {
      setOnce('chargeId', `ch_${randomUUID().replace(/-/g, '')}`);
      setOnce('capturedAt', new Date().toISOString());
      setOnce('amount', what.capture.amount);
      setOnce('currency', what.capture.currency);
      setOnce('captures', 1);
    }
    if (what.declineCode !== undefined) {
      names['#declineCode'] = 'declineCode';
      values[':declineCode'] = what.declineCode;
      sets.push('#declineCode = :declineCode');
    }
    if (!what.uncounted) {
      names['#attempts'] = 'attempts';
      values[':one'] = 1;
    }
    const expression = [sets.length > 0 ? `SET ${sets.join(', ')}` : '', what.uncounted ? '' : 'ADD #attempts :one'].filter((x) => x !== '').join(' ');
    const out = await this.doc.send(
      new UpdateCommand({ TableName: this.table, Key: { idempotencyKey }, UpdateExpression: expression, ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValues: 'ALL_NEW' }),
    );
    const item = (out.Attributes ?? {}) as SandboxCaptureItem;
    return { attempts: Number(item.attempts ?? 0), chargeId: item.chargeId, capturedAt: item.capturedAt, amount: item.amount, currency: item.currency };
  }
}

const declinedChargeId = (idempotencyKey: string) => `ch_declined_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 16)}`;

/** A response that never arrives: settles only when the caller gives up (its timeout aborts). */
function neverAnswer(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
