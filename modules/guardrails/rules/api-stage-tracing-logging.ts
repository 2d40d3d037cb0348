import { block, isTrue, nonEmptyString } from '../tf';
import type { Rule, Violation } from '../types';

/** F-24: the API stage is traced and writes access logs. */
export const apiStageTracingLogging: Rule = {
  id: 'api-stage-tracing-logging',
  description: 'API Gateway stages have X-Ray tracing and access logging',
  failures: ['F-24'],
  appliesTo: ['aws_api_gateway_stage'],
  fix: 'set xray_tracing_enabled = true and access_log_settings { destination_arn = <log group ARN>, format = <JSON format> }',
  check(b) {
    const out: Violation[] = [];
    if (!isTrue(b.config.xray_tracing_enabled)) out.push({ message: 'stage is not traced (xray_tracing_enabled)' });
    const logs = block(b.config.access_log_settings);
    if (!logs || !nonEmptyString(logs.destination_arn) || !nonEmptyString(logs.format)) out.push({ message: 'stage has no access_log_settings with destination_arn and format' });
    return out;
  },
};
