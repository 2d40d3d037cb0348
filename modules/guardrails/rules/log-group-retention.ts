import type { Rule } from '../types';

/** Log groups keep data for a stated time: never the default "forever", never unset. */
export const logGroupRetention: Rule = {
  id: 'log-group-retention',
  description: 'CloudWatch log groups set a retention period',
  failures: ['F-22'],
  appliesTo: ['aws_cloudwatch_log_group'],
  fix: 'set retention_in_days (e.g. 90 for execution logs, 365 for access logs)',
  check(b) {
    const days = Number(b.config.retention_in_days);
    return Number.isFinite(days) && days > 0 ? [] : [{ message: `log group has no retention (retention_in_days = ${JSON.stringify(b.config.retention_in_days)}; unset or 0 keeps logs forever)` }];
  },
};
