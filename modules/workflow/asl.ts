/**
 * Typed Amazon States Language (JSONPath dialect only: aws-local-stepfunctions ignores
 * JSONata, and the definition we test must be the definition we deploy).
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds: number;
  readonly MaxAttempts: number;
  readonly BackoffRate: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}
export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
}
interface Flow {
  readonly Next?: string;
  readonly End?: true;
  readonly Comment?: string;
}
export interface TaskState extends Flow {
  readonly Type: 'Task';
  readonly Resource: string;
  readonly Parameters?: { [k: string]: Json };
  readonly ResultSelector?: { [k: string]: Json };
  readonly ResultPath?: string | null;
  readonly TimeoutSeconds: number;
  readonly Retry: readonly Retrier[];
  readonly Catch: readonly Catcher[];
}
export interface ParallelState extends Flow {
  readonly Type: 'Parallel';
  readonly Branches: readonly { StartAt: string; States: Record<string, State> }[];
  readonly ResultSelector?: { [k: string]: Json };
  readonly ResultPath?: string | null;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
}
export type ChoiceRule = { readonly Variable: string; readonly Next: string } & ({ readonly BooleanEquals: boolean } | { readonly StringEquals: string });
export interface ChoiceState {
  readonly Type: 'Choice';
  readonly Choices: readonly ChoiceRule[];
  readonly Default: string;
  readonly Comment?: string;
}
export interface PassState extends Flow {
  readonly Type: 'Pass';
  readonly Parameters?: { [k: string]: Json };
  readonly ResultPath?: string | null;
}
export interface SucceedState {
  readonly Type: 'Succeed';
  readonly Comment?: string;
}
export interface FailState {
  readonly Type: 'Fail';
  readonly Error: string;
  readonly Cause: string;
}
export type State = TaskState | ParallelState | ChoiceState | PassState | SucceedState | FailState;

export interface StateMachineDefinition {
  readonly Comment?: string;
  readonly StartAt: string;
  readonly TimeoutSeconds?: number;
  readonly States: Record<string, State>;
}

/** Every Task of a definition, Parallel branches included, as [name, state]. */
export function tasksOf(def: { States: Record<string, State> }): [string, TaskState][] {
  const out: [string, TaskState][] = [];
  for (const [name, s] of Object.entries(def.States)) {
    if (s.Type === 'Task') out.push([name, s]);
    if (s.Type === 'Parallel') for (const b of s.Branches) out.push(...tasksOf(b));
  }
  return out;
}
