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
 * Bursts and throttling (F-27): every Task that is safe to repeat for the same payment
 * (validate, fraud screen, the record writes, notify, archive, the re-drive writes) retries
 * throttling, the services' internal errors and its own timeout with exponential backoff and
 * full jitter, long enough to outlast a burst and, along the longest path, within the
 * execution's timeout. The charge retries them too: its claim and the gateway's idempotency
 * key (the payment id) keep every repeat to one charge.
 *
 * Deliveries of a decided payment: a notification or an archive that still fails after its
 * retries is written to the region's re-drive table (`QueueNotifyRedrive`,
 * `QueueArchiveRedrive`: the request as sent, under `<paymentId>#notify|archive`), and the
 * workflow goes on: a failed notification does not keep the payment from its archive. An
 * operator re-drives them with `npm run redrive` (idempotent: the same request again).
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
  /** The region's re-drive table (partition key `deliveryId`): notifications and archives that still failed. */
  readonly redriveTableName: string;
}

/** Errors of invoking a Lambda function that are worth a retry (the Lambda service's, never the handler's). */
export const LAMBDA_SERVICE_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];
/**
 * For a function that is safe to run again (validation, the fraud screen) also its own timeout
 * or crash, which Lambda reports as `Lambda.Unknown` / `Sandbox.Timedout`, and an invoke that
 * timed out on the client side. The charge keeps its own list: a crashed charge goes to PENDING
 * for reconciliation (its claim and the gateway's idempotency key make its retries safe).
 */
