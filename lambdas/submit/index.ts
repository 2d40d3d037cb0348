/**
 * `POST /payments`: the API's idempotency point.
 * 1. The client is the principal API Gateway authenticated (IAM), mapped to its name
 *    (lambdas/runtime/api-clients.ts); a principal that is no client gets 403. The resource
 *    policy already refuses such principals; this is the second line.
 * 2. `Idempotency-Key` must match ^[A-Za-z0-9_-]{8,64}$ (400 otherwise). A key is unique per
 *    client: the payment id is derived from client + key.
 * 3. The RECEIVED record is written only if absent, with the fingerprint of the payload (the
 *    storable body, canonical JSON). What is stored and passed on is `storableRequest(body)`:
 *    every value outside the contract replaced by null, so raw card data is never stored.
 * 4. Only the request that created the record starts the execution (named by the payment
 *    id). Every other request with the key is answered from the record: the same payload →
 *    202 with the original payment and `Idempotent-Replayed: true`; another payload → 422
 *    `idempotency_key_reused`, nothing charged, the original untouched. The conditional write
 *    decides between concurrent requests: exactly one creates the record.
 * If the execution cannot be started, the record it created is removed again and the answer
 * is 503, so the client's retry (same key) creates it anew instead of finding a payment that
 * never runs.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { apiClientsFromEnv, clientOf } from '../runtime/api-clients';
import { documentClient } from '../runtime/clients';
import { requireEnv } from '../runtime/config';
import { json } from '../runtime/http';
import { createLogger } from '../runtime/logger';
import { tracer } from '../runtime/tracer';
import { IDEMPOTENCY_KEY_PATTERN, paymentIdFor, requestFingerprint, storableRequest, type ExecutionInput, type PaymentStatus, type RejectReason } from '../../contract/payment';

const table = requireEnv('PAYMENTS_TABLE');
const stateMachineArn = requireEnv('STATE_MACHINE_ARN');
const clients = apiClientsFromEnv();
const allowedOrigin = process.env.ALLOWED_ORIGIN || '*';
const doc = documentClient();
const sfn = tracer.captureAWSv3Client(new SFNClient({}));
const logger = createLogger('submit');

const refuse = (statusCode: 400 | 422, reason: RejectReason, message: string): APIGatewayProxyResult => json(statusCode, { status: 'REJECTED', reason, message }, allowedOrigin);
const isConditionFailure = (err: unknown) => err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException';

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const client = clientOf(clients, event.requestContext?.identity);
  if (client === undefined) return json(403, { message: 'Forbidden' }, allowedOrigin);
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const idempotencyKey = headers['idempotency-key'];
  if (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
    return refuse(400, 'invalid_idempotency_key', 'Idempotency-Key header is required: 8 to 64 of A-Z a-z 0-9 _ -');
  }
  let body: unknown;
  try {
    body = storableRequest(JSON.parse(event.body ?? ''));
  } catch {
    return refuse(400, 'invalid_body', 'the body must be a JSON object');
  }
  const paymentId = paymentIdFor(client, idempotencyKey);
  const requestHash = requestFingerprint(body);
  const now = new Date().toISOString();
  try {
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { paymentId, kind: 'payment', client, idempotencyKey, status: 'RECEIVED', createdAt: now, updatedAt: now, requestBody: JSON.stringify(body), requestHash },
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
    return json(202, { paymentId, status, statusUrl: `/payments/${paymentId}` }, allowedOrigin, { 'idempotent-replayed': 'true' });
  }
  const input: ExecutionInput = { paymentId, client, idempotencyKey, receivedAt: now, body };
  try {
    await sfn.send(new StartExecutionCommand({ stateMachineArn, name: paymentId, input: JSON.stringify(input) }));
  } catch (err) {
    logger.error('execution not started; the record is withdrawn so a retry can create it', { paymentId, error: (err as Error).name });
    await doc
      .send(
        new DeleteCommand({
          TableName: table,
          Key: { paymentId },
          ConditionExpression: '#status = :received AND #createdAt = :now',
          ExpressionAttributeNames: { '#status': 'status', '#createdAt': 'createdAt' },
          ExpressionAttributeValues: { ':received': 'RECEIVED', ':now': now },
        }),
      )
      .catch((e: unknown) => {
        // Left RECEIVED, the scheduled reconciliation starts its execution.
        if (!isConditionFailure(e)) logger.error('record not withdrawn', { paymentId, error: (e as Error).name });
      });
    return json(503, { message: 'the payment could not be started; retry with the same Idempotency-Key' }, allowedOrigin, { 'retry-after': '1' });
  }
  logger.info('payment accepted', { paymentId, client });
  return json(202, { paymentId, status: 'RECEIVED', statusUrl: `/payments/${paymentId}` }, allowedOrigin);
};
