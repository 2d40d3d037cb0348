/**
 * The payment workflow of one workload in one region: API → state machine → functions,
 * the events topic, the sandbox gateway (non-prod), the gateway credential secret and the
 * dead-letter path for failed executions (F-06). Its data plane (tables, archive bucket,
 * key) comes from outside through `WorkflowDataPlane`.
 */
import { Construct } from 'constructs';
import { TerraformOutput, TerraformVariable } from 'cdktf';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { apiClientsOf, currencyLimitsOf, type AwsRegion, type Workload } from '../../accounts/schema';
import type { ArchiveBucketRef } from '../data/archive-bucket';
import { CountersTable } from '../data/counters-table';
import { TableRef } from '../data/global-table';
import { QueueRef, SecretRef, TopicRef, type KeyRef } from '../core/grants';
import { policyDocument } from '../core/iam-document';
import type { FunctionPurpose, WorkloadNaming } from '../core/naming';
import type { EventRuleRef } from '../observability';
import { NodeFunction } from './node-function';
import { PaymentApi } from './payment-api';
import { paymentDefinition } from './payment-definition';
import { PaymentStateMachine } from './payment-state-machine';
import { jsonText } from '../core/json-text';

/**
 * What the workflow needs from the data plane: references with grant methods, to the
 * resources the primary region's stack created (in that stack or found by name in another).
 */
export interface WorkflowDataPlane {
  /** Payments table: partition key `paymentId` (S); schema in contract/records.ts. */
  readonly paymentsTable: TableRef;
  /** Archive bucket of this region: settlements are written under `settlements/<workload>/`. */
  readonly archiveBucket: ArchiveBucketRef;
  /**
   * The workload's data key in this region (a key ARN, not an alias: CloudWatch Logs needs
   * the ARN). Encrypts the log groups, topic, queue, secret, sandbox table and archives.
   * Its key policy must let the account's IAM policies grant use (root principal) and allow
   * `logs.<region>.amazonaws.com`, `events.amazonaws.com` and `sns.amazonaws.com` (F-15).
   */
  readonly key: KeyRef;
}

export type GatewayConfig = { readonly mode: 'sandbox' } | { readonly mode: 'live'; readonly endpoint: string };

export interface PaymentWorkflowProps {
  readonly naming: WorkloadNaming;
  readonly workload: Workload;
  readonly region: AwsRegion;
  readonly dataPlane: WorkflowDataPlane;
  /**
   * @default sandbox for dev and staging; for prod, live with the endpoint from the
   * Terraform variable `gateway_endpoint` (no default: a prod plan must set it)
   */
  readonly gateway?: GatewayConfig;
  /** @default 5000 — per gateway attempt, milliseconds */
  readonly gatewayTimeoutMs?: number;
}

/** Timeouts (seconds) of the functions; the API's are under 29 s (F-17), the tasks wait 5 s longer. */
export const FUNCTION_TIMEOUTS = { validate: 5, fraud: 10, charge: 20, submit: 10, status: 5, failure: 10, reconcile: 300 } as const;

/** The partition keys of payment records (`paymentIdFor`: `pay_` and 32 hex digits), as a `dynamodb:LeadingKeys` pattern. */
export const PAYMENT_RECORD_KEYS = 'pay_*';

/** How often reconciliation runs (EventBridge schedule expression). */
export const RECONCILE_SCHEDULE = 'rate(5 minutes)';

export class PaymentWorkflow extends Construct {
  readonly functions: {
    readonly validate: NodeFunction;
    readonly fraud: NodeFunction;
    readonly charge: NodeFunction;
    readonly submit: NodeFunction;
    readonly status: NodeFunction;
    readonly failure: NodeFunction;
    readonly reconcile: NodeFunction;
  };
  readonly stateMachine: PaymentStateMachine;
  readonly api: PaymentApi;
  readonly eventsTopic: SnsTopic;
  readonly deadLetterQueue: SqsQueue;
  /** The live gateway's credential (live mode only; its value is set out of band). */
  readonly gatewaySecret?: SecretsmanagerSecret;
  readonly sandboxTable?: DynamodbTable;
  /** This region's counters (the fraud screen's velocity windows): regional, not replicated. */
  readonly countersTable: CountersTable;
  /** This region's notifications and archives that still failed, for `npm run redrive` (regional: not replicated). */
  readonly redriveTable: DynamodbTable;
  /** Its EventBridge rules, whose failed deliveries the workload's alarms watch; `deadLetterQueue` where the targets have one. */
  readonly eventRules: readonly EventRuleRef[];
  /** Its functions invoked asynchronously whose failed events go to the dead-letter queue. */
  readonly asyncFunctions: readonly FunctionPurpose[] = ['failure', 'reconcile'];