const REPEATABLE_LAMBDA_ERRORS = [...LAMBDA_SERVICE_ERRORS, 'Lambda.ClientExecutionTimeoutException', 'Lambda.Unknown', 'Sandbox.Timedout'];
/** DynamoDB's throttling and internal errors, by the exception name its API answers with. */
const DYNAMODB_CAPACITY = ['ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'ThrottlingException', 'InternalServerError'];
/** The same errors as a direct integration names them (`DynamoDB.<exception>`). */
// Step Functions may name an integration's error by its SDK exception class: both spellings, and the SDK's generic class for an unmodelled 503.
const DYNAMODB_TRANSIENT = [...DYNAMODB_CAPACITY.map((e) => `DynamoDB.${e}`), 'DynamoDB.InternalServerErrorException', 'DynamoDB.RequestLimitExceededException', 'DynamoDB.AmazonDynamoDBException'];
/** And as a function that calls DynamoDB throws them (the SDK's error name is the exception's). */
const HANDLER_DYNAMODB_TRANSIENT = DYNAMODB_CAPACITY;
const SNS_TRANSIENT = ['SNS.ThrottledException', 'SNS.InternalErrorException', 'SNS.KMSThrottlingException'];
const S3_TRANSIENT = ['S3.InternalError', 'S3.SlowDown', 'S3.ServiceUnavailable', 'S3.S3Exception'];
/** A service call answers in milliseconds: 5 s is a call that is lost, not one that is slow. */
const SERVICE_TASK_TIMEOUT = 5;

const retry = (errors: readonly string[], maxAttempts = 3): Retrier => ({
  ErrorEquals: errors,
  IntervalSeconds: 1,
  MaxAttempts: maxAttempts,
  BackoffRate: 2,
  MaxDelaySeconds: 8,
  JitterStrategy: 'FULL',
});

/**
 * Throttling, internal errors and timeouts of a Task that is safe to repeat: waits of 1, 2, 4,
 * 8, then 10 s (at most 35 s in all, full jitter) over 6 retries, long enough for a burst to
 * drain (F-27); the longest path of the definition, every attempt timing out, stays inside the
 * execution's timeout (test/workflow/definition.test.ts).
 */
export const CAPACITY_RETRY = { IntervalSeconds: 1, BackoffRate: 2, MaxDelaySeconds: 10, MaxAttempts: 6 } as const;
const capacityRetry = (errors: readonly string[]): Retrier => ({ ErrorEquals: [...errors, 'States.Timeout'], ...CAPACITY_RETRY, JitterStrategy: 'FULL' });
const catchAll = (next: string): Catcher => ({ ErrorEquals: ['States.ALL'], Next: next, ResultPath: '$.error' });
const S = (path: string): Json => ({ 'S.$': path });
const Sv = (value: string): Json => ({ S: value });

/** A conditional update of the payment record: never over a terminal state (F-10), reserved words as names (F-09). */
function recordTask(props: PaymentDefinitionProps, fields: Record<string, Json>, flow: { Next?: string; End?: true }, comment: string): TaskState {
  const names: Record<string, Json> = { '#pk': 'paymentId', '#status': 'status', '#kind': 'kind', '#idempotencyKey': 'idempotencyKey', '#createdAt': 'createdAt' };
  const values: Record<string, Json> = { ...NOT_TERMINAL_VALUES, ':kind': Sv('payment'), ':idempotencyKey': S('$.idempotencyKey'), ':receivedAt': S('$.receivedAt') };
  // recordedBy: the execution that wrote the record. A retry of this write after a timeout whose
  // first attempt went through finds its own terminal record with the status it writes: allowed
  // (the same values), so the execution goes on to notify and archive instead of ending as if
  // another had decided. A record someone else moved on since (reconciliation deciding a
  // PENDING payment keeps recordedBy) has another status and is never written over.
  names['#recordedBy'] = 'recordedBy';
  values[':recordedBy'] = S('$$.Execution.Id');
  const sets = ['#kind = :kind', '#idempotencyKey = :idempotencyKey', '#createdAt = if_not_exists(#createdAt, :receivedAt)', '#recordedBy = :recordedBy'];
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
      ConditionExpression: `${NOT_TERMINAL_CONDITION} OR (#recordedBy = :recordedBy AND #status = :status)`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
    ResultPath: null,
    TimeoutSeconds: SERVICE_TASK_TIMEOUT,
    Retry: [capacityRetry(DYNAMODB_TRANSIENT)],
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

/**
 * A Task's Parameters as a DynamoDB map of the same values, resolved by the same paths: the
 * request a delivery sent, as the re-drive table keeps it (every value a string, or a map of them).
 */
export function asRedriveAttribute(params: { [k: string]: Json }): Json {
  return {
    M: Object.fromEntries(
      Object.entries(params).map(([k, v]): [string, Json] => {
        if (k.endsWith('.$')) return [k.slice(0, -2), { 'S.$': v }];
        if (typeof v === 'string') return [k, { S: v }];
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) return [k, asRedriveAttribute(v)];
        throw new Error(`${k}: the re-drive table keeps strings and maps of strings only`);
      }),
    ),
  };
}

/** Writes a delivery that still failed to the region's re-drive table; the same payment and delivery always land on one item. */
function queueRedrive(props: PaymentDefinitionProps, delivery: 'notify' | 'archive', request: { [k: string]: Json }, flow: { Next?: string; End?: true }): TaskState {
  return {
    Type: 'Task',
    Comment: `The ${delivery} failed through its retries: its request is kept for \`npm run redrive\`.`,
    Resource: 'arn:aws:states:::dynamodb:putItem',
    Parameters: {
      TableName: props.redriveTableName,
      Item: {
        deliveryId: { 'S.$': `States.Format('{}#${delivery}', $.paymentId)` },
        paymentId: S('$.paymentId'),
        delivery: Sv(delivery),
        request: asRedriveAttribute(request),
        error: S('$.error.Error'),
        executionStartedAt: S('$$.Execution.StartTime'),
      },
    },
    ResultPath: null,
    TimeoutSeconds: SERVICE_TASK_TIMEOUT,
    Retry: [capacityRetry(DYNAMODB_TRANSIENT)],
    // A notification that could not even be queued must not cost the settlement its archive: the
    // archive is still attempted, and the execution fails (DLQ, alarm) once it is done.
    Catch: [delivery === 'notify' ? catchAll('ArchiveThenFail') : catchAll('ArchiveFailed')],
    ...flow,
  };
}

export function paymentDefinition(props: PaymentDefinitionProps): StateMachineDefinition {
  const lambdaTask = (resource: string, timeout: number, parameters: Record<string, Json>, extra: Partial<TaskState>): TaskState => ({
    Type: 'Task',
    Resource: resource,
    Parameters: parameters,
    TimeoutSeconds: timeout + 5,
    Retry: [capacityRetry(REPEATABLE_LAMBDA_ERRORS)],
    Catch: [],
    ...extra,
  });
  // The requests of the two deliveries, once: the Task sends it, the re-drive table keeps it.
  const notifyRequest: { [k: string]: Json } = {
    TopicArn: props.eventsTopicArn,
    'Message.$': 'States.JsonToString($.charge)',
    MessageAttributes: { status: { DataType: 'String', 'StringValue.$': '$.charge.status' } },
  };
  const archiveRequest: { [k: string]: Json } = {
    Bucket: props.archiveBucketName,
    'Key.$': `States.Format('${props.archivePrefix}{}.json', $.paymentId)`,
    'Body.$': 'States.JsonToString($.charge)',
    ContentType: 'application/json',
    ServerSideEncryption: 'aws:kms',
    SSEKMSKeyId: props.archiveKeyArn,
  };
  /** The settlement archive's PutObject; a failure through its retries goes to `queue`. */
  const archiveTask = (queue: string, flow: { Next: string } | { End: true }): TaskState => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::aws-sdk:s3:putObject',
    Parameters: archiveRequest,
    ResultPath: null,
    TimeoutSeconds: SERVICE_TASK_TIMEOUT,
    Retry: [capacityRetry(S3_TRANSIENT)],
    Catch: [catchAll(queue)],
    ...flow,
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
                Retry: [capacityRetry([...REPEATABLE_LAMBDA_ERRORS, ...HANDLER_DYNAMODB_TRANSIENT]), retry(['VelocityContentionError'])],
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
        Retry: [
          { ...retry([...TRANSIENT_GATEWAY_ERRORS, 'States.Timeout'], props.chargeRetries ?? 3), IntervalSeconds: 2 },
          // Lambda's throttling and the claim's or the sandbox's DynamoDB throttling: the claim and
          // the gateway's idempotency key make a repeat charge nothing twice.
          { ...capacityRetry([...LAMBDA_SERVICE_ERRORS, ...HANDLER_DYNAMODB_TRANSIENT]), ErrorEquals: [...LAMBDA_SERVICE_ERRORS, ...HANDLER_DYNAMODB_TRANSIENT] },
        ],
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
      Parameters: notifyRequest,
      ResultPath: null,
      TimeoutSeconds: SERVICE_TASK_TIMEOUT,
      Retry: [capacityRetry(SNS_TRANSIENT)],
      // The payment is already decided: a notification that still fails is queued for re-drive, and the archive follows.
      Catch: [catchAll('QueueNotifyRedrive')],
      Next: 'Archive',
    },
    QueueNotifyRedrive: queueRedrive(props, 'notify', notifyRequest, { Next: 'Archive' }),
    Archive: archiveTask('QueueArchiveRedrive', { End: true }),
    QueueArchiveRedrive: queueRedrive(props, 'archive', archiveRequest, { End: true }),
    // The notification could be neither sent nor queued: the settlement still gets its archive
    // (or its queued archive), then the execution fails so that the DLQ and its alarm tell someone.
    ArchiveThenFail: archiveTask('QueueArchiveRedriveThenFail', { Next: 'NotifyFailed' }),
    QueueArchiveRedriveThenFail: queueRedrive(props, 'archive', archiveRequest, { Next: 'NotifyFailed' }),
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
    NotifyFailed: { Type: 'Fail', Error: 'NotifyFailed', Cause: 'The payment is recorded; its notification failed and could not be queued for re-drive.' },
    ArchiveFailed: { Type: 'Fail', Error: 'ArchiveFailed', Cause: 'The payment is recorded; its archive failed and could not be queued for re-drive.' },
  };
  return {
    Comment: 'Payment workflow: validate ‖ fraud-screen → decide → charge → record → notify → archive',
    StartAt: 'Screen',
    TimeoutSeconds: props.executionTimeoutSeconds ?? 900,
    States: states,
  };
}
