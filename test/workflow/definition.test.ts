/**
 * The SYNTHESIZED state machine definition (not the builder's output): valid ASL, every
 * Task bounded by a timeout and guarded by Retry and Catch, retries only where they are safe.
 */
import { exampleManifest, policyJson, resourcesOf, synthManifest, type TfJson } from '../support/synth';
import { tasksOf, type ParallelState, type State, type StateMachineDefinition, type TaskState } from '../../modules/workflow/asl';
import { asRedriveAttribute } from '../../modules/workflow/payment-definition';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- asl-validator ships no type declarations
const aslValidator = require('asl-validator') as (d: unknown) => { isValid: boolean; errors: unknown[] };

const synth = synthManifest(exampleManifest());
const stack = synth.stacks.get('payments-dev-eu-west-1') as TfJson;
const [, sm] = resourcesOf(stack, 'aws_sfn_state_machine')[0];
// Terraform references stand where ARNs go; give them ARN shape for the validator.
const definition = JSON.parse(
  String(sm.definition)
    .replace(/\$\{aws_lambda_function\.([A-Za-z0-9_]+)\.arn\}/g, 'arn:aws:lambda:eu-west-1:200000000001:function:$1')
    .replace(/\$\{[^}]+\}/g, 'arn:aws:sns:eu-west-1:200000000001:x'),
) as StateMachineDefinition;
const tasks = tasksOf(definition);
const functions = Object.fromEntries(resourcesOf(stack, 'aws_lambda_function').map(([id, f]) => [id, f]));

