/**
 * The payment domain: the request contract of `POST /payments`, statuses and reasons
 * (both are contracts: users' scripts match on them), and the validation every entry
 * point shares (the API's JSON-schema model mirrors it; the workflow enforces it).
 */
import { createHash } from 'node:crypto';
import { isCurrencyCode, isMinorAmount, type CurrencyCode } from './money';

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
export const MERCHANT_ID_PATTERN = /^mer_[A-Za-z0-9]{3,32}$/;
export const CUSTOMER_ID_PATTERN = /^cus_[A-Za-z0-9]{3,32}$/;
export const CARD_TOKEN_PATTERN = /^tok_[A-Za-z0-9_]{3,64}$/;
export const MAX_DESCRIPTION_LENGTH = 500;
export const REQUEST_FIELDS = ['amount', 'currency', 'merchantId', 'customerId', 'paymentMethod', 'description'] as const;
export const PAYMENT_METHOD_FIELDS = ['type', 'token'] as const;

/** Terminal statuses (contract). */
export const TERMINAL_STATUSES = ['SETTLED', 'DECLINED', 'REJECTED', 'FAILED'] as const;
/**
 * Not terminal: `RECEIVED` accepted by the API, the workflow has not decided yet; `CHARGING`
 * one execution has claimed the charge and is calling the gateway; `PENDING` the charge's
 * outcome is unknown (no answer, a crash, a lost recording) until reconciliation asks the
 * gateway by idempotency key. A PENDING payment may still settle: never retry it with a new key.
 */
