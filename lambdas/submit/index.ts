/**
 * `POST /payments`: the API's idempotency point (F-08).
 * 1. `Idempotency-Key` must match ^[A-Za-z0-9_-]{8,64}$ (400 otherwise).
 * 2. The payment id is derived from the key; the RECEIVED record is written only if absent
 *    (a second request with the key finds the first one's record and its `createdAt`).
 *    What is stored and passed on is `storableRequest(body)`: every value outside the contract
 *    replaced by null, so raw card data that got around the API's model is never stored.
 * 3. StartExecution named by the key with an input built only from the key and the first
 *    request (same key ⇒ same name and same input ⇒ Step Functions returns the existing
 *    execution; a different body under a used key gets ExecutionAlreadyExists, which is
 *    answered with the original payment — never a second one).
 * Answers 202 `{ paymentId, status, statusUrl }`; a request it cannot take answers 400
 * `{ status: "REJECTED", reason, message }` (reason `invalid_idempotency_key` or `invalid_body`)
 * and stores nothing. Body validation is the workflow's job
 * (and the API's request model's, before this function runs).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { documentClient } from '../shared/clients';
import { requireEnv } from '../shared/config';
import { json } from '../shared/http';
import { createLogger } from '../shared/logger';
import { IDEMPOTENCY_KEY_PATTERN, paymentIdFor, storableRequest, type ExecutionInput, type PaymentStatus, type RejectReason } from '../shared/payment';

const table = requireEnv('PAYMENTS_TABLE');
const stateMachineArn = requireEnv('STATE_MACHINE_ARN');
const allowedOrigin = process.env.ALLOWED_ORIGIN || '*';
const doc = documentClient();
const sfn = new SFNClient({});
const logger = createLogger('submit');

const refuse = (reason: RejectReason, message: string): APIGatewayProxyResult => json(400, { status: 'REJECTED', reason, message }, allowedOrigin);

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const idempotencyKey = headers['idempotency-key'];
  if (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
    return refuse('invalid_idempotency_key', 'Idempotency-Key header is required: 8 to 64 of A-Z a-z 0-9 _ -');
  }
  let body: unknown;
  try {
    body = storableRequest(JSON.parse(event.body ?? ''));
  } catch {
    return refuse('invalid_body', 'the body must be a JSON object');
  }
  const paymentId = paymentIdFor(idempotencyKey);
  const now = new Date().toISOString();
  let receivedAt = now;
  let status: PaymentStatus = 'RECEIVED';
  let replayed = false;
  let firstBody: unknown = body;
  try {
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { paymentId, kind: 'payment', idempotencyKey, status: 'RECEIVED', createdAt: now, updatedAt: now, requestBody: JSON.stringify(body) },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'paymentId' },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException) && (err as Error).name !== 'ConditionalCheckFailedException') throw err;
    // The first request's record: from the failed condition (ALL_OLD) or, where the
    // implementation does not return it (dynalite), from a strongly consistent read.
    const raw = (err as ConditionalCheckFailedException).Item as Record<string, { S?: string }> | undefined;
    const old: Record<string, unknown> | undefined = raw
      ? Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.S]))
      : (await doc.send(new GetCommand({ TableName: table, Key: { paymentId }, ConsistentRead: true }))).Item;
    replayed = true;
    receivedAt = typeof old?.createdAt === 'string' ? old.createdAt : now;
    status = (old?.status as PaymentStatus | undefined) ?? 'RECEIVED';
    if (typeof old?.requestBody === 'string') firstBody = JSON.parse(old.requestBody);
  }
  // Built only from what the first request stored, so every retry sends the same input.
  const input: ExecutionInput = { paymentId, idempotencyKey, receivedAt, body: firstBody };
  try {
    await sfn.send(new StartExecutionCommand({ stateMachineArn, name: idempotencyKey, input: JSON.stringify(input) }));
  } catch (err) {
    if ((err as Error).name !== 'ExecutionAlreadyExists') throw err;
    replayed = true;
  }
  logger.info('payment accepted', { paymentId, replayed });
  return json(202, { paymentId, status, statusUrl: `/payments/${paymentId}` }, allowedOrigin, replayed ? { 'idempotent-replayed': 'true' } : {});
};
