/**
 * `POST /payments`: the API's idempotency point.
 * 1. The client is the principal API Gateway authenticated (IAM), mapped to its name
 *    (lambdas/runtime/api-clients.ts); a principal that is no client gets 403. The resource
 *    policy already refuses such principals; this is the second line.
 * 2. `Idempotency-Key` must match ^[A-Za-z0-9_-]{8,64}$ (400 otherwise). A key is unique per
 *    client: the payment id is derived from client + key.
 * 3. Before anything is stored, the request passes `guardRequest` (./request-guard.ts):
 *    `application/json` only (415), at most 16 KiB (413), a JSON object with no key outside
 *    the contract and no value that holds a card number (400). A refused request is no payment.
 * 4. The RECEIVED record is written only if absent, with the fingerprint of the payload (the
 *    storable body, canonical JSON). What is stored and passed on is `storableRequest(body)`:
 *    every value outside the contract replaced by null, so raw card data is never stored.
 * 5. The execution (named by the payment id) is started with an input derived from the
 *    record alone, byte for byte the one reconciliation derives, so starting it again is
 *    harmless: Step Functions answers a second start with the same name and input as the
 *    first, and `ExecutionAlreadyExists` means an execution of the payment exists. Every other
 *    request with the key is answered from the record: the same payload → 202 with the
 *    original payment and `Idempotent-Replayed: true` (a payment still RECEIVED gets its
 *    execution started again, in case the first start failed); another payload → 422
 *    `idempotency_key_reused`, nothing charged, the original untouched. The conditional write
 *    decides between concurrent requests: exactly one creates the record.
 * When a start fails otherwise, the record is kept (the execution may have started although
 * the call failed: a timeout, a lost answer) and the answer is 503 with `Retry-After`: the
 * client's retry with the same key starts it, and so does the scheduled reconciliation.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { apiClientsFromEnv, clientOf } from '../runtime/api-clients';
import { documentClient } from '../runtime/clients';
import { requireEnv } from '../runtime/config';
import { corsHeaders, corsOriginsFromEnv, json, originOf } from '../runtime/http';
import { createLogger } from '../runtime/logger';
import { tracer } from '../runtime/tracer';
import { IDEMPOTENCY_KEY_PATTERN, paymentIdFor, requestFingerprint, storableRequest, type ExecutionInput, type PaymentStatus, type RejectReason } from '../../contract/payment';
import { guardRequest } from './request-guard';

const table = requireEnv('PAYMENTS_TABLE');
const stateMachineArn = requireEnv('STATE_MACHINE_ARN');
const clients = apiClientsFromEnv();
const corsOrigins = corsOriginsFromEnv();
const doc = documentClient();
const sfn = tracer.captureAWSv3Client(new SFNClient({}));
const logger = createLogger('submit');

const isConditionFailure = (err: unknown) => err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException';

/** The record fields the execution input is derived from. */
interface StoredRequest {
  readonly paymentId: string;
  readonly client: string;
  readonly idempotencyKey: string;
  readonly createdAt: string;
  readonly requestBody: string;
}

/** The execution input of a stored request: the same text every time, here and in reconciliation. */
function executionInput(r: StoredRequest): string {
  const input: ExecutionInput = { paymentId: r.paymentId, client: r.client, idempotencyKey: r.idempotencyKey, receivedAt: r.createdAt, body: JSON.parse(r.requestBody) };
  return JSON.stringify(input);
}

/**
 * Starts the payment's execution. True when it runs (or ran): started now, or Step Functions
 * answered `ExecutionAlreadyExists` (an execution of this payment exists; the charge's claim
 * keeps it to one charge). False when the start failed and may not have happened.
 */
async function ensureExecution(r: StoredRequest): Promise<boolean> {
  try {
    await sfn.send(new StartExecutionCommand({ stateMachineArn, name: r.paymentId, input: executionInput(r) }));
    return true;
  } catch (err) {
    if ((err as Error).name === 'ExecutionAlreadyExists') return true;
    logger.error('execution not started; the record stays for a retry or reconciliation', { paymentId: r.paymentId, error: (err as Error).name });
    return false;
  }
}