  constructor(scope: Construct, id: string, props: PaymentWorkflowProps) {
    super(scope, id);
    const { naming: n, region, dataPlane: dp, workload } = props;
    const keyArn = dp.key.arn;
    const gateway: GatewayConfig = props.gateway ?? (workload.environment === 'prod' ? { mode: 'live', endpoint: gatewayEndpointVariable(this) } : { mode: 'sandbox' });
    if (gateway.mode === 'live' && gateway.endpoint === '') throw new Error('PaymentWorkflow: gateway.endpoint must be the HTTPS endpoint of the payment gateway');

    this.eventsTopic = new SnsTopic(this, 'events', { name: n.topic('events'), kmsMasterKeyId: keyArn });
    let gatewayEnvironment: Record<string, string>;
    if (gateway.mode === 'live') {
      // Created empty: an operator puts the card network's credential in it before the first
      // live payment (README). The sandbox needs none, so sandbox stacks create no secret.
      this.gatewaySecret = new SecretsmanagerSecret(this, 'gateway-secret', {
        name: n.secret('gateway'),
        description: `Payment gateway credential of ${n.prefix}; the value is set out of band`,
        kmsKeyId: keyArn,
      });
      gatewayEnvironment = { GATEWAY_ENDPOINT: gateway.endpoint, GATEWAY_SECRET_ARN: this.gatewaySecret.arn };
    } else {
      this.sandboxTable = new DynamodbTable(this, 'sandbox-captures', {
        name: n.table('sandbox'),
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'idempotencyKey',
        attribute: [{ name: 'idempotencyKey', type: 'S' }],
        serverSideEncryption: { enabled: true, kmsKeyArn: keyArn },
        // The sandbox's captures are what the tests and `charges` count: recoverable like any table.
        pointInTimeRecovery: { enabled: true },
      });
      gatewayEnvironment = { SANDBOX_TABLE: n.table('sandbox') };
    }

    // Per-region operational state: a plain table of this region, not a replica of the global one.
    this.redriveTable = new DynamodbTable(this, 'redrive', {
      name: n.table('redrive'),
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'deliveryId',
      attribute: [{ name: 'deliveryId', type: 'S' }],
      serverSideEncryption: { enabled: true, kmsKeyArn: keyArn },
      pointInTimeRecovery: { enabled: true },
      // What it holds is owed to someone (a notification, an archive): as protected as the payments themselves in prod.
      deletionProtectionEnabled: workload.environment === 'prod',
    });

    const rules = {
      PAYMENT_CURRENCIES: workload.payments.currencies.join(','),
      // Each currency's limits, in its own minor units (the manifest's defaults resolved).
      PAYMENT_LIMITS: JSON.stringify(currencyLimitsOf(workload)),
    };
    const fn = (purpose: keyof typeof FUNCTION_TIMEOUTS, environment: Record<string, string>) =>
      new NodeFunction(this, purpose, { naming: n, region, purpose, logKeyArn: keyArn, timeoutSeconds: FUNCTION_TIMEOUTS[purpose], environment });
    const validate = fn('validate', rules);
    // Velocity windows are this region's own state: a regional table, never the replicated payments table.
    this.countersTable = new CountersTable(this, 'counters', { naming: n, key: dp.key, deletionProtection: workload.environment === 'prod' });
    const fraud = fn('fraud', {
      ...rules,
      COUNTERS_TABLE: this.countersTable.name,
      MAX_PAYMENTS_PER_CARD_PER_MINUTE: String(workload.payments.maxPaymentsPerCardPerMinute),
    });
    const gatewayEnv = {
      GATEWAY_MODE: gateway.mode,
      GATEWAY_TIMEOUT_MS: String(props.gatewayTimeoutMs ?? 5000),
      ...gatewayEnvironment,
    };
    const charge = fn('charge', { ...gatewayEnv, PAYMENTS_TABLE: dp.paymentsTable.name });
    // The API's clients and their principals (manifest), for the functions that map a request's principal to its client.
    const API_CLIENTS = JSON.stringify(apiClientsOf(workload).map((c) => ({ name: c.name, principals: c.principals })));
    const stateMachineArn = n.stateMachineArn(region);
    // The origins whose browser pages may read the API's answers (none unless the manifest names them).
    const CORS_ORIGINS = workload.api.corsOrigins.join(',');
    const submit = fn('submit', { PAYMENTS_TABLE: dp.paymentsTable.name, STATE_MACHINE_ARN: stateMachineArn, CORS_ORIGINS, API_CLIENTS });
    const status = fn('status', { PAYMENTS_TABLE: dp.paymentsTable.name, CORS_ORIGINS, API_CLIENTS });
    const failure = fn('failure', { PAYMENTS_TABLE: dp.paymentsTable.name });
    const archivePrefix = `settlements/${workload.name}/`;
    const executionTimeoutSeconds = 900;
    const reconcile = fn('reconcile', {
      ...gatewayEnv,
      PAYMENTS_TABLE: dp.paymentsTable.name,
      STATE_MACHINE_ARN: stateMachineArn,
      EVENTS_TOPIC_ARN: this.eventsTopic.arn,
      ARCHIVE_BUCKET: dp.archiveBucket.name,
      ARCHIVE_PREFIX: archivePrefix,
      ARCHIVE_KEY_ARN: keyArn,
      // Where a decided payment's notification or archive that failed waits for `npm run redrive`, as the workflow's own do.
      REDRIVE_TABLE: this.redriveTable.name,
      // Past the execution timeout, no execution of the payment can still be running.
      RECONCILE_AFTER_SECONDS: String(executionTimeoutSeconds + 60),
    });
    this.functions = { validate, fraud, charge, submit, status, failure, reconcile };

    this.stateMachine = new PaymentStateMachine(this, 'state-machine', {
      naming: n,
      region,
      logKeyArn: keyArn,
      dataKeyArn: keyArn,
      definition: paymentDefinition({
        functionArns: { validate: validate.arn, fraud: fraud.arn, charge: charge.arn },
        functionTimeouts: { validate: validate.timeoutSeconds, fraud: fraud.timeoutSeconds, charge: charge.timeoutSeconds },
        paymentsTableName: dp.paymentsTable.name,
        eventsTopicArn: this.eventsTopic.arn,
        archiveBucketName: dp.archiveBucket.name,
        archivePrefix,
        archiveKeyArn: keyArn,
        executionTimeoutSeconds,
        redriveTableName: this.redriveTable.name,
      }),
    });
    const sm = this.stateMachine;

    // Grants: each function, and the state machine, exactly the calls its code or its Tasks
    // make (F-13, F-14); each resource's grant adds the use of the key that encrypts it.
    const key = dp.key;
    const table = dp.paymentsTable;
    const events = new TopicRef(this.eventsTopic.arn, key, 'EventsTopic');
    const secret = this.gatewaySecret ? new SecretRef(this.gatewaySecret.arn, key, 'GatewaySecret') : undefined;
    const sandbox = this.sandboxTable ? new TableRef(n.table('sandbox'), this.sandboxTable.arn, key, 'SandboxTable') : undefined;
    this.countersTable.grantVelocityWindows(fraud); // its windows only (dynamodb:LeadingKeys); no access to the payments table
    table.grant(charge, 'dynamodb:UpdateItem'); // the claim
    secret?.grantRead(charge);
    sandbox?.grant(charge, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    // Submit creates and reads payment records only (keys `pay_…`), never another item of the table.
    table.grantOnItems(submit, PAYMENT_RECORD_KEYS, 'dynamodb:PutItem', 'dynamodb:GetItem');
    sm.grantStartExecution(submit);
    table.grant(status, 'dynamodb:GetItem');
    table.grant(failure, 'dynamodb:UpdateItem');
    table.grant(reconcile, 'dynamodb:Scan', 'dynamodb:UpdateItem');
    sm.grantStartExecution(reconcile);
    secret?.grantRead(reconcile);
    // Reconciliation only looks captures up, but it holds the same sandbox adapter as charge, which can also write them.
    sandbox?.grant(reconcile, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    events.grantPublish(reconcile);
    dp.archiveBucket.grantPut(reconcile, archivePrefix);
    const redrive = new TableRef(n.table('redrive'), this.redriveTable.arn, key, 'RedriveTable');
    redrive.grant(reconcile, 'dynamodb:PutItem');
    for (const task of [validate, fraud, charge]) task.grantInvoke(sm);
    table.grant(sm, 'dynamodb:UpdateItem');
    events.grantPublish(sm);
    dp.archiveBucket.grantPut(sm, archivePrefix);
    redrive.grant(sm, 'dynamodb:PutItem');

    // F-06: failed, timed-out and aborted executions → encrypted DLQ + the failure recorder.
    this.deadLetterQueue = new SqsQueue(this, 'dlq', {
      name: n.queue('dlq'),
      kmsMasterKeyId: keyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: 1_209_600,
    });
    const failedRuleName = `${n.stateMachine()}-failed`.slice(0, 64);
    const rule = new CloudwatchEventRule(this, 'failed-executions', {
      name: failedRuleName,
      description: 'Payment executions that failed, timed out or were aborted',
      eventPattern: jsonText({
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [stateMachineArn] },
      }),
    });
    new SqsQueuePolicy(this, 'dlq-policy', {
      queueUrl: this.deadLetterQueue.url,
      policy: policyDocument([
        {
          Sid: 'FailedExecutionsOnly',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: this.deadLetterQueue.arn,
          Condition: { ArnEquals: { 'aws:SourceArn': rule.arn } },
        },
      ]),
    });
    new CloudwatchEventTarget(this, 'failed-to-dlq', { rule: rule.name, targetId: 'dead-letter-queue', arn: this.deadLetterQueue.arn });
    new CloudwatchEventTarget(this, 'failed-to-recorder', {
      rule: rule.name,
      targetId: 'failure-recorder',
      arn: failure.arn,
      deadLetterConfig: { arn: this.deadLetterQueue.arn },
      retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 86_400 },
    });
    // Once EventBridge has handed an event to the recorder (an asynchronous invoke), a recorder
    // that keeps failing is Lambda's to report, not EventBridge's: after Lambda's own retries the
    // event goes to the same dead-letter queue, sent with the recorder's role.
    const deadLetters = new QueueRef(this.deadLetterQueue.arn, key, 'DeadLetterQueue');
    deadLetters.grantSendMessages(failure);
    new LambdaFunctionEventInvokeConfig(this, 'failure-on-failure', {
      functionName: failure.function.functionName,
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 21_600,
      destinationConfig: { onFailure: { destination: this.deadLetterQueue.arn } },
    });
    new LambdaPermission(this, 'failure-from-events', {
      statementId: 'AllowEventBridge',
      action: 'lambda:InvokeFunction',
      functionName: failure.function.functionName,
      principal: 'events.amazonaws.com',
      sourceArn: rule.arn,
    });

    // Reconciliation of undecided payments, on a schedule.
    const reconcileRule = new CloudwatchEventRule(this, 'reconcile-schedule', {
      name: n.scheduleRule('reconcile'),
      description: 'Reconciles payments whose charge outcome is unknown (PENDING) or that never started',
      scheduleExpression: RECONCILE_SCHEDULE,
    });
    new CloudwatchEventTarget(this, 'reconcile-target', {
      rule: reconcileRule.name,
      targetId: 'reconcile',
      arn: reconcile.arn,
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 300 },
    });
    // A reconciliation run that fails (one that decided a payment whose delivery it could neither
    // send nor queue, or whose scan failed) goes to the dead-letter queue, whose alarm fires on the
    // first message, sent with the function's role; it is not run again: the next scheduled run
    // comes within minutes, and a repeat could not redo what the failed run left undone.
    deadLetters.grantSendMessages(reconcile);
    new LambdaFunctionEventInvokeConfig(this, 'reconcile-on-failure', {
      functionName: reconcile.function.functionName,
      maximumRetryAttempts: 0,
      // A run held back (throttled) past the next scheduled one is of no use.
      maximumEventAgeInSeconds: 300,
      destinationConfig: { onFailure: { destination: this.deadLetterQueue.arn } },
    });
    new LambdaPermission(this, 'reconcile-from-schedule', {
      statementId: 'AllowSchedule',
      action: 'lambda:InvokeFunction',
      functionName: reconcile.function.functionName,
      principal: 'events.amazonaws.com',
      sourceArn: reconcileRule.arn,
    });

    this.eventRules = [
      { purpose: 'failed-executions', name: failedRuleName, deadLetterQueue: true },
      { purpose: 'reconcile-schedule', name: n.scheduleRule('reconcile'), deadLetterQueue: false },
    ];

    this.api = new PaymentApi(this, 'api', { naming: n, region, workload, submit, status, logKeyArn: keyArn });
    new TerraformOutput(this, 'state-machine-arn', { value: sm.arn });
  }
}

/**
 * The Terraform variable `gateway_endpoint` (TF_VAR_gateway_endpoint): its logical id is
 * fixed, because users and CI set it by that name.
 */
function gatewayEndpointVariable(scope: Construct): string {
  const variable = new TerraformVariable(scope, 'gateway_endpoint', {
    type: 'string',
    description: 'HTTPS endpoint of the payment gateway (prod)',
    validation: [{ condition: '${can(regex("^https://[^/]+", var.gateway_endpoint))}', errorMessage: 'gateway_endpoint must be an https:// URL.' }],
  });
  variable.overrideLogicalId('gateway_endpoint');
  return variable.stringValue;
}
