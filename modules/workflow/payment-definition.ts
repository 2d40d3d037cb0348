/**
 * The payment workflow as a typed ASL definition (JSONPath). Happy path:
 *
 *   Screen (Parallel: [0] Validate ‖ [1] FraudScreen) → Decide (Choice) → Charge →
 *   RecordOutcome (dynamodb:updateItem) → Notify (sns:publish) → Archive (s3:putObject)
 *
 * = 8 state transitions and 3 Lambda invocations for a settled payment; every write and
 * the notification and archive are direct service integrations (no Lambda).
 *
 * Data flow (F-01, F-02): the execution input `{ paymentId, idempotencyKey, receivedAt, body }`
 * stays the state throughout; every Task writes to its own ResultPath (`$.screen`,
 * `$.charge`) or discards its result (`ResultPath: null`). The Parallel's array is read
 * by index once, in its ResultSelector (`$[0]` validation, `$[1]` fraud), so later states
 * read named fields. Neither branch writes anything the other reads or creates (F-05):
 * validate writes nothing; fraud writes only its velocity item.
 *
 * Failure paths: invalid → RecordRejected (REJECTED + reason); fraud → RecordScreenDeclined
 * (DECLINED with the screen's reason); issuer decline → RecordOutcome (DECLINED + reason); an
 * explicit refusal of the request by the gateway (a 4xx) or an error before the charge →
 * RecordInternalError (FAILED internal_error + error name) → PaymentFailed.
 *
 * The charge: the Charge task first claims the payment (RECEIVED → CHARGING, conditional),
 * so an execution that finds it claimed by another (another region, months later) ends in
 * AlreadyClaimed without charging. After the claim the outcome may be unknown — a 5xx, a reset
 * connection or no answer through every retry, a gateway 409/429 that persists, an answer of a
 * shape the adapter does not know, the task timing out, a crash — and
 * the payment is then recorded PENDING (RecordPending), never FAILED: reconciliation asks the
 * gateway later. A failed recording after the charge fails the execution, and the failure
 * handler turns the CHARGING record into PENDING. Failed executions reach the DLQ and the
 * failure handler through EventBridge (F-06). Every write is conditional on the record not
 * being terminal (F-10) and names `status`/`reason` through ExpressionAttributeNames (F-09).
 */
import { NOT_TERMINAL_CONDITION, NOT_TERMINAL_VALUES } from '../../contract/records';
import { TRANSIENT_GATEWAY_ERRORS, UNKNOWN_OUTCOME_ERRORS } from '../../contract/errors';
import type { Catcher, Json, Retrier, State, StateMachineDefinition, TaskState } from './asl';

export interface PaymentDefinitionProps {
  readonly functionArns: { readonly validate: string; readonly fraud: string; readonly charge: string };
  /** Each function's own timeout, seconds: the task waits a little longer than the function may run (F-17). */
  readonly functionTimeouts: { readonly validate: number; readonly fraud: number; readonly charge: number };
  readonly paymentsTableName: string;
  readonly eventsTopicArn: string;
  readonly archiveBucketName: string;
  /**
   * Key prefix of settlement archives, ending in `/`. Every workload replicates into the one
   * log-archive bucket, so the prefix carries the workload: no two workloads share a key.
   */
  readonly archivePrefix: string;
  /** KMS key the archive objects are encrypted with. */
  readonly archiveKeyArn: string;
  /** @default 3 — retries of the charge on transient gateway errors (4 attempts in all) */
  readonly chargeRetries?: number;
  /** @default 900 — whole-execution timeout, seconds */
  readonly executionTimeoutSeconds?: number;
}

/** Errors of invoking a Lambda function that are worth a retry (the Lambda service's, never the handler's). */
export const LAMBDA_SERVICE_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];
const DYNAMODB_TRANSIENT = ['DynamoDB.ProvisionedThroughputExceededException', 'DynamoDB.RequestLimitExceeded', 'DynamoDB.ThrottlingException', 'DynamoDB.InternalServerErrorException'];
const SNS_TRANSIENT = ['SNS.ThrottledException', 'SNS.InternalErrorException', 'SNS.KMSThrottlingException'];
const S3_TRANSIENT = ['S3.InternalError', 'S3.SlowDown', 'S3.ServiceUnavailable', 'S3.S3Exception'];
const SERVICE_TASK_TIMEOUT = 10;

const retry = (errors: readonly string[], maxAttempts = 3): Retrier => ({
  ErrorEquals: errors,
  IntervalSeconds: 1,
  MaxAttempts: maxAttempts,
  BackoffRate: 2,
  MaxDelaySeconds: 8,
  JitterStrategy: 'FULL',
});
const catchAll = (next: string): Catcher => ({ ErrorEquals: ['States.ALL'], Next: next, ResultPath: '$.error' });
const S = (path: string): Json => ({ 'S.$': path });
const Sv = (value: string): Json => ({ S: value });