describe('synthesized payment state machine', () => {
  test('is valid ASL (asl-validator) and a Standard machine with logging and tracing', () => {
    const result = aslValidator(definition);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
    expect(sm.type).toBe('STANDARD');
    expect(sm.tracing_configuration).toEqual({ enabled: true });
    expect((sm.logging_configuration as { level: string }).level).toBe('ERROR');
  });

  test('F-04 F-03: every Task has TimeoutSeconds, Retry with MaxAttempts/backoff/full jitter, and a Catch', () => {
    expect(tasks.length).toBeGreaterThanOrEqual(9);
    for (const [name, t] of tasks) {
      expect([name, t.TimeoutSeconds > 0]).toEqual([name, true]);
      expect([name, t.Retry.length > 0, t.Catch.length > 0]).toEqual([name, true, true]);
      for (const r of t.Retry) {
        expect([name, r.MaxAttempts >= 1 && r.MaxAttempts <= 10, r.BackoffRate >= 1, r.JitterStrategy]).toEqual([name, true, true, 'FULL']);
        // never retry everything: a validation or a handler bug must not be repeated (F-03)
        expect(r.ErrorEquals).not.toContain('States.ALL');
        expect(r.ErrorEquals).not.toContain('States.TaskFailed');
      }
    }
  });

  test("the charge retries only transient gateway errors (409/429 among them); only an explicit refusal is FAILED, every unknown outcome PENDING, another execution's claim ends the run", () => {
    const charge = tasks.find(([n]) => n === 'Charge')![1];
    expect(charge.Retry[0].ErrorEquals).toEqual(['GatewayUnavailableError', 'GatewayTimeoutError', 'GatewayBusyError', 'GatewayCredentialUnavailableError', 'States.Timeout']);
    expect(charge.Retry[0].MaxAttempts).toBe(3);
    // the claim's owner is the execution; the payment id is the gateway's idempotency key
    expect(charge.Parameters).toEqual({ 'paymentId.$': '$.paymentId', 'executionId.$': '$$.Execution.Id', 'payment.$': '$.screen.validation.payment' });
    const next = (error: string) => charge.Catch.find((c) => c.ErrorEquals.includes(error))?.Next;
    expect(next('ChargeAlreadyClaimedError')).toBe('AlreadyClaimed');
    expect(next('GatewayRequestError')).toBe('RecordInternalError');
    // a 5xx or a reset connection may follow a capture; so may an answer of a shape the adapter does not know
    const unknowns = ['GatewayUnavailableError', 'GatewayTimeoutError', 'GatewayBusyError', 'GatewayCredentialUnavailableError', 'GatewayUnexpectedResponseError', 'States.Timeout', 'States.ALL'];
    for (const unknown of unknowns) expect([unknown, next(unknown)]).toEqual([unknown, 'RecordPending']);
    expect(Object.values(definition.States).some((st) => JSON.stringify(st).includes('gateway_unavailable'))).toBe(false);
    expect(charge.Catch.at(-1)).toEqual({ ErrorEquals: ['States.ALL'], Next: 'RecordPending', ResultPath: '$.error' });
    expect(definition.States.AlreadyClaimed).toMatchObject({ Type: 'Succeed' });
    expect(charge.ResultPath).toBe('$.charge'); // F-02
  });

  test('F-17: each Lambda task waits longer than its function may run', () => {
    for (const [name, t] of tasks.filter(([, x]) => x.Resource.startsWith('arn:aws:lambda:'))) {
      const fnId = /function:(.+)$/.exec(t.Resource)![1];
      expect([name, t.TimeoutSeconds > Number(functions[fnId].timeout)]).toEqual([name, true]);
    }
  });

  test('F-01 F-05: the Parallel array is read by index once; branches write nothing the other reads', () => {
    const screen = definition.States.Screen as ParallelState;
    expect(screen.ResultSelector).toEqual({ 'validation.$': '$[0]', 'fraud.$': '$[1]' });
    expect(screen.Branches.map((b) => b.StartAt)).toEqual(['Validate', 'FraudScreen']);
    for (const b of screen.Branches) for (const s of Object.values(b.States)) if (s.Type === 'Task') expect(s.Resource).toMatch(/^arn:aws:lambda:/);
  });

  test('F-09 F-10: every record write is a conditional update that never overwrites a terminal state, reserved words as names', () => {
    const writes = tasks.filter(([, t]) => t.Resource === 'arn:aws:states:::dynamodb:updateItem') as [string, TaskState][];
    expect(writes.map(([n]) => n).sort()).toEqual(['RecordInternalError', 'RecordOutcome', 'RecordPending', 'RecordRejected', 'RecordScreenDeclined']);
    for (const [, t] of writes) {
      const p = t.Parameters as Record<string, unknown>;
      // never over a terminal state, except the one this very execution wrote (a retry of a write that went through)
      expect(p.ConditionExpression).toBe('attribute_not_exists(#pk) OR NOT (#status IN (:t_SETTLED, :t_DECLINED, :t_REJECTED, :t_FAILED)) OR (#recordedBy = :recordedBy AND #status = :status)');
      expect((p.ExpressionAttributeValues as Record<string, unknown>)[':recordedBy']).toEqual({ 'S.$': '$$.Execution.Id' });
      expect(p.UpdateExpression).not.toMatch(/(^|[\s,])(status|reason|name|timestamp)\s*=/); // only #status, #reason
      expect((p.ExpressionAttributeNames as Record<string, string>)['#status']).toBe('status');
      expect(t.ResultPath).toBeNull(); // F-02: the state keeps the payment
      expect(t.Catch[0]).toEqual({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], Next: 'AlreadyRecorded', ResultPath: '$.error' });
    }
  });

  test('F-27: given a burst, when a Task that is safe to repeat is throttled or times out, then it retries with growing waits and full jitter for at least half a minute', () => {
    const throttles: Record<string, string> = {
      'arn:aws:states:::dynamodb:updateItem': 'DynamoDB.ProvisionedThroughputExceededException',
      'arn:aws:states:::dynamodb:putItem': 'DynamoDB.ThrottlingException',
      'arn:aws:states:::sns:publish': 'SNS.ThrottledException',
      'arn:aws:states:::aws-sdk:s3:putObject': 'S3.SlowDown',
    };
    const repeatable = tasks.filter(([n]) => n !== 'Charge');
    expect(repeatable.map(([n]) => n)).toEqual(expect.arrayContaining(['Validate', 'FraudScreen', 'RecordOutcome', 'Notify', 'Archive', 'QueueNotifyRedrive', 'QueueArchiveRedrive']));
    for (const [name, t] of repeatable) {
      const throttle = throttles[t.Resource] ?? 'Lambda.TooManyRequestsException';
      for (const error of [throttle, 'States.Timeout']) {
        const r = t.Retry.find((x) => x.ErrorEquals.includes(error));
        expect([name, error, r?.JitterStrategy, (r?.BackoffRate ?? 0) > 1]).toEqual([name, error, 'FULL', true]);
        expect([name, error, maxWaitSeconds(r!) >= 30]).toEqual([name, error, true]);
      }
    }
    // the fraud screen's own DynamoDB calls: the function throws the SDK's error, by the exception's name
    const fraud = tasks.find(([n]) => n === 'FraudScreen')![1];
    for (const e of ['ProvisionedThroughputExceededException', 'ThrottlingException', 'InternalServerError']) expect(fraud.Retry.some((r) => r.ErrorEquals.includes(e))).toBe(true);
    // the charge too: its claim and the gateway's idempotency key keep a repeat to one charge
    const charge = tasks.find(([n]) => n === 'Charge')![1];
    expect(charge.Retry.some((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException') && maxWaitSeconds(r) >= 30)).toBe(true);
  });

  test('F-27: given every attempt of every Task timing out and every retry waiting its longest, then the longest path still ends inside the execution timeout', () => {
    const worst = longestPathSeconds(definition.StartAt, definition.States);
    expect(worst).toBeGreaterThan(300); // the retries are long enough to matter
    expect(worst).toBeLessThanOrEqual(definition.TimeoutSeconds!);
  });

  test('given a notification or an archive that fails through its retries, then the request it sent goes to the region table for re-drive and the workflow goes on to the archive', () => {
    const redriveTable = resourcesOf(stack, 'aws_dynamodb_table').find(([id]) => id.startsWith('workflow_redrive'))!;
    expect(redriveTable[1]).toMatchObject({ hash_key: 'deliveryId', billing_mode: 'PAY_PER_REQUEST', server_side_encryption: { enabled: true } });
    expect(redriveTable[1].replica).toBeUndefined(); // per-region state: not a global table
    for (const [task, queue, after] of [
      ['Notify', 'QueueNotifyRedrive', { Next: 'Archive' }],
      ['Archive', 'QueueArchiveRedrive', { End: true }],
    ] as const) {
      const t = definition.States[task] as TaskState;
      expect(t.Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: queue, ResultPath: '$.error' }]);
      const q = definition.States[queue] as TaskState;
      expect(q).toMatchObject({ Resource: 'arn:aws:states:::dynamodb:putItem', ...after });
      const item = (q.Parameters as { Item: Record<string, Record<string, unknown>> }).Item;
      expect(item.deliveryId).toEqual({ 'S.$': `States.Format('{}#${task.toLowerCase()}', $.paymentId)` });
      // the very request the Task sends, value by value, path by path
      expect(item.request).toEqual(asRedriveAttribute(t.Parameters!));
      // the stack's own re-drive table (the raw definition names it by Terraform reference)
      const raw = JSON.parse(String(sm.definition)) as StateMachineDefinition;
      expect((raw.States[queue] as TaskState).Parameters!.TableName).toBe(`\${aws_dynamodb_table.${redriveTable[0]}.name}`);
    }
  });

  test('given a notification that can be neither sent nor queued, then the settlement is still archived (or its archive queued) before the execution fails', () => {
    expect((definition.States.QueueNotifyRedrive as TaskState).Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: 'ArchiveThenFail', ResultPath: '$.error' }]);
    const archive = definition.States.Archive as TaskState;
    const thenFail = definition.States.ArchiveThenFail as TaskState;
    expect([thenFail.Resource, thenFail.Parameters, thenFail.Retry]).toEqual([archive.Resource, archive.Parameters, archive.Retry]);
    expect(thenFail).toMatchObject({ Next: 'NotifyFailed', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'QueueArchiveRedriveThenFail', ResultPath: '$.error' }] });
    expect(definition.States.QueueArchiveRedriveThenFail).toMatchObject({ Parameters: (definition.States.QueueArchiveRedrive as TaskState).Parameters, Next: 'NotifyFailed' });
    expect(definition.States.NotifyFailed).toMatchObject({ Type: 'Fail' });
  });

  test('notify and archive are direct service integrations; the archive is KMS-encrypted', () => {
    const byName = Object.fromEntries(tasks);
    expect(byName.Notify.Resource).toBe('arn:aws:states:::sns:publish');
    expect(byName.Archive.Resource).toBe('arn:aws:states:::aws-sdk:s3:putObject');
    expect((byName.Archive.Parameters as Record<string, unknown>).ServerSideEncryption).toBe('aws:kms');
  });
});

