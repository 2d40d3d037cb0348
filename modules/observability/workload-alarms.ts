/**
 * The alarms and the dashboard of one workload in one region (one per payments stack):
 * every alarm from `metrics.ts`, thresholds from the manifest's `alarms` block, actions
 * (ALARM and OK) to the `AlarmTopic`; one dashboard with the same metrics plus the alarm
 * states. Wiring in the payments stack is a few lines:
 *
 *   const topic = new AlarmTopic(this, 'alarm-topic', { naming, region, key: dataKey });
 *   new WorkloadAlarms(this, 'alarms', {
 *     naming, region, topic,
 *     functions: ['validate', 'fraud', 'charge', 'status', 'submit', 'failure', 'reconcile'],
 *     stateMachine: paymentStateMachine,          // anything with .arn
 *     apiStage: 'live',
 *     tables: ['payments'],
 *     replications: [{ name: 'archive', sourceBucket, destinationBucket, ruleId }],
 *     deadLetterQueues: ['dlq'],
 *     eventRules: [{ purpose: 'failed-executions', name: ruleName, deadLetterQueue: true }],
 *   });
 */
import { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktf';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmMetricQuery } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import type { AlarmThresholds, AwsRegion } from '../../accounts/schema';
import type { FunctionPurpose, QueuePurpose, TablePurpose, WorkloadNaming } from '../core/naming';
import type { AlarmTopic } from './alarm-topic';
import {
  apiAlarms,
  asyncInvocationAlarms,
  functionAlarms,
  isMath,
  queueAlarms,
  redriveAlarms,
  replicationAlarms,
  ruleAlarms,
  stateMachineAlarms,
  tableAlarms,
  type AlarmSpec,
  type EventRuleRef,
  type MetricRef,
  type S3ReplicationRef,
} from './metrics';
import { jsonText } from '../core/json-text';

export interface WorkloadAlarmsProps {
  readonly naming: WorkloadNaming;
  /** The region these alarms (and the resources they watch) are in. */
  readonly region: AwsRegion;
  readonly topic: AlarmTopic;
  /** @default the workload's `alarms` block from the manifest (with its defaults) */
  readonly thresholds?: AlarmThresholds;
  /** Functions to watch (Errors, Throttles), by purpose; names from the naming module. @default [] */
  readonly functions?: readonly FunctionPurpose[];
  /** Functions invoked asynchronously with a failure destination: failed events not delivered there. @default [] */
  readonly asyncFunctions?: readonly FunctionPurpose[];
  /** The payment state machine (ExecutionsFailed/TimedOut/Aborted). @default none */
  readonly stateMachine?: { readonly arn: string };
  /** Stage of the workload's REST API (`naming.restApi()`): 5XX rate and p99 latency. @default none */
  readonly apiStage?: string;
  /** Tables to watch (throttles; replication latency to `receivingRegions`), by purpose. @default [] */
  readonly tables?: readonly TablePurpose[];
  /** Regions the tables replicate to from this region. @default every other region of the workload */
  readonly receivingRegions?: readonly AwsRegion[];
  /** S3 replication rules to watch (OperationsFailedReplication). @default [] */
  readonly replications?: readonly S3ReplicationRef[];
  /** Tables where any write is an incident (deliveries queued for re-drive), by purpose. @default [] */
  readonly redriveTables?: readonly TablePurpose[];
  /** Queues whose depth > 0 is an incident (dead-letter queues), by purpose. @default [] */
  readonly deadLetterQueues?: readonly QueuePurpose[];
  /** EventBridge rules (default bus) whose failed deliveries are incidents, by purpose and name; `deadLetterQueue` when their targets have one. @default [] */
  readonly eventRules?: readonly EventRuleRef[];
  /** @default the stack's default provider */
  readonly provider?: TerraformProvider;
}

function metricQuery(id: string, m: MetricRef, period: number): CloudwatchMetricAlarmMetricQuery {
  return { id, returnData: false, metric: { namespace: m.namespace, metricName: m.metricName, dimensions: { ...m.dimensions }, period, stat: m.stat } };
}

export class WorkloadAlarms extends Construct {
  /** The alarms by spec id (`validate-errors`, `executions-failed`, `api-5xx-rate`, …). */
  readonly alarms: Readonly<Record<string, CloudwatchMetricAlarm>>;
  readonly specs: readonly AlarmSpec[];
  readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: WorkloadAlarmsProps) {
    super(scope, id);
    const { naming, region } = props;
    const t = props.thresholds ?? naming.workload.alarms;
    if (!naming.regions.includes(region)) throw new Error(`WorkloadAlarms ${id}: ${region} is not a region of workload ${naming.workload.name} (${naming.regions.join(', ')})`);
    const receiving = props.receivingRegions ?? naming.regions.filter((r) => r !== region);
    if (receiving.includes(region)) throw new Error(`WorkloadAlarms ${id}: receivingRegions must not contain ${region}, the region the alarms are in`);

    const specs: AlarmSpec[] = [
      ...(props.stateMachine ? stateMachineAlarms(props.stateMachine.arn, t) : []),
      ...(props.functions ?? []).flatMap((p) => functionAlarms(p, naming.function(p), t)),
      ...(props.asyncFunctions ?? []).flatMap((p) => asyncInvocationAlarms(p, naming.function(p))),
      ...(props.apiStage !== undefined ? apiAlarms(naming.restApi(), props.apiStage, t) : []),
      ...(props.tables ?? []).flatMap((p) => tableAlarms(p, naming.table(p), receiving, t)),
      ...(props.replications ?? []).flatMap((r) => replicationAlarms(r, t)),
      ...(props.redriveTables ?? []).flatMap((p) => redriveAlarms(p, naming.table(p))),
      ...(props.deadLetterQueues ?? []).flatMap((p) => queueAlarms(p, naming.queue(p))),
      ...(props.eventRules ?? []).flatMap((r) => ruleAlarms(r.purpose, r.name, { deadLetterQueue: r.deadLetterQueue })),
    ];
    const seen = new Set<string>();
    for (const s of specs) {
      if (seen.has(s.id)) throw new Error(`WorkloadAlarms ${id}: two alarms would be called ${s.id}; give each replication a distinct name and list each purpose once`);
      seen.add(s.id);
    }
    if (specs.length === 0) throw new Error(`WorkloadAlarms ${id}: nothing to watch; pass functions, stateMachine, apiStage, tables, replications, deadLetterQueues or eventRules`);
    this.specs = specs;

    const period = t.periodSeconds;
    const alarms: Record<string, CloudwatchMetricAlarm> = {};
    for (const spec of specs) {
      const m = spec.metric;
      const common = {
        provider: props.provider,
        alarmName: naming.alarm(spec.id),
        alarmDescription: spec.description,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: spec.threshold,
        evaluationPeriods: spec.anyOccurrence ? 1 : t.evaluationPeriods,
        datapointsToAlarm: spec.anyOccurrence ? 1 : t.evaluationPeriods,
        treatMissingData: 'notBreaching',
        alarmActions: [props.topic.arn],
        okActions: [props.topic.arn],
      };
      alarms[spec.id] = isMath(m)
        ? new CloudwatchMetricAlarm(this, spec.id, {
            ...common,
            metricQuery: [{ id: 'value', expression: m.expression, label: m.label, returnData: true }, ...Object.entries(m.metrics).map(([qid, ref]) => metricQuery(qid, ref, period))],
          })
        : new CloudwatchMetricAlarm(this, spec.id, {
            ...common,
            namespace: m.namespace,
            metricName: m.metricName,
            dimensions: { ...m.dimensions },
            period,
            ...(/^p\d/.test(m.stat) ? { extendedStatistic: m.stat } : { statistic: m.stat }),
          });
    }
    this.alarms = alarms;

    this.dashboard = new CloudwatchDashboard(this, 'dashboard', {
      provider: props.provider,
      dashboardName: naming.dashboard(region),
      dashboardBody: jsonText(dashboardBody(specs, alarms, region, period)),
    });
  }
}

