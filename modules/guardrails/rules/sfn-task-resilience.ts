import { isObject, type Json } from '../tf';
import type { Rule, Violation } from '../types';

interface TaskProblem {
  readonly path: string;
  readonly missing: string[];
}

/**
 * Walks an Amazon States Language definition: every Task state, including those inside
 * Parallel branches and Map iterators (`Iterator` or `ItemProcessor`), at any depth.
 */
export function taskProblems(definition: Json, at = ''): TaskProblem[] {
  const out: TaskProblem[] = [];
  const states = isObject(definition.States) ? definition.States : {};
  for (const [name, state] of Object.entries(states)) {
    if (!isObject(state)) continue;
    const path = at === '' ? name : `${at} > ${name}`;
    if (state.Type === 'Task') {
      const missing: string[] = [];
      if (!Array.isArray(state.Retry) || state.Retry.length === 0) missing.push('Retry');
      if (!Array.isArray(state.Catch) || state.Catch.length === 0) missing.push('Catch');
      if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) missing.push('TimeoutSeconds');
      if (missing.length > 0) out.push({ path, missing });
    }
    if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
      state.Branches.forEach((branch, i) => {
        if (isObject(branch)) out.push(...taskProblems(branch, `${path} > branch ${i + 1}`));
      });
    }
    if (state.Type === 'Map') {
      const inner = isObject(state.ItemProcessor) ? state.ItemProcessor : isObject(state.Iterator) ? state.Iterator : undefined;
      if (inner) out.push(...taskProblems(inner, `${path} > items`));
    }
  }
  return out;
}

/** F-03/F-04: every Task retries transient errors, catches what is left and times out. */
export const sfnTaskResilience: Rule = {
  id: 'sfn-task-resilience',
  description: 'Every Step Functions Task state (also in Parallel branches and Map iterators) has Retry, Catch and TimeoutSeconds',
  failures: ['F-03', 'F-04'],
  appliesTo: ['aws_sfn_state_machine'],
  fix: 'give the Task a Retry on its transient errors (MaxAttempts, BackoffRate, JitterStrategy), a Catch that leads to a state recording the failure, and TimeoutSeconds above the function timeout',
  check(b) {
    let definition: unknown;
    try {
      definition = JSON.parse(String(b.config.definition));
    } catch {
      return [
        { message: 'definition is not literal JSON; guardrails cannot inspect its states', fix: 'write the definition as JSON.stringify of a typed ASL document (references inside strings are fine)' },
      ];
    }
    if (!isObject(definition)) return [{ message: 'definition is not a JSON object' }];
    return taskProblems(definition).map((p): Violation => ({ message: `Task state ${JSON.stringify(p.path)} has no ${p.missing.join(', ')}` }));
  },
};
