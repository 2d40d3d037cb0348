import { block } from '../tf';
import type { Rule } from '../types';

/** Every function is traced, so a slow or failing payment can be followed across services. */
export const lambdaTracingActive: Rule = {
  id: 'lambda-tracing-active',
  description: 'Lambda functions have X-Ray tracing mode Active',
  failures: ['F-24'],
  appliesTo: ['aws_lambda_function'],
  fix: 'set tracing_config { mode = "Active" } and grant xray:PutTraceSegments, xray:PutTelemetryRecords to the role',
  check(b) {
    const mode = block(b.config.tracing_config)?.mode;
    return mode === 'Active' ? [] : [{ message: `tracing mode is ${JSON.stringify(mode ?? 'unset')}, not Active` }];
  },
};
