/**
 * `GET /payments/{paymentId}`: the payment record as the contract's view (status, amount,
 * currency, timestamps, reason) — for the client that created it only. Any other client
 * gets the very 404 of an id that does not exist, so ids of other clients' payments cannot
 * even be confirmed.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { apiClientsFromEnv, clientOf } from '../runtime/api-clients';
import { documentClient } from '../runtime/clients';
import { requireEnv } from '../runtime/config';
import { corsHeaders, corsOriginsFromEnv, json, originOf } from '../runtime/http';
import { PAYMENT_ID_PATTERN } from '../../contract/payment';
import { toView, type PaymentRecord } from '../../contract/records';

const table = requireEnv('PAYMENTS_TABLE');
const clients = apiClientsFromEnv();
const corsOrigins = corsOriginsFromEnv();
const doc = documentClient();

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const cors = corsHeaders(corsOrigins, originOf(event.headers));
  const client = clientOf(clients, event.requestContext?.identity);
  if (client === undefined) return json(403, { message: 'Forbidden' }, cors);
  const paymentId = event.pathParameters?.paymentId;
  if (typeof paymentId !== 'string' || !PAYMENT_ID_PATTERN.test(paymentId)) return json(400, { message: 'paymentId must be pay_ and 32 hex digits' }, cors);
  const out = await doc.send(new GetCommand({ TableName: table, Key: { paymentId }, ConsistentRead: true }));
  if (!out.Item || out.Item.kind !== 'payment' || out.Item.client !== client) return json(404, { message: `payment ${paymentId} not found` }, cors);
  return json(200, toView(out.Item as PaymentRecord), cors);
};