export const PAYMENT_STATUSES = ['RECEIVED', 'CHARGING', 'PENDING', ...TERMINAL_STATUSES] as const;
/** Why a payment is PENDING. */
export const PENDING_REASONS = ['outcome_unknown'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Why a request was REJECTED (the first rule it breaks, in this order). */
export const REJECT_REASONS = [
  'invalid_idempotency_key', // the Idempotency-Key header is missing or malformed (400 from the API, no payment)
  'idempotency_key_reused', // the client's key was used before with another payload (422 from the API; the original is untouched)
  'invalid_body', // not a JSON object
  'unknown_field', // any field outside the contract (raw card data is never accepted)
  'invalid_amount', // not an integer of minor units ≥ 1 (F-07)
  'invalid_currency', // not upper-case ISO 4217
  'unsupported_currency', // ISO 4217 but not one of the workload's currencies
  'amount_exceeds_maximum', // above the workload's maximum for that currency
  'invalid_merchant_id',
  'invalid_customer_id',
  'invalid_payment_method', // not { type: "card", token: "tok_…" }
  'invalid_description', // not a string of at most 500 characters
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
/**
 * Why the fraud screen DECLINED a payment: one amount above the currency's review threshold;
 * too many payments of one card at one merchant in the window; or their amounts together above
 * the threshold (an amount split into parts). Kept in the record and the logs; a client is told
 * only `card_declined` (see `clientReason`), so a prober cannot learn which rule fired.
 */
export const SCREEN_DECLINE_REASONS = ['fraud_suspected', 'velocity_exceeded', 'amount_velocity_exceeded'] as const;
export type ScreenDeclineReason = (typeof SCREEN_DECLINE_REASONS)[number];
/** Why a payment was DECLINED: by the fraud screen or by the issuer (a decline code we do not know is `card_declined`). */
export const DECLINE_REASONS = [...SCREEN_DECLINE_REASONS, 'insufficient_funds', 'card_declined'] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];
/** The decline reason a client is told in place of any fraud-screen reason: the one an issuer's unknown decline gets. */
export const GENERIC_DECLINE_REASON = 'card_declined' satisfies DeclineReason;

/** The reason a client may see for a recorded one: a fraud-screen decline becomes the generic decline; every other reason is the record's. */
export function clientReason(status: string, reason: string | null): string | null {
  return status === 'DECLINED' && (SCREEN_DECLINE_REASONS as readonly (string | null)[]).includes(reason) ? GENERIC_DECLINE_REASON : reason;
}
/** Why a payment FAILED. */
export const FAILURE_REASONS = [
  // Written by earlier versions only: a gateway that answers 5xx or cannot be reached through every
  // retry may have captured, so the payment is now PENDING and reconciliation decides.
  'gateway_unavailable',
  'internal_error',
  'execution_failed', // the execution ended before it claimed the charge
  'execution_timed_out',
  'execution_aborted',
  'not_charged', // reconciliation: the gateway holds no charge for the key; nothing was taken
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export interface PaymentRequest {
  readonly amount: number;
  readonly currency: CurrencyCode;
  readonly merchantId: string;
  readonly customerId: string;
  readonly paymentMethod: { readonly type: 'card'; readonly token: string };
  readonly description?: string;
}

/** The workflow's execution input, written by the API's submit function (and the simulator through it). */
export interface ExecutionInput {
  readonly paymentId: string;
  /** The API client the request was authenticated as (its name in the manifest). */
  readonly client: string;
  /** The client's own key; unique per client only. */
  readonly idempotencyKey: string;
  readonly receivedAt: string;
  /** The request body exactly as sent: untrusted until the validate task says otherwise. */
  readonly body: unknown;
}

export interface PaymentRules {
  readonly currencies: readonly string[];
  /** The largest amount, in minor units, of a currency without an entry in `maxAmountMinorByCurrency`. */
  readonly maxAmountMinor: number;
  /** The largest amount of each currency, in that currency's minor units (JPY in yen, USD in cents). */
  readonly maxAmountMinorByCurrency?: Readonly<Record<string, number>>;
}

export type ValidationResult = { readonly valid: true; readonly payment: PaymentRequest } | { readonly valid: false; readonly reason: RejectReason };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const validMerchantId = (v: unknown) => typeof v === 'string' && MERCHANT_ID_PATTERN.test(v);
const validCustomerId = (v: unknown) => typeof v === 'string' && CUSTOMER_ID_PATTERN.test(v);
// Length in code points, as JSON Schema's maxLength counts it in the API's model (an emoji is one, not two UTF-16 units).
const validDescription = (v: unknown) => v === undefined || (typeof v === 'string' && [...v].length <= MAX_DESCRIPTION_LENGTH);

/** Pure; never throws, whatever `body` is. */
export function validatePaymentRequest(body: unknown, rules: PaymentRules): ValidationResult {
  const reject = (reason: RejectReason): ValidationResult => ({ valid: false, reason });
  if (!isObject(body)) return reject('invalid_body');
  for (const k of Object.keys(body)) if (!(REQUEST_FIELDS as readonly string[]).includes(k)) return reject('unknown_field');
  const { amount, currency, merchantId, customerId, paymentMethod, description } = body;
  if (!isMinorAmount(amount)) return reject('invalid_amount');
  if (!isCurrencyCode(currency)) return reject('invalid_currency');
  if (!rules.currencies.includes(currency)) return reject('unsupported_currency');
  // An amount is only comparable with a limit of its own currency: 10050 is ¥10,050 but $100.50.
  const max = Object.prototype.hasOwnProperty.call(rules.maxAmountMinorByCurrency ?? {}, currency) ? rules.maxAmountMinorByCurrency![currency]! : rules.maxAmountMinor;
  if (amount > max) return reject('amount_exceeds_maximum');
  if (!validMerchantId(merchantId)) return reject('invalid_merchant_id');
  if (!validCustomerId(customerId)) return reject('invalid_customer_id');
  if (!isObject(paymentMethod)) return reject('invalid_payment_method');
  for (const k of Object.keys(paymentMethod)) if (!(PAYMENT_METHOD_FIELDS as readonly string[]).includes(k)) return reject('invalid_payment_method');
  if (paymentMethod.type !== 'card' || typeof paymentMethod.token !== 'string' || !CARD_TOKEN_PATTERN.test(paymentMethod.token)) {
    return reject('invalid_payment_method');
  }
  if (!validDescription(description)) return reject('invalid_description');
  const payment: PaymentRequest = {
    amount,
    currency,
    merchantId: merchantId as string,
    customerId: customerId as string,
    paymentMethod: { type: 'card', token: paymentMethod.token },
    ...(description === undefined ? {} : { description: description as string }),
  };
  return { valid: true, payment };
}

/**
 * What of a request body may be stored (the payments table's RECEIVED record) and passed on
 * (the execution input, and so Step Functions' execution history): the body with every value
 * outside the contract replaced by `null` — the value of an unknown field (a card number sent
 * as `cardNumber`), a payment method that is not `{ type, token: "tok_…" }`, an id or
 * currency that breaks its pattern. The API's request model refuses such bodies before any
 * function runs; this keeps raw card data out of storage should anything ever reach the
 * function around it. Keys are kept and every replaced value breaks its rule, so
 * `validatePaymentRequest` gives the stored body the very answer it gives the original.
 * Pure; never throws.
 */
export function storableRequest(body: unknown): unknown {
  if (!isObject(body)) return body === undefined ? undefined : null;
  const keep = (ok: boolean, v: unknown) => (ok ? v : null);
  const storable = (k: string, v: unknown): unknown => {
    switch (k) {
      case 'amount':
        return keep(typeof v === 'number', v);
      case 'currency':
        return keep(isCurrencyCode(v), v);
      case 'merchantId':
        return keep(validMerchantId(v), v);
      case 'customerId':
        return keep(validCustomerId(v), v);
      case 'description':
        return keep(validDescription(v), v);
      case 'paymentMethod':
        return isObject(v)
          ? Object.fromEntries(
              Object.entries(v).map(([mk, mv]) => [mk, mk === 'type' ? keep(mv === 'card', mv) : mk === 'token' ? keep(typeof mv === 'string' && CARD_TOKEN_PATTERN.test(mv), mv) : null]),
            )
          : null;
      default:
        return null; // an unknown field: its name is kept (it is why the request is rejected), never its value
    }
  };
  // Object.fromEntries defines own properties, so even a "__proto__" key stays a key (and the request stays rejected).
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, storable(k, v)]));
}

/**
 * The payment id is derived from the client and its idempotency key, so every entry point
 * (API retry, a second concurrent request, the simulator) computes the same id for the same
 * client and key without a lookup, and two clients' equal keys are two payments. It is also
 * the execution name (36 characters of [a-z0-9_]) and the idempotency key sent to the card
 * network. Opaque: neither the client nor the key can be read from it.
 */
export function paymentIdFor(client: string, idempotencyKey: string): string {
  return `pay_${createHash('sha256').update(`payment\u0000${client}\u0000${idempotencyKey}`).digest('hex').slice(0, 32)}`;
}

export const PAYMENT_ID_PATTERN = /^pay_[0-9a-f]{32}$/;

/** JSON with object keys sorted at every level: equal payloads give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Fingerprint of a request payload (the storable body, compared canonically): a reused key with another payload is refused. */
export function requestFingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

export function isTerminal(status: unknown): status is TerminalStatus {
  return typeof status === 'string' && (TERMINAL_STATUSES as readonly string[]).includes(status);
}