/**
 * Where the client reads the payment: the path it called, with the stage (or the custom
 * domain's base path) that API Gateway reports, and the payment id appended.
 */
function statusUrlOf(event: APIGatewayProxyEvent, paymentId: string): string {
  const called = event.requestContext?.path;
  const stage = event.requestContext?.stage;
  const base = typeof called === 'string' && called.endsWith('/payments') ? called.slice(0, -'/payments'.length) : typeof stage === 'string' && stage !== '' ? `/${stage}` : '';
  return `${base}/payments/${paymentId}`;
}

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const cors = corsHeaders(corsOrigins, originOf(event.headers));
  const refuse = (statusCode: 400 | 413 | 415 | 422, reason: RejectReason, message: string) => json(statusCode, { status: 'REJECTED', reason, message }, cors);
  const client = clientOf(clients, event.requestContext?.identity);
  if (client === undefined) return json(403, { message: 'Forbidden' }, cors);
  const idempotencyKey = headers['idempotency-key'];
  if (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
    return refuse(400, 'invalid_idempotency_key', 'Idempotency-Key header is required: 8 to 64 of A-Z a-z 0-9 _ -');
  }
  const guarded = guardRequest({ contentType: headers['content-type'], body: event.body, isBase64Encoded: event.isBase64Encoded });
  if (!guarded.ok) {
    logger.info('request refused before anything was stored', { client, statusCode: guarded.statusCode, reason: guarded.reason });
    return refuse(guarded.statusCode, guarded.reason, guarded.message);
  }
  const body = storableRequest(guarded.body);
  const paymentId = paymentIdFor(client, idempotencyKey);
  const requestHash = requestFingerprint(body);
  const now = new Date().toISOString();
  const stored: StoredRequest = { paymentId, client, idempotencyKey, createdAt: now, requestBody: JSON.stringify(body) };
  const accepted = (status: PaymentStatus, extra: Record<string, string> = {}) => json(202, { paymentId, status, statusUrl: statusUrlOf(event, paymentId) }, { ...cors, ...extra });
  const unavailable = () => json(503, { message: 'the payment is recorded but its processing could not be confirmed; retry with the same Idempotency-Key' }, { ...cors, 'retry-after': '1' });
  try {
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { ...stored, kind: 'payment', status: 'RECEIVED', updatedAt: now, requestHash },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'paymentId' },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    // The first request's record: from the failed condition (ALL_OLD) or, where the
    // implementation does not return it (dynalite), from a strongly consistent read.
    const raw = (err as ConditionalCheckFailedException).Item as Record<string, { S?: string }> | undefined;
    const old: Record<string, unknown> | undefined = raw
      ? Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.S]))
      : (await doc.send(new GetCommand({ TableName: table, Key: { paymentId }, ConsistentRead: true }))).Item;
    const oldHash = typeof old?.requestHash === 'string' ? old.requestHash : typeof old?.requestBody === 'string' ? requestFingerprint(JSON.parse(old.requestBody)) : undefined;
    if (oldHash !== requestHash) {
      logger.info('idempotency key reused with another payload', { paymentId, client });
      return refuse(422, 'idempotency_key_reused', `Idempotency-Key ${idempotencyKey} was used for another payment; send a new key for a new payment`);
    }
    const status = (old?.status as PaymentStatus | undefined) ?? 'RECEIVED';
    logger.info('payment replayed', { paymentId, client, status });
    // Still RECEIVED: the first start may have failed; starting again is harmless (see above).
    if (status === 'RECEIVED' && typeof old?.createdAt === 'string' && typeof old.requestBody === 'string') {
      if (!(await ensureExecution({ paymentId, client, idempotencyKey, createdAt: old.createdAt, requestBody: old.requestBody }))) return unavailable();
    }
    return accepted(status, { 'idempotent-replayed': 'true' });
  }
  if (!(await ensureExecution(stored))) return unavailable();
  logger.info('payment accepted', { paymentId, client });
  return accepted('RECEIVED');
};
