/**
 * The payments table (the workload's data plane creates it; this module defines what the workflow writes).
 *
 * Key schema: partition key `paymentId` (S), no sort key. Two kinds of item:
 *
 * 1. Payment record, `paymentId = "pay_<32 hex>"` (see `paymentIdFor`: client + key):
 *    | attribute        | type | written by                                   |
 *    | paymentId        | S    | submit (API); also the execution name and the gateway's idempotency key |
 *    | kind             | S    | `"payment"`                                  |
 *    | client           | S    | submit: the API client that created it (reads answer only it) |
 *    | idempotencyKey   | S    | submit: the client's key                     |
 *    | requestBody      | S    | submit: the storable body (JSON), for replays and reconciliation |
 *    | requestHash      | S    | submit: SHA-256 of the canonical body; another payload under the key → 422 |
 *    | status           | S    | RECEIVED (submit) → CHARGING (charge task's claim) → PENDING (unknown outcome) → SETTLED/DECLINED/REJECTED/FAILED (workflow, failure handler, reconcile) |
 *    | claimedBy        | S    | charge task: the execution that owns the charge |
 *    | recordedBy       | S    | the workflow's record writes: the execution (ARN) that wrote the record; never shown to clients |
 *    | reason           | S    | terminal and PENDING writes; `approved` for SETTLED |
 *    | amount           | N    | integer minor units (F-07), once validated   |
 *    | currency         | S    | ISO 4217, once validated                     |
 *    | merchantId, customerId | S | once validated                           |
 *    | chargeId         | S    | SETTLED/issuer DECLINED                      |
 *    | createdAt        | S    | ISO-8601, submit                             |
 *    | updatedAt        | S    | ISO-8601, every write                        |
 *    | errorName        | S    | FAILED or PENDING by an error                |
 *    | reconciledAt     | S    | reconcile, when it decided the payment        |
 *    Every terminal write is conditional: `attribute_not_exists(paymentId) OR NOT
 *    (#status IN (terminal statuses))` — a terminal state is never overwritten (F-10) except by
 *    a retry of the same write (`recordedBy` the same execution and `status` the one it writes),
 *    with `#status`/`#reason` through ExpressionAttributeNames (F-09: both are reserved words).
 *    The claim and reconciliation's writes are conditional on the status they expect.
 *
 * Velocity windows are not kept here: they are per-region operational state, in each
 * region's own counters table (below), never replicated.
 *
 * The counters table (one per region, not replicated; modules/data/counters-table.ts).
 * Key schema: partition key `counterKey` (S). One kind of item, written only by the fraud
 * screen (F-05: no other writer), and its role may write no other key:
 *
 *    Velocity window of one card at one merchant, `counterKey = "window#<merchantId>#<sha256 of
 *    the token, 32 hex>"` (the token itself is not stored): `payments` (M: paymentId →
 *    `{ at: epoch ms, amount: N, currency: S, declined: BOOL }` of the payments screened in the
 *    last 60 s, this one included; `declined` ones count as attempts, not as amounts),
 *    `version` (N, optimistic lock), `expiresAt` (N, epoch seconds: DynamoDB's TTL deletes the
 *    item once the window is over).
 */
import { createHash } from 'node:crypto';
import { clientReason, isTerminal, TERMINAL_STATUSES, type PaymentStatus } from './payment';

export const PAYMENTS_TABLE_KEY = 'paymentId';
export const COUNTERS_TABLE_KEY = 'counterKey';
export const COUNTERS_TTL_ATTRIBUTE = 'expiresAt';
export const VELOCITY_WINDOW_PREFIX = 'window#';

/** The counters key of a card's window at a merchant: the token is hashed, so the table holds no token. */
export function velocityWindowKey(merchantId: string, token: string): string {
  return `${VELOCITY_WINDOW_PREFIX}${merchantId}#${createHash('sha256').update(`card\u0000${token}`).digest('hex').slice(0, 32)}`;
}

export interface PaymentRecord {
  readonly paymentId: string;
  readonly kind?: 'payment';
  readonly client?: string;
  readonly idempotencyKey?: string;
  readonly status: PaymentStatus;
  readonly reason?: string;
  readonly amount?: number;
  readonly currency?: string;
  readonly merchantId?: string;
  readonly customerId?: string;
  readonly chargeId?: string;
  readonly createdAt?: string;
  readonly updatedAt?: string;
  readonly errorName?: string;
}

/** What `GET /payments/{paymentId}` returns (contract): the record as a client may see it. */
export interface PaymentView {
  readonly paymentId: string;
  readonly status: PaymentStatus;
  readonly amount: number | null;
  readonly currency: string | null;
  readonly reason: string | null;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
}

export function toView(r: PaymentRecord): PaymentView {
  return {
    paymentId: r.paymentId,
    status: r.status,
    amount: typeof r.amount === 'number' ? r.amount : null,
    currency: r.currency ?? null,
    // A settled or undecided payment has no decline or failure reason (PENDING says why it waits);
    // a fraud-screen decline is told as the generic decline (the record keeps which rule fired).
    reason: r.status === 'SETTLED' || r.status === 'RECEIVED' || r.status === 'CHARGING' ? null : clientReason(r.status, r.reason ?? null),
    createdAt: r.createdAt ?? null,
    updatedAt: r.updatedAt ?? null,
  };
}

/** The condition every terminal write carries (F-10), with its names and values (F-09). */
export const NOT_TERMINAL_CONDITION = `attribute_not_exists(#pk) OR NOT (#status IN (${TERMINAL_STATUSES.map((s) => `:t_${s}`).join(', ')}))`;
export const NOT_TERMINAL_VALUES: Record<string, { S: string }> = Object.fromEntries(TERMINAL_STATUSES.map((s) => [`:t_${s}`, { S: s }]));
export { isTerminal };