/** A conditional update of the payment record: never over a terminal state (F-10), reserved words as names (F-09). */
function recordTask(props: PaymentDefinitionProps, fields: Record<string, Json>, flow: { Next?: string; End?: true }, comment: string): TaskState {
  const names: Record<string, Json> = { '#pk': 'paymentId', '#status': 'status', '#kind': 'kind', '#idempotencyKey': 'idempotencyKey', '#createdAt': 'createdAt' };
  const values: Record<string, Json> = { ...NOT_TERMINAL_VALUES, ':kind': Sv('payment'), ':idempotencyKey': S('$.idempotencyKey'), ':receivedAt': S('$.receivedAt') };
  const sets = ['#kind = :kind', '#idempotencyKey = :idempotencyKey', '#createdAt = if_not_exists(#createdAt, :receivedAt)'];
  for (const [field, value] of Object.entries(fields)) {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  return {
    Type: 'Task',
    Comment: comment,
    Resource: 'arn:aws:states:::dynamodb:updateItem',
    Parameters: {
      TableName: props.paymentsTableName,
      Key: { paymentId: S('$.paymentId') },
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: NOT_TERMINAL_CONDITION,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
    ResultPath: null,
    TimeoutSeconds: SERVICE_TASK_TIMEOUT,
    Retry: [retry(DYNAMODB_TRANSIENT)],
    Catch: [
      // Already terminal: an earlier write won; this one must not overwrite it (F-10).
      { ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], Next: 'AlreadyRecorded', ResultPath: '$.error' },
      { ErrorEquals: ['States.ALL'], Next: 'RecordingFailed', ResultPath: '$.error' },
    ],
    ...flow,
  };
}

const paymentFields = (base: string): Record<string, Json> => ({
  amount: { 'N.$': `States.Format('{}', ${base}.amount)` },
  currency: S(`${base}.currency`),
  merchantId: S(`${base}.merchantId`),
  customerId: S(`${base}.customerId`),
});

export function paymentDefinition(props: PaymentDefinitionProps): StateMachineDefinition {
  const lambdaTask = (resource: string, timeout: number, parameters: Record<string, Json>, extra: Partial<TaskState>): TaskState => ({
    Type: 'Task',
    Resource: resource,
    Parameters: parameters,
    TimeoutSeconds: timeout + 5,
    Retry: [retry(LAMBDA_SERVICE_ERRORS)],
    Catch: [],
    ...extra,
  });
  const states: Record<string, State> = {
    Screen: {
      Type: 'Parallel',
      Comment: 'Validate and fraud-screen at once; branch results are read by index here only (F-01).',
      Branches: [
        {
          StartAt: 'Validate',
          States: {
            Validate: lambdaTask(
              props.functionArns.validate,
              props.functionTimeouts.validate,
              { 'paymentId.$': '$.paymentId', 'body.$': '$.body' },
              {
                Catch: [{ ErrorEquals: ['States.ALL'], Next: 'ValidateFailed' }],
                End: true,
              },
            ),
            ValidateFailed: { Type: 'Fail', Error: 'ValidateFailed', Cause: 'the validate task failed after its retries' },
          },
        },
        {
          StartAt: 'FraudScreen',
          States: {
            FraudScreen: lambdaTask(
              props.functionArns.fraud,
              props.functionTimeouts.fraud,
              { 'paymentId.$': '$.paymentId', 'body.$': '$.body' },
              {
                Retry: [retry(LAMBDA_SERVICE_ERRORS), retry(['VelocityContentionError'])],
                Catch: [{ ErrorEquals: ['States.ALL'], Next: 'FraudScreenFailed' }],
                End: true,
              },
            ),
            FraudScreenFailed: { Type: 'Fail', Error: 'FraudScreenFailed', Cause: 'the fraud-screen task failed after its retries' },
          },
        },
      ],
      ResultSelector: { 'validation.$': '$[0]', 'fraud.$': '$[1]' },
      ResultPath: '$.screen',
      Catch: [catchAll('RecordInternalError')],
      Next: 'Decide',
    },
    Decide: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.screen.validation.valid', BooleanEquals: false, Next: 'RecordRejected' },
        { Variable: '$.screen.fraud.decision', StringEquals: 'decline', Next: 'RecordScreenDeclined' },
      ],
      Default: 'Charge',
    },
    Charge: lambdaTask(
      props.functionArns.charge,
      props.functionTimeouts.charge,
      { 'paymentId.$': '$.paymentId', 'executionId.$': '$$.Execution.Id', 'payment.$': '$.screen.validation.payment' },
      {
        Comment: 'Claims the charge for this execution, then charges with the payment id as idempotency key on every attempt; retries on transient gateway errors only.',
        ResultPath: '$.charge',
        Retry: [{ ...retry([...TRANSIENT_GATEWAY_ERRORS, 'States.Timeout'], props.chargeRetries ?? 3), IntervalSeconds: 2 }, retry(LAMBDA_SERVICE_ERRORS)],
        Catch: [
          { ErrorEquals: ['ChargeAlreadyClaimedError'], Next: 'AlreadyClaimed', ResultPath: '$.error' },
          // The gateway refused the request itself (a 4xx) or the input was unusable: nothing was charged.
          { ErrorEquals: ['GatewayRequestError', 'InvalidTaskInputError'], Next: 'RecordInternalError', ResultPath: '$.error' },
          // Anything else after the claim may have charged: PENDING until reconciliation knows.
          { ErrorEquals: [...UNKNOWN_OUTCOME_ERRORS], Next: 'RecordPending', ResultPath: '$.error' },
          catchAll('RecordPending'),
        ],
        Next: 'RecordOutcome',
      },
    ),
    RecordOutcome: recordTask(
      props,
      { status: S('$.charge.status'), reason: S('$.charge.reason'), chargeId: S('$.charge.chargeId'), updatedAt: S('$.charge.decidedAt'), ...paymentFields('$.charge') },
      { Next: 'Notify' },
      'SETTLED or DECLINED by the issuer.',
    ),
    Notify: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish',
      Parameters: {
        TopicArn: props.eventsTopicArn,
        'Message.$': '$.charge',
        MessageAttributes: { status: { DataType: 'String', 'StringValue.$': '$.charge.status' } },
      },
      ResultPath: null,
      TimeoutSeconds: SERVICE_TASK_TIMEOUT,
      Retry: [retry(SNS_TRANSIENT)],
      // The payment is already terminal: a failed notification fails the execution (DLQ) without touching the record.
      Catch: [catchAll('NotifyFailed')],
      Next: 'Archive',
    },
    Archive: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:s3:putObject',
      Parameters: {
        Bucket: props.archiveBucketName,
        'Key.$': `States.Format('${props.archivePrefix}{}.json', $.paymentId)`,
        'Body.$': 'States.JsonToString($.charge)',
        ContentType: 'application/json',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: props.archiveKeyArn,
      },
      ResultPath: null,
      TimeoutSeconds: SERVICE_TASK_TIMEOUT,
      Retry: [retry(S3_TRANSIENT)],
      Catch: [catchAll('ArchiveFailed')],
      End: true,
    },
    RecordRejected: recordTask(
      props,
      { status: Sv('REJECTED'), reason: S('$.screen.validation.reason'), updatedAt: S('$.screen.validation.checkedAt') },
      { End: true },
      'Invalid request: nothing is charged.',
    ),
    RecordScreenDeclined: recordTask(
      props,
      { status: Sv('DECLINED'), reason: S('$.screen.fraud.reason'), updatedAt: S('$.screen.fraud.checkedAt'), ...paymentFields('$.screen.validation.payment') },
      { End: true },
      'Declined by the fraud screen: nothing is charged.',
    ),
    RecordPending: recordTask(
      props,
      { status: Sv('PENDING'), reason: Sv('outcome_unknown'), errorName: S('$.error.Error'), updatedAt: S('$$.Execution.StartTime'), ...paymentFields('$.screen.validation.payment') },
      { End: true },
      'The charge may have happened (5xx, reset or no answer, 409/429 through every retry, an unknown answer, a timeout or a crash): reconciliation asks the gateway.',
    ),
    RecordInternalError: recordTask(
      props,
      { status: Sv('FAILED'), reason: Sv('internal_error'), errorName: S('$.error.Error'), updatedAt: S('$$.Execution.StartTime') },
      { Next: 'PaymentFailed' },
      'Any other error: recorded, then the execution fails (DLQ).',
    ),
    AlreadyClaimed: { Type: 'Succeed', Comment: "Another execution claimed this payment's charge (or decided it): this one charges nothing." },
    AlreadyRecorded: { Type: 'Succeed', Comment: 'The record was already terminal; nothing was overwritten (F-10).' },
    PaymentFailed: { Type: 'Fail', Error: 'PaymentFailed', Cause: 'The payment was recorded FAILED; see its reason.' },
    RecordingFailed: { Type: 'Fail', Error: 'RecordingFailed', Cause: 'The payment record could not be written; the failure handler records it from the DLQ event.' },
    NotifyFailed: { Type: 'Fail', Error: 'NotifyFailed', Cause: 'The payment is recorded; its notification failed.' },
    ArchiveFailed: { Type: 'Fail', Error: 'ArchiveFailed', Cause: 'The payment is recorded and notified; its archive failed.' },
  };
  return {
    Comment: 'Payment workflow: validate ‖ fraud-screen → decide → charge → record → notify → archive',
    StartAt: 'Screen',
    TimeoutSeconds: props.executionTimeoutSeconds ?? 900,
    States: states,
  };
}