/** The longest a retrier can wait in all: each wait at its cap, no jitter. */
function maxWaitSeconds(r: { IntervalSeconds: number; BackoffRate: number; MaxAttempts: number; MaxDelaySeconds?: number }): number {
  let total = 0;
  for (let i = 0; i < r.MaxAttempts; i++) total += Math.min(r.IntervalSeconds * r.BackoffRate ** i, r.MaxDelaySeconds ?? Infinity);
  return total;
}

/** Worst case from a state to an end: every Task attempt times out, every retrier is used up, every branch taken is the longest. */
function longestPathSeconds(name: string, states: Record<string, State>): number {
  const st = states[name]!;
  const next = (s: { Next?: string; Catch?: readonly { Next: string }[] }) =>
    Math.max(0, ...[s.Next, ...(s.Catch ?? []).map((c) => c.Next)].filter((n): n is string => n !== undefined).map((n) => longestPathSeconds(n, states)));
  if (st.Type === 'Task') {
    const attempts = 1 + st.Retry.reduce((a, r) => a + r.MaxAttempts, 0);
    return attempts * st.TimeoutSeconds + st.Retry.reduce((a, r) => a + maxWaitSeconds(r), 0) + next(st);
  }
  if (st.Type === 'Parallel') return Math.max(...st.Branches.map((b) => longestPathSeconds(b.StartAt, b.States))) + next(st);
  if (st.Type === 'Choice') return Math.max(...[...st.Choices.map((c) => c.Next), st.Default].map((n) => longestPathSeconds(n, states)));
  if (st.Type === 'Pass') return next(st);
  return 0;
}

