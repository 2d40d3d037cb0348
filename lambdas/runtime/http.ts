/** API Gateway proxy responses with the CORS headers every answer carries (F-18). */
import type { APIGatewayProxyResult } from 'aws-lambda';

export function json(statusCode: number, body: unknown, allowedOrigin: string, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode,
    headers: {
      'content-type': 'application/json',
      'access-control-allow-origin': allowedOrigin,
      'access-control-allow-headers': 'Content-Type,Idempotency-Key,X-Api-Key',
      'access-control-allow-methods': 'GET,POST,OPTIONS',
      ...headers,
    },
    body: JSON.stringify(body),
  };
}