/** Dimensions as CloudWatch's dashboard metric arrays want them: name, value, name, value… */
function metricLine(m: MetricRef, options: Record<string, unknown>): unknown[] {
  return [m.namespace, m.metricName, ...Object.entries(m.dimensions).flat(), { stat: m.stat, ...options }];
}

/** One widget per alarm (its metric and threshold line), after one widget with every alarm's state. Deterministic (F-26). */
export function dashboardBody(specs: readonly AlarmSpec[], alarms: Readonly<Record<string, CloudwatchMetricAlarm>>, region: string, period: number) {
  const widgets: Record<string, unknown>[] = [{ type: 'alarm', x: 0, y: 0, width: 24, height: 4, properties: { title: 'Alarms', alarms: specs.map((s) => alarms[s.id]!.arn) } }];
  specs.forEach((spec, i) => {
    const m = spec.metric;
    const metrics = isMath(m)
      ? [[{ expression: m.expression, label: m.label, id: 'value' }], ...Object.entries(m.metrics).map(([qid, ref]) => metricLine(ref, { id: qid, visible: false }))]
      : [metricLine(m, {})];
    widgets.push({
      type: 'metric',
      x: (i % 2) * 12,
      y: 4 + Math.floor(i / 2) * 6,
      width: 12,
      height: 6,
      properties: { title: spec.description, region, period, view: 'timeSeries', metrics, annotations: { horizontal: [{ label: 'alarm threshold', value: spec.threshold }] } },
    });
  });
  return { widgets };
}
