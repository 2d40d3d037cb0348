/**
 * Configuration from the environment, read at module scope so a missing variable fails
 * the cold start with its name instead of the first payment (F-16).
 */
import { ConfigurationError } from '../../contract/errors';

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`environment variable ${name} is required but not set`);
  }
  return value;
}

export function requireIntEnv(name: string): number {
  const raw = requireEnv(name);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigurationError(`environment variable ${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function optionalIntEnv(name: string, fallback: number): number {
  return process.env[name] === undefined || process.env[name] === '' ? fallback : requireIntEnv(name);
}

export function requireListEnv(name: string): string[] {
  return requireEnv(name)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
