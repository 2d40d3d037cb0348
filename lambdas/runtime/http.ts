/**
 * API Gateway proxy responses. CORS headers are sent only to an origin the manifest names
 * (`api.corsOrigins`, passed as `CORS_ORIGINS`): the request's own `Origin` echoed back, with
 * `Vary: Origin`, never `*`. Without named origins no answer carries any CORS header, and a
 * browser page of any origin cannot read the answer.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';

/** The origins named in `CORS_ORIGINS` (comma-separated; empty or unset: none). */
export function corsOriginsFromEnv(): readonly string[] {
  return (process.env.CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
}

/** The CORS headers for a request from `origin` (its `Origin` header): none unless the origin is named. */
export function corsHeaders(allowedOrigins: readonly string[], origin: string | undefined): Record<string, string> {
  if (origin === undefined || !allowedOrigins.includes(origin)) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-headers': 'Content-Type,Idempotency-Key,X-Api-Key,Authorization,X-Amz-Date,X-Amz-Security-Token',
    'access-control-allow-methods': 'GET,POST,OPTIONS',
    vary: 'Origin',
  };
}

/** The request's `Origin` header (header names are case-insensitive). */
export function originOf(headers: Record<string, string | undefined> | null | undefined): string | undefined {
  const entry = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'origin');
  return entry?.[1];
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
