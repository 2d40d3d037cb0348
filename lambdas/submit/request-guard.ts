/**
 * What submit checks before it stores anything: the checks that keep card data and
 * oversized or shapeless bodies out of the payments table and the execution history. The
 * business rules (amounts, currencies, id patterns) stay with the validate task, which
 * records a REJECTED payment; a body refused here creates no payment at all.
 *
 * - the media type: `application/json` (UTF-8) only, as the API's model validates it (415);
 * - the size: at most `MAX_REQUEST_BODY_BYTES` (413), far below what Step Functions accepts
 *   as an execution input, so a stored request can always be started;
 * - a JSON object (400 `invalid_body`; `null`, arrays, numbers and strings are none);
 * - no key outside the contract, at the top or in `paymentMethod` (400 `unknown_field` /
 *   `invalid_payment_method`): a key's name is stored, so a card number sent as a key would be;
 * - no value that holds a card number (400 with the field's reason): see `cardNumberIn`.
 * Pure; never throws.
 */
import { PAYMENT_METHOD_FIELDS, REQUEST_FIELDS, type RejectReason } from '../../contract/payment';

/**
 * The largest request body submit accepts, in UTF-8 bytes. A body the contract allows is far
 * smaller (every field is bounded; a 500-character description escaped as `\uXXXX` surrogate
 * pairs is 6,000 bytes); the bound keeps whitespace padding and the like out.
 */
export const MAX_REQUEST_BODY_BYTES = 16 * 1024;

/** Step Functions' limit on an execution's input (and on any state's payload), UTF-8 bytes. */
export const STEP_FUNCTIONS_PAYLOAD_LIMIT_BYTES = 256 * 1024;

/** `application/json`, optionally with `charset=utf-8` (any case, any spacing around `;`). */
export const JSON_MEDIA_TYPE = /^\s*application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/** Which reason a card number in each field is refused with. */
const FIELD_REASON: Record<(typeof REQUEST_FIELDS)[number], RejectReason> = {
  amount: 'invalid_amount',
  currency: 'invalid_currency',
  merchantId: 'invalid_merchant_id',
  customerId: 'invalid_customer_id',
  paymentMethod: 'invalid_payment_method',
  description: 'invalid_description',
};

export type GuardResult =
  { readonly ok: true; readonly body: Record<string, unknown> } | { readonly ok: false; readonly statusCode: 400 | 413 | 415; readonly reason: RejectReason; readonly message: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The Luhn check of a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Whether a text holds what may be a card number: 13 to 19 digits in a row that pass the Luhn
 * check. Digits written in groups (single spaces or hyphens between them, as card numbers are
 * printed: `4111 1111 1111 1111`) count as one run, and so does every sequence of adjacent
 * groups, so a card number followed by more groups (`4111 1111 1111 1111 123`) is found too.
 * A number of 13 to 19 digits that is no card number passes the Luhn check one time in ten
 * and is then refused as well; a payment's text fields rarely need one.
 */
export function cardNumberIn(text: string): boolean {
  for (const run of text.match(/\d+(?:[ -]\d+)*/g) ?? []) {
    const groups = run.split(/[ -]/);
    for (let first = 0; first < groups.length; first++) {
      let digits = '';
      for (let last = first; last < groups.length && digits.length < 19; last++) {
        digits += groups[last];
        if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) return true;
      }
    }
  }
  return false;
}

/** Every string and number inside a value (object keys are checked elsewhere: only contract keys get this far). */
function scalarsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number') return [Number.isInteger(value) ? BigInt(value).toString() : String(value)];
  if (Array.isArray(value)) return value.flatMap(scalarsOf);
  if (isObject(value)) return Object.values(value).flatMap(scalarsOf);
  return [];
}

/** Checks a request as API Gateway hands it to the function (proxy integration). */
export function guardRequest(req: { readonly contentType: string | undefined; readonly body: string | null | undefined; readonly isBase64Encoded?: boolean }): GuardResult {
  const refuse = (statusCode: 400 | 413 | 415, reason: RejectReason, message: string): GuardResult => ({ ok: false, statusCode, reason, message });
  if (req.contentType === undefined || !JSON_MEDIA_TYPE.test(req.contentType) || req.isBase64Encoded === true) {
    return refuse(415, 'invalid_body', 'Content-Type must be application/json (UTF-8)');
  }
  const text = req.body ?? '';
  if (Buffer.byteLength(text, 'utf8') > MAX_REQUEST_BODY_BYTES) return refuse(413, 'invalid_body', `the body must be at most ${MAX_REQUEST_BODY_BYTES} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return refuse(400, 'invalid_body', 'the body must be a JSON object');
  }
  if (!isObject(body)) return refuse(400, 'invalid_body', 'the body must be a JSON object');
  // Neither message names the key: a key is whatever the client sent, card data included.
  const unknown = Object.keys(body).filter((k) => !(REQUEST_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) return refuse(400, 'unknown_field', `the body has ${unknown.length} field(s) outside the contract (${REQUEST_FIELDS.join(', ')})`);
  const method = body.paymentMethod;
  if (isObject(method) && Object.keys(method).some((k) => !(PAYMENT_METHOD_FIELDS as readonly string[]).includes(k))) {
    return refuse(400, 'invalid_payment_method', `paymentMethod may hold only ${PAYMENT_METHOD_FIELDS.join(' and ')}`);
  }
  for (const field of REQUEST_FIELDS) {
    if (scalarsOf(body[field]).some(cardNumberIn)) {
      return refuse(400, FIELD_REASON[field], `${field} holds what looks like a card number (13 to 19 digits passing the Luhn check): send a token, never card data`);
    }
  }
  return { ok: true, body };
}
