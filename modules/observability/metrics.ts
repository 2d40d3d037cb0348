/**
 * What each alarm watches, as data (F-24): namespace, metric, dimensions and statistic
 * exactly as the AWS service publishes them. The alarms and the dashboard are both built
 * from these specs, so the dashboard shows the very metrics the alarms evaluate.
 *
 * Sources (CloudWatch metric references of each service):
 *   AWS/States     ExecutionsFailed | ExecutionsTimedOut | ExecutionsAborted   StateMachineArn
 *   AWS/Lambda     Errors | Throttles                                          FunctionName
 *                  DestinationDeliveryFailures                                 FunctionName
 *   AWS/ApiGateway 5XXError, Count, Latency                                    ApiName, Stage
 *   AWS/DynamoDB   ReadThrottleEvents, WriteThrottleEvents                     TableName
 *                  ReplicationLatency                                          TableName, ReceivingRegion
 *   AWS/S3         OperationsFailedReplication                                 SourceBucket, DestinationBucket, RuleId
 *   AWS/SQS        ApproximateNumberOfMessagesVisible                          QueueName
 *   AWS/Events     FailedInvocations, InvocationsFailedToBeSentToDlq           RuleName (default bus)
 */
import type { AlarmThresholds, AwsRegion } from '../../accounts/schema';

export interface MetricRef {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** `Sum`, `Average`, `Maximum`, or a percentile such as `p99`. */
  readonly stat: string;
}

export interface AlarmSpec {
  /** Stable word(s): the construct id and the alarm name's suffix (`validate-errors`). */
  readonly id: string;
  readonly description: string;
  /** Fires when the value is greater than this. */
  readonly threshold: number;
  /**
   * Every period above the threshold is an incident of its own (a count of events each of which
   * someone must act on): the alarm fires on the first such period, whatever the manifest's
   * `evaluationPeriods` says. @default false
   */
  readonly anyOccurrence?: true;
  /** One metric, or metric math over `metrics` (keys are the math ids). */
  readonly metric: MetricRef | { readonly expression: string; readonly label: string; readonly metrics: Readonly<Record<string, MetricRef>> };
}

export const isMath = (m: AlarmSpec['metric']): m is Extract<AlarmSpec['metric'], { expression: string }> => 'expression' in m;

export function stateMachineAlarms(stateMachineArn: string, t: AlarmThresholds): AlarmSpec[] {
  const what = { ExecutionsFailed: 'failed', ExecutionsTimedOut: 'timed-out', ExecutionsAborted: 'aborted' } as const;
  return (Object.keys(what) as (keyof typeof what)[]).map((metricName) => ({
    id: `executions-${what[metricName]}`,
    description: `Payment executions ${what[metricName].replace('-', ' ')} (each leaves a FAILED record and a dead-letter message; F-06)`,
    threshold: t.failedExecutions,
    metric: { namespace: 'AWS/States', metricName, dimensions: { StateMachineArn: stateMachineArn }, stat: 'Sum' },
  }));
}

export function functionAlarms(purpose: string, functionName: string, t: AlarmThresholds): AlarmSpec[] {
  return [
    {
      id: `${purpose}-errors`,
      description: `Lambda ${functionName} errors`,
      threshold: t.lambdaErrors,
      metric: { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: functionName }, stat: 'Sum' },
    },
    {
      id: `${purpose}-throttles`,
      description: `Lambda ${functionName} throttles`,
      threshold: t.lambdaThrottles,
      metric: { namespace: 'AWS/Lambda', metricName: 'Throttles', dimensions: { FunctionName: functionName }, stat: 'Sum' },
    },
  ];
}

/**
 * A function invoked asynchronously whose failed events go to a destination (a dead-letter
 * queue): a failed event Lambda could not put there would otherwise leave no trace but this
 * metric. (Not `AsyncEventsDropped`: Lambda counts there every failed event, those it did
 * send to the destination too, which the queue's own alarm already reports.)
 */
export function asyncInvocationAlarms(purpose: string, functionName: string): AlarmSpec[] {
  return [
    {
      id: `${purpose}-destination-failures`,
      description: `Lambda ${functionName}: failed events it could not send to their destination (F-06)`,
      threshold: 0,
      anyOccurrence: true,
      metric: { namespace: 'AWS/Lambda', metricName: 'DestinationDeliveryFailures', dimensions: { FunctionName: functionName }, stat: 'Sum' },
    },
  ];
}

export function apiAlarms(apiName: string, stage: string, t: AlarmThresholds): AlarmSpec[] {
  const dims = { ApiName: apiName, Stage: stage };
  return [
    {
      id: 'api-5xx-rate',
      description: `API ${apiName}/${stage}: percent of requests answered 5XX`,
      threshold: t.api5xxRatePercent,
      metric: {
        expression: '100 * errors / requests',
        label: '5XX rate (%)',
        metrics: {
          errors: { namespace: 'AWS/ApiGateway', metricName: '5XXError', dimensions: dims, stat: 'Sum' },
          requests: { namespace: 'AWS/ApiGateway', metricName: 'Count', dimensions: dims, stat: 'Sum' },
        },
      },
    },
    {
      id: 'api-latency-p99',
      description: `API ${apiName}/${stage}: p99 latency (ms)`,
      threshold: t.apiLatencyP99Ms,
      metric: { namespace: 'AWS/ApiGateway', metricName: 'Latency', dimensions: dims, stat: 'p99' },
    },
  ];
}

