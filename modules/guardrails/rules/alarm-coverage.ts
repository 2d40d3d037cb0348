import { block, blocks, isObject, refersTo, type Json } from '../tf';
import type { Rule, StackView, TfBlock } from '../types';

/** The (namespace, dimensions) pairs an alarm watches: its own metric and every metric of its metric math. */
export function watchedMetrics(alarm: TfBlock): { namespace: unknown; dimensions: Json }[] {
  const out: { namespace: unknown; dimensions: Json }[] = [];
  if (isObject(alarm.config.dimensions)) out.push({ namespace: alarm.config.namespace, dimensions: alarm.config.dimensions });
  for (const q of blocks(alarm.config.metric_query)) {
    const m = block(q.metric);
    if (m && isObject(m.dimensions)) out.push({ namespace: m.namespace, dimensions: m.dimensions });
  }
  return out;
}

function watches(stack: StackView, namespace: string, dimension: string, matches: (value: unknown) => boolean): boolean {
  return stack.resources('aws_cloudwatch_metric_alarm').some((alarm) => watchedMetrics(alarm).some((m) => m.namespace === namespace && matches(m.dimensions[dimension])));
}

/**
 * F-06/F-24: every Lambda function has an AWS/Lambda alarm whose FunctionName dimension is
 * that function, and every state machine an AWS/States alarm whose StateMachineArn is that
 * state machine (by reference, or by the literal name/ARN).
 */
export const alarmCoverage: Rule = {
  id: 'alarm-coverage',
  description: 'Every Lambda function and state machine has at least one CloudWatch alarm on its own metrics',
  failures: ['F-06', 'F-24'],
  appliesTo: ['aws_lambda_function', 'aws_sfn_state_machine'],
  fix: 'watch it with WorkloadAlarms (modules/observability): pass the function purpose in `functions` or the state machine as `stateMachine`',
  check(b, stack) {
    if (b.type === 'aws_lambda_function') {
      const ok = watches(stack, 'AWS/Lambda', 'FunctionName', (v) => refersTo(v, b, ['function_name'], ['function_name', 'id']));
      return ok ? [] : [{ message: 'function has no alarm on AWS/Lambda with dimension FunctionName = this function' }];
    }
    const name = b.config.name;
    const ok = watches(
      stack,
      'AWS/States',
      'StateMachineArn',
      (v) => refersTo(v, b, [], ['arn', 'id']) || (typeof name === 'string' && typeof v === 'string' && v.startsWith('arn:') && v.endsWith(`:stateMachine:${name}`)),
    );
    return ok ? [] : [{ message: 'state machine has no alarm on AWS/States with dimension StateMachineArn = this state machine' }];
  },
};
