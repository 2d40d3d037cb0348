import { block, isTrue, nonEmptyString } from '../tf';
import type { Rule, Violation } from '../types';

/** F-06/F-24: the state machine logs executions to a log group and is traced. */
export const sfnLoggingTracing: Rule = {
  id: 'sfn-logging-tracing',
  description: 'Step Functions state machines log executions (level ALL or ERROR) to a log group and have tracing enabled',
  failures: ['F-06', 'F-24'],
  appliesTo: ['aws_sfn_state_machine'],
  fix: 'set logging_configuration { level = "ERROR" (or "ALL"), include_execution_data = false (execution data holds payment details), log_destination = "<log group ARN>:*" } and tracing_configuration { enabled = true }',
  check(b) {
    const out: Violation[] = [];
    const logging = block(b.config.logging_configuration);
    if (!logging || !['ALL', 'ERROR'].includes(String(logging.level)) || !nonEmptyString(logging.log_destination)) {
      out.push({
        message: `state machine does not log executions (logging_configuration level ${JSON.stringify(logging?.level ?? 'unset')}, destination ${JSON.stringify(logging?.log_destination ?? 'unset')})`,
      });
    }
    if (!isTrue(block(b.config.tracing_configuration)?.enabled)) out.push({ message: 'state machine is not traced (tracing_configuration.enabled)' });
    return out;
  },
};
