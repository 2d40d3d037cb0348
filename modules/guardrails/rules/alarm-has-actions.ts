import { isObject } from '../tf';
import type { Rule } from '../types';

/** F-24: an alarm that notifies nobody never fires for anyone. */
export const alarmHasActions: Rule = {
  id: 'alarm-has-actions',
  description: 'CloudWatch alarms are enabled and notify at least one action (the alarm topic)',
  failures: ['F-24'],
  appliesTo: ['aws_cloudwatch_metric_alarm', 'aws_cloudwatch_composite_alarm'],
  fix: 'set alarm_actions (and ok_actions) to the alarm topic ARN and leave actions_enabled unset or true',
  check(b) {
    const actions = b.config.alarm_actions;
    const count = Array.isArray(actions) ? actions.length : isObject(actions) || typeof actions === 'string' ? 1 : 0;
    if (b.config.actions_enabled === false || b.config.actions_enabled === 'false') return [{ message: 'alarm has actions_enabled = false' }];
    return count > 0 ? [] : [{ message: 'alarm has no alarm_actions' }];
  },
};