export function tableAlarms(purpose: string, tableName: string, receivingRegions: readonly AwsRegion[], t: AlarmThresholds): AlarmSpec[] {
  return [
    {
      id: `${purpose}-table-throttles`,
      description: `DynamoDB ${tableName}: read + write throttle events`,
      threshold: t.dynamodbThrottleEvents,
      metric: {
        expression: 'FILL(reads, 0) + FILL(writes, 0)',
        label: 'throttle events',
        metrics: {
          reads: { namespace: 'AWS/DynamoDB', metricName: 'ReadThrottleEvents', dimensions: { TableName: tableName }, stat: 'Sum' },
          writes: { namespace: 'AWS/DynamoDB', metricName: 'WriteThrottleEvents', dimensions: { TableName: tableName }, stat: 'Sum' },
        },
      },
    },
    ...receivingRegions.map((region) => ({
      id: `${purpose}-table-replication-${region}`,
      description: `DynamoDB ${tableName}: replication latency to ${region} (ms)`,
      threshold: t.replicationLatencyMs,
      metric: { namespace: 'AWS/DynamoDB', metricName: 'ReplicationLatency', dimensions: { TableName: tableName, ReceivingRegion: region }, stat: 'Average' },
    })),
  ];
}

export interface S3ReplicationRef {
  /** Short stable word for the alarm id (`archive`). */
  readonly name: string;
  readonly sourceBucket: string;
  readonly destinationBucket: string;
  /** The replication rule's `id`. The rule must enable `metrics { status = "Enabled" }`, or S3 publishes nothing (F-24). */
  readonly ruleId: string;
}

export function replicationAlarms(r: S3ReplicationRef, t: AlarmThresholds): AlarmSpec[] {
  return [
    {
      id: `${r.name}-replication-failed`,
      description: `S3 ${r.sourceBucket} → ${r.destinationBucket} (rule ${r.ruleId}): objects that failed to replicate (F-21)`,
      threshold: t.s3FailedReplications,
      metric: { namespace: 'AWS/S3', metricName: 'OperationsFailedReplication', dimensions: { SourceBucket: r.sourceBucket, DestinationBucket: r.destinationBucket, RuleId: r.ruleId }, stat: 'Sum' },
    },
  ];
}

/**
 * A table whose every write is owed work: a notification or settlement archive that failed
 * through its retries and waits for `npm run redrive` (F-27). DynamoDB publishes the count of
 * successful requests per table and operation as SuccessfulRequestLatency's SampleCount.
 */
export function redriveAlarms(purpose: string, tableName: string): AlarmSpec[] {
  return [
    {
      id: `${purpose}-queued`,
      description: `DynamoDB ${tableName}: a notification or archive was queued for re-drive (run npm run redrive; OK only means no new one, not that the table is empty; F-27)`,
      threshold: 0,
      anyOccurrence: true,
      metric: { namespace: 'AWS/DynamoDB', metricName: 'SuccessfulRequestLatency', dimensions: { TableName: tableName, Operation: 'PutItem' }, stat: 'SampleCount' },
    },
  ];
}

export function queueAlarms(purpose: string, queueName: string): AlarmSpec[] {
  return [
    {
      id: `${purpose}-depth`,
      description: `SQS ${queueName}: messages waiting (a failed payment, or a failed reconciliation run; F-06)`,
      threshold: 0,
      anyOccurrence: true,
      metric: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queueName }, stat: 'Maximum' },
    },
  ];
}

/** An EventBridge rule (default bus) to watch, by purpose (the alarms' ids) and name; `deadLetterQueue` when its targets have one. */
export interface EventRuleRef {
  readonly purpose: string;
  readonly name: string;
  readonly deadLetterQueue: boolean;
}

/**
 * An EventBridge rule (default bus) whose deliveries must not fail unseen: an event it could not
 * deliver to a target after its retries (a permission or key policy that refuses it, a target
 * gone), and, for a rule whose targets have a dead-letter queue, an event that could not even be
 * put there. EventBridge publishes both only when they are not zero.
 */
export function ruleAlarms(purpose: string, ruleName: string, options: { readonly deadLetterQueue: boolean }): AlarmSpec[] {
  const metric = (metricName: string): MetricRef => ({ namespace: 'AWS/Events', metricName, dimensions: { RuleName: ruleName }, stat: 'Sum' });
  return [
    {
      id: `${purpose}-failed-invocations`,
      description: `EventBridge rule ${ruleName}: events it could not deliver to a target after its retries (F-06)`,
      threshold: 0,
      anyOccurrence: true,
      metric: metric('FailedInvocations'),
    },
    ...(options.deadLetterQueue
      ? [
          {
            id: `${purpose}-dead-letters-lost`,
            description: `EventBridge rule ${ruleName}: events that could be neither delivered nor put in the dead-letter queue (F-06)`,
            threshold: 0,
            anyOccurrence: true as const,
            metric: metric('InvocationsFailedToBeSentToDlq'),
          },
        ]
      : []),
  ];
}
