/** Structured JSON logs (Powertools Logger); one instance per function, at module scope. */
import { Logger } from '@aws-lambda-powertools/logger';

export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName: `payments-${serviceName}` });
}