describe('F-06: failed executions reach an encrypted dead-letter queue', () => {
  test('an EventBridge rule on FAILED/TIMED_OUT/ABORTED of this machine targets the KMS-encrypted queue, which only that rule may write', () => {
    const [, rule] = resourcesOf(stack, 'aws_cloudwatch_event_rule').find(([, r]) => r.event_pattern !== undefined)!;
    const pattern = JSON.parse(String(rule.event_pattern));
    expect(pattern.detail.status).toEqual(['FAILED', 'TIMED_OUT', 'ABORTED']);
    expect(pattern.detail.stateMachineArn).toEqual(['arn:aws:states:eu-west-1:200000000001:stateMachine:payments-dev-payment']);
    const [, queue] = resourcesOf(stack, 'aws_sqs_queue')[0];
    expect(String(queue.kms_master_key_id)).toMatch(/^\$\{(data\.aws_kms_alias|aws_kms_key|aws_kms_replica_key)\./);
    const targets = resourcesOf(stack, 'aws_cloudwatch_event_target').map(([, t]) => String(t.arn));
    expect(targets.some((a) => a.includes('aws_sqs_queue'))).toBe(true);
    expect(targets.some((a) => a.includes('aws_lambda_function.workflow_failure'))).toBe(true);
    const [, qp] = resourcesOf(stack, 'aws_sqs_queue_policy')[0];
    const statement = policyJson(qp.policy).Statement[0]!;
    expect(statement.Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(statement.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': expect.stringMatching(/aws_cloudwatch_event_rule/) } });
  });
});

describe('reconciliation runs on a schedule', () => {
  test('an EventBridge schedule rule targets the reconcile function, which lets only that rule invoke it', () => {
    const [ruleId, rule] = resourcesOf(stack, 'aws_cloudwatch_event_rule').find(([, r]) => r.schedule_expression !== undefined)!;
    expect(rule.schedule_expression).toMatch(/^rate\(\d+ minutes?\)$/);
    const [, target] = resourcesOf(stack, 'aws_cloudwatch_event_target').find(([, t]) => String(t.rule).includes(`aws_cloudwatch_event_rule.${ruleId}.`))!;
    expect(String(target.arn)).toMatch(/aws_lambda_function\.workflow_reconcile_function_[A-Za-z0-9]+\.arn/);
    const [, permission] = resourcesOf(stack, 'aws_lambda_permission').find(([, p]) => String(p.source_arn).includes(`aws_cloudwatch_event_rule.${ruleId}.`))!;
    expect(permission).toMatchObject({ principal: 'events.amazonaws.com', action: 'lambda:InvokeFunction' });
    expect(String(permission.function_name)).toMatch(/workflow_reconcile/);
    const fn = Object.entries(functions).find(([id]) => id.startsWith('workflow_reconcile'))![1];
    // waits past the execution timeout before deciding a payment the gateway holds nothing for
    expect(Number((fn.environment as { variables: Record<string, string> }).variables.RECONCILE_AFTER_SECONDS)).toBeGreaterThan(definition.TimeoutSeconds!);
  });
});
