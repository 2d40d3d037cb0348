/** `GET /payments/{paymentId}`: the payment record as the contract's view (status, amount, currency, timestamps, reason). */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { documentClient } from '../shared/clients';
import { requireEnv } from '../shared/config';
import { json } from '../shared/http';
import { toView, type PaymentRecord } from '../shared/records';

const table = requireEnv('PAYMENTS_TABLE');
const allowedOrigin = process.env.ALLOWED_ORIGIN || '*';
const doc = documentClient();
const PAYMENT_ID = /^pay_[0-9a-f]{32}$/;

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const paymentId = event.pathParameters?.paymentId;
  if (typeof paymentId !== 'string' || !PAYMENT_ID.test(paymentId)) return json(400, { message: 'paymentId must be pay_ and 32 hex digits' }, allowedOrigin);
  const out = await doc.send(new GetCommand({ TableName: table, Key: { paymentId }, ConsistentRead: true }));
  if (!out.Item || out.Item.kind !== 'payment') return json(404, { message: `payment ${paymentId} not found` }, allowedOrigin);
  return json(200, toView(out.Item as PaymentRecord), allowedOrigin);
};
