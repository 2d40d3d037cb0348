/**
 * Alarms that can fire (F-24): the right namespace, metric and dimensions for each
 * resource, thresholds from the manifest, actions to an encrypted topic CloudWatch may
 * publish to and that the alert e-mails subscribe to; a dashboard with the same metrics.
 * All asserted on the synthesized Terraform JSON.
 */
import { Testing, TerraformStack } from 'cdktf';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { manifest as exampleInput } from '../../../accounts/manifest';
import type { Manifest } from '../../../accounts/schema';
import { AlarmTopic, cloudWatchAlarmsKeyStatement, WorkloadAlarms } from '../../../modules/observability';
import { checkStack, PAYMENTS_RULE_PACK, type TfJson } from '../../../modules/guardrails';
import { arn, FUNCTION_PURPOSES, Naming } from '../../../modules/core/naming';
import { PinnedAwsProvider } from '../../../modules/core/pinned-provider';
import { simulate } from '../../support/iam-sim';
import { exampleManifest, parseManifest, policyJson, resourcesOf, synthManifest } from '../../support/synth';

type Config = Record<string, unknown>;

function build(manifest: Manifest, workloadName: string, extra?: (stack: TerraformStack) => void) {
  const workload = manifest.workloads.find((w) => w.name === workloadName)!;
  const naming = new Naming(manifest).forWorkload(workload);
  const region = workload.primaryRegion;
  const app = Testing.app();
  const stack = new TerraformStack(app, `alarms-${workloadName}`);
  new PinnedAwsProvider(stack, 'aws', {
    accountId: workload.accountId,
    region,
    deploymentRegion: manifest.deployment.region,
    roleArn: naming.naming.accessRoleArn('deploy', workload.accountId),
    sessionName: 'test',
    tags: { environment: workload.environment },
  });
  const key = new KmsKey(stack, 'key', {
    enableKeyRotation: true,
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: naming.naming.accessRoleArn('deploy', workload.accountId) }, Action: ['kms:DescribeKey', 'kms:PutKeyPolicy'], Resource: '*' },
        cloudWatchAlarmsKeyStatement(),
      ],
    }),
  });
  const topic = new AlarmTopic(stack, 'alarm-topic', { naming, region, key });
  const alarms = new WorkloadAlarms(stack, 'alarms', {
    naming,
    region,
    topic,
    functions: FUNCTION_PURPOSES,
    asyncFunctions: ['failure', 'reconcile'],
    stateMachine: { arn: naming.stateMachineArn(region) },
    apiStage: 'live',
    tables: ['payments'],
    replications: [
      {
        name: 'archive',
        sourceBucket: naming.bucket('archive', region),
        destinationBucket: naming.naming.bucket('log-archive', manifest.logArchive.accountId, manifest.logArchive.region),
        ruleId: 'to-log-archive',
      },
    ],
    redriveTables: ['redrive'],
    deadLetterQueues: ['dlq'],
    eventRules: [
      { purpose: 'failed-executions', name: `${naming.stateMachine()}-failed`, deadLetterQueue: true },
      { purpose: 'reconcile-schedule', name: naming.scheduleRule('reconcile'), deadLetterQueue: false },
    ],
  });
  extra?.(stack);
  const tf = stack.toTerraform() as TfJson;
  const byName = new Map(resourcesOf(tf, 'aws_cloudwatch_metric_alarm').map(([, c]) => [c.alarm_name as string, c]));
  const alarm = (what: string): Config => {
    const found = byName.get(naming.alarm(what));
    if (!found) throw new Error(`no alarm ${naming.alarm(what)}; have ${[...byName.keys()].join(', ')}`);
    return found;
  };
  return { tf, naming, workload, region, alarm, byName, alarms, topic, key, stack };
}

const manifest = exampleManifest();
const prod = build(manifest, 'prod');
const topicRef = (tf: TfJson) => `\${aws_sns_topic.${Object.keys(tf.resource!.aws_sns_topic!)[0]}.arn}`;

describe('alarm metrics and dimensions (F-24)', () => {
  test('given the payment state machine, then failed, timed-out and aborted executions alarm on AWS/States with StateMachineArn (F-06)', () => {
    for (const [what, metric] of [
      ['executions-failed', 'ExecutionsFailed'],
      ['executions-timed-out', 'ExecutionsTimedOut'],
      ['executions-aborted', 'ExecutionsAborted'],
    ] as const) {
      expect(prod.alarm(what)).toMatchObject({
        namespace: 'AWS/States',
        metric_name: metric,
        dimensions: { StateMachineArn: prod.naming.stateMachineArn(prod.region) },
        statistic: 'Sum',
        threshold: 0,
        comparison_operator: 'GreaterThanThreshold',
      });
    }
  });

  test('given every function purpose, then each has Errors and Throttles on AWS/Lambda with its FunctionName', () => {
    for (const p of FUNCTION_PURPOSES) {
      expect(prod.alarm(`${p}-errors`)).toMatchObject({ namespace: 'AWS/Lambda', metric_name: 'Errors', dimensions: { FunctionName: prod.naming.function(p) }, statistic: 'Sum' });
      expect(prod.alarm(`${p}-throttles`)).toMatchObject({ namespace: 'AWS/Lambda', metric_name: 'Throttles', dimensions: { FunctionName: prod.naming.function(p) } });
    }
  });

  test('given the API stage, then the 5XX rate is metric math over 5XXError and Count with ApiName + Stage, and latency is p99', () => {
    const dims = { ApiName: prod.naming.restApi(), Stage: 'live' };
    const rate = prod.alarm('api-5xx-rate');
    expect(rate.threshold).toBe(1);
    expect(rate.namespace).toBeUndefined();
    expect(rate.metric_query).toEqual([
      { id: 'value', expression: '100 * errors / requests', label: '5XX rate (%)', return_data: true },
      { id: 'errors', return_data: false, metric: { namespace: 'AWS/ApiGateway', metric_name: '5XXError', dimensions: dims, period: 300, stat: 'Sum' } },
      { id: 'requests', return_data: false, metric: { namespace: 'AWS/ApiGateway', metric_name: 'Count', dimensions: dims, period: 300, stat: 'Sum' } },
    ]);
    const latency = prod.alarm('api-latency-p99');
    expect(latency).toMatchObject({ namespace: 'AWS/ApiGateway', metric_name: 'Latency', dimensions: dims, extended_statistic: 'p99', threshold: 2000 });
    expect(latency.statistic).toBeUndefined();
  });

  test('given the global tables of a workload with a replica region, then throttles watch Read/WriteThrottleEvents by TableName and replication latency watches TableName + ReceivingRegion (F-21)', () => {
    for (const p of ['payments'] as const) {
      const throttles = prod.alarm(`${p}-table-throttles`);
      const queries = throttles.metric_query as Config[];
      expect(queries.map((q) => (q.metric as Config | undefined)?.metric_name ?? q.expression)).toEqual(['FILL(reads, 0) + FILL(writes, 0)', 'ReadThrottleEvents', 'WriteThrottleEvents']);
      expect(queries.slice(1).map((q) => (q.metric as Config).dimensions)).toEqual([{ TableName: prod.naming.table(p) }, { TableName: prod.naming.table(p) }]);
      expect(prod.alarm(`${p}-table-replication-eu-central-1`)).toMatchObject({
        namespace: 'AWS/DynamoDB',
        metric_name: 'ReplicationLatency',
        dimensions: { TableName: prod.naming.table(p), ReceivingRegion: 'eu-central-1' },
        threshold: 60000,
      });
    }
  });

  test('given a workload without replica regions, then no replication latency alarm is created', () => {
    const dev = build(manifest, 'dev');
    expect([...dev.byName.keys()].filter((n) => n.includes('replication-'))).toEqual([dev.naming.alarm('archive-replication-failed')]);
  });

  test('given the archive replication rule, then failed replications alarm on AWS/S3 with SourceBucket, DestinationBucket and RuleId (F-21)', () => {
    expect(prod.alarm('archive-replication-failed')).toMatchObject({
      namespace: 'AWS/S3',
      metric_name: 'OperationsFailedReplication',
      dimensions: {
        SourceBucket: prod.naming.bucket('archive', 'eu-west-1'),
        DestinationBucket: new Naming(manifest).bucket('log-archive', manifest.logArchive.accountId, manifest.logArchive.region),
        RuleId: 'to-log-archive',
      },
      threshold: 0,
    });
  });

  test('given the dead-letter queue, then any visible message alarms (Maximum of ApproximateNumberOfMessagesVisible > 0 by QueueName) (F-06)', () => {
    expect(prod.alarm('dlq-depth')).toMatchObject({
      namespace: 'AWS/SQS',
      metric_name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: prod.naming.queue('dlq') },
      statistic: 'Maximum',
      threshold: 0,
      comparison_operator: 'GreaterThanThreshold',
    });
  });

  test('given the re-drive table, then any delivery queued there alarms (SampleCount of its successful PutItem requests > 0) (F-27)', () => {
    expect(prod.alarm('redrive-queued')).toMatchObject({
      namespace: 'AWS/DynamoDB',
      metric_name: 'SuccessfulRequestLatency',
      dimensions: { TableName: prod.naming.table('redrive'), Operation: 'PutItem' },
      statistic: 'SampleCount',
      threshold: 0,
      comparison_operator: 'GreaterThanThreshold',
    });
  });

  test('given EventBridge rules, then an event a rule could not deliver alarms (FailedInvocations by RuleName), and for a rule with a dead-letter queue one it could not even put there (InvocationsFailedToBeSentToDlq) (F-06)', () => {
    const rule = (name: string, metric: string) => ({
      namespace: 'AWS/Events',
      metric_name: metric,
      dimensions: { RuleName: name },
      statistic: 'Sum',
      threshold: 0,
      comparison_operator: 'GreaterThanThreshold',
    });
    const failedRule = `${prod.naming.stateMachine()}-failed`;
    expect(prod.alarm('failed-executions-failed-invocations')).toMatchObject(rule(failedRule, 'FailedInvocations'));
    expect(prod.alarm('failed-executions-dead-letters-lost')).toMatchObject(rule(failedRule, 'InvocationsFailedToBeSentToDlq'));
    expect(prod.alarm('reconcile-schedule-failed-invocations')).toMatchObject(rule(prod.naming.scheduleRule('reconcile'), 'FailedInvocations'));
    expect([...prod.byName.keys()].filter((n) => n.startsWith(prod.naming.alarm('reconcile-schedule')))).toEqual([prod.naming.alarm('reconcile-schedule-failed-invocations')]);
  });

  test('given functions invoked asynchronously with a failure destination, then an event Lambda could not send there alarms (DestinationDeliveryFailures by FunctionName) (F-06)', () => {
    for (const p of ['failure', 'reconcile'] as const) {
      for (const [what, metric] of [['destination-failures', 'DestinationDeliveryFailures']] as const) {
        expect(prod.alarm(`${p}-${what}`)).toMatchObject({ namespace: 'AWS/Lambda', metric_name: metric, dimensions: { FunctionName: prod.naming.function(p) }, statistic: 'Sum', threshold: 0 });
      }
    }
  });

  test('given a payments stack, then every function with a failure destination has those alarms', () => {
    const tf = synthManifest(manifest).stacks.get(`payments-prod-${prod.region}`)!;
    const names = new Map(resourcesOf(tf, 'aws_lambda_function').map(([id, c]) => [`\${aws_lambda_function.${id}.function_name}`, c.function_name as string]));
    const withDestination = resourcesOf(tf, 'aws_lambda_function_event_invoke_config')
      .filter(([, c]) => (c.destination_config as { on_failure?: unknown } | undefined)?.on_failure !== undefined)
      .map(([, c]) => names.get(c.function_name as string)!);
    const watched = (metric: string) =>
      resourcesOf(tf, 'aws_cloudwatch_metric_alarm')
        .filter(([, c]) => c.metric_name === metric)
        .map(([, c]) => (c.dimensions as Record<string, string>).FunctionName!);
    expect(withDestination.length).toBe(2);
    expect(watched('DestinationDeliveryFailures').sort()).toEqual([...withDestination].sort());
    // every failed event counts as dropped, those sent to the queue too: not an alarm of its own
    expect(watched('AsyncEventsDropped')).toEqual([]);
  });

  test('given a payments stack, then its rule alarms watch the rules it creates, by their names', () => {
    const tf = synthManifest(manifest).stacks.get(`payments-prod-${prod.region}`)!;
    const ruleNames = new Set(resourcesOf(tf, 'aws_cloudwatch_event_rule').map(([, c]) => c.name as string));
    const watched = resourcesOf(tf, 'aws_cloudwatch_metric_alarm')
      .filter(([, c]) => c.namespace === 'AWS/Events')
      .map(([, c]) => (c.dimensions as Record<string, string>).RuleName!);
    expect(new Set(watched)).toEqual(ruleNames);
    expect(watched.length).toBe(3);
  });

  test('every alarm sends ALARM and OK to the alarm topic, is enabled, and treats missing data as not breaching', () => {
    expect(prod.byName.size).toBe(3 + 2 * FUNCTION_PURPOSES.length + 2 + 2 + 2 * 1 + 1 + 1 + 1 + 3);
    for (const config of prod.byName.values()) {
      expect(config).toMatchObject({ alarm_actions: [topicRef(prod.tf)], ok_actions: [topicRef(prod.tf)], treat_missing_data: 'notBreaching', evaluation_periods: 1 });
      expect(config.actions_enabled).toBeUndefined();
    }
  });
});

describe('thresholds per environment from the manifest', () => {
  test('given prod overrides in its alarms block and dev none, then prod alarms use the overrides and dev the defaults', () => {
    const input = structuredClone(exampleInput);
    const custom = parseManifest({
      ...input,
      workloads: input.workloads.map((w) => (w.name === 'prod' ? { ...w, alarms: { apiLatencyP99Ms: 800, api5xxRatePercent: 0.5, lambdaErrors: 2, periodSeconds: 60, evaluationPeriods: 3 } } : w)),
    });
    const p = build(custom, 'prod');
    expect(p.alarm('api-latency-p99')).toMatchObject({ threshold: 800, period: 60, evaluation_periods: 3, datapoints_to_alarm: 3 });
    expect(p.alarm('api-5xx-rate').threshold).toBe(0.5);
    expect(p.alarm('charge-errors').threshold).toBe(2);
    expect(p.alarm('charge-throttles').threshold).toBe(0);
    const d = build(custom, 'dev');
    expect(d.alarm('api-latency-p99')).toMatchObject({ threshold: 2000, period: 300, evaluation_periods: 1 });
  });

  test('given evaluationPeriods above 1, then the alarms on events each of which is an incident still fire on the first period that has one', () => {
    const input = structuredClone(exampleInput);
    const custom = parseManifest({ ...input, workloads: input.workloads.map((w) => (w.name === 'prod' ? { ...w, alarms: { evaluationPeriods: 3 } } : w)) });
    const p = build(custom, 'prod');
    const incidents = [
      'redrive-queued',
      'dlq-depth',
      'failed-executions-failed-invocations',
      'failed-executions-dead-letters-lost',
      'reconcile-schedule-failed-invocations',
      ...['failure', 'reconcile'].map((f) => `${f}-destination-failures`),
    ];
    for (const what of incidents) expect([what, p.alarm(what)]).toEqual([what, expect.objectContaining({ evaluation_periods: 1, datapoints_to_alarm: 1 })]);
    const others = [...p.byName.keys()].filter((n) => !incidents.some((w) => n === p.naming.alarm(w)));
    expect(others.length).toBeGreaterThan(10);
    for (const name of others) expect([name, p.byName.get(name)]).toEqual([name, expect.objectContaining({ evaluation_periods: 3, datapoints_to_alarm: 3 })]);
  });
});

describe('the alarm topic (F-15, F-24)', () => {
  test('given the workload key, then the topic is encrypted with it, named by the naming module, and every alert e-mail subscribes', () => {
    const [[, topic]] = resourcesOf(prod.tf, 'aws_sns_topic') as [[string, Config]];
    expect(topic).toMatchObject({ name: prod.naming.topic('alarms'), kms_master_key_id: `\${aws_kms_key.${prod.key.friendlyUniqueId}.arn}` });
    const subs = resourcesOf(prod.tf, 'aws_sns_topic_subscription').map(([, s]) => s);
    expect(subs.map((s) => [s.protocol, s.endpoint, s.topic_arn])).toEqual(prod.workload.alertEmails.map((e) => ['email', e, topicRef(prod.tf)]));
  });

  test('given the synthesized topic policy, when CloudWatch alarms of this account and region publish, then allowed; from another account or a non-alarm source, denied', async () => {
    const account = prod.workload.accountId;
    const topicArn = arn('sns', prod.region, account, prod.naming.topic('alarms'));
    const [[, policy]] = resourcesOf(prod.tf, 'aws_sns_topic_policy') as [[string, Config]];
    const doc = policyJson((policy.policy as string).split(topicRef(prod.tf)).join(topicArn));
    const publish = (sourceAccount: string, sourceArn: string) =>
      simulate({
        principal: 'cloudwatch.amazonaws.com',
        action: 'sns:Publish',
        resource: topicArn,
        resourceAccount: account,
        resourcePolicy: doc,
        context: { 'aws:SourceAccount': sourceAccount, 'aws:SourceArn': sourceArn },
      });
    await expect(publish(account, arn('cloudwatch', prod.region, account, `alarm:${prod.naming.alarm('charge-errors')}`))).resolves.toBe('Allowed');
    await expect(publish('999999999999', arn('cloudwatch', prod.region, '999999999999', 'alarm:x'))).resolves.not.toBe('Allowed');
    await expect(publish(account, arn('events', prod.region, account, 'rule/x'))).resolves.not.toBe('Allowed');
  });

  test('the key statement CloudWatch needs lets the CloudWatch service decrypt and generate data keys with the key', async () => {
    const keyArn = arn('kms', prod.region, prod.workload.accountId, 'key/test');
    const doc = { Version: '2012-10-17', Statement: [cloudWatchAlarmsKeyStatement()] };
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      await expect(simulate({ principal: 'cloudwatch.amazonaws.com', action, resource: keyArn, resourceAccount: prod.workload.accountId, resourcePolicy: doc })).resolves.toBe('Allowed');
    }
  });

  test('given an empty e-mail list, then the topic refuses to be built', () => {
    const stack = new TerraformStack(Testing.app(), 'empty');
    expect(() => new AlarmTopic(stack, 't', { naming: prod.naming, region: prod.region, key: { arn: 'arn:aws:kms:eu-west-1:200000000003:key/x' }, emails: [] })).toThrow(/alertEmails/);
  });
});

describe('the dashboard', () => {
  test('given the alarms, then one dashboard per account and region shows every alarm and exactly the metrics the alarms evaluate (F-24, F-26)', () => {
    const dashboards = resourcesOf(prod.tf, 'aws_cloudwatch_dashboard');
    expect(dashboards).toHaveLength(1);
    const [[, d]] = dashboards as [[string, Config]];
    expect(d.dashboard_name).toBe(prod.naming.dashboard(prod.region));
    const body = JSON.parse(d.dashboard_body as string) as { widgets: { type: string; properties: { alarms?: string[]; metrics?: unknown[][]; region?: string } }[] };
    const [status, ...metricWidgets] = body.widgets;
    expect(status!.properties.alarms).toHaveLength(prod.byName.size);
    const dashboardMetrics = metricWidgets.flatMap((w) => w.properties.metrics!.filter((line) => typeof line[0] === 'string').map((line) => JSON.stringify(line.slice(0, -1))));
    const alarmMetrics = [...prod.byName.values()].flatMap((a) => {
      const lines = a.metric_query ? (a.metric_query as Config[]).filter((q) => q.metric).map((q) => q.metric as Config) : [a];
      return lines.map((m) => JSON.stringify([m.namespace, m.metric_name, ...Object.entries(m.dimensions as Config).flat()]));
    });
    expect(dashboardMetrics.sort()).toEqual(alarmMetrics.sort());
    expect(metricWidgets.every((w) => w.properties.region === prod.region)).toBe(true);
  });
});

describe('with the guardrails', () => {
  test('given the topic, key and alarms, when checked, then no guardrail fires; given a function and state machine named by the naming module, then alarm-coverage sees the alarms (F-24)', () => {
    const withWorkload = build(manifest, 'prod', (stack) => {
      const n = new Naming(manifest).forWorkload(manifest.workloads[2]!);
      new LambdaFunction(stack, 'charge', {
        functionName: n.function('charge'),
        role: 'arn:aws:iam::200000000003:role/x',
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        filename: 'x.zip',
        tracingConfig: { mode: 'Active' },
      });
      new SfnStateMachine(stack, 'sm', {
        name: n.stateMachine(),
        roleArn: 'arn:aws:iam::200000000003:role/x',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
        loggingConfiguration: { level: 'ALL', includeExecutionData: true, logDestination: 'arn:aws:logs:eu-west-1:200000000003:log-group:x:*' },
        tracingConfiguration: { enabled: true },
      });
    });
    const report = checkStack('alarms-prod', withWorkload.tf, PAYMENTS_RULE_PACK);
    expect(report.findings).toEqual([]);
    expect(report.suppressed).toEqual([]);
  });

  test('given the same function without WorkloadAlarms, then alarm-coverage fires (the check is not vacuous)', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'bare');
    new PinnedAwsProvider(stack, 'aws', {
      accountId: '200000000003',
      region: 'eu-west-1',
      deploymentRegion: 'eu-west-1',
      roleArn: 'arn:aws:iam::200000000003:role/deploy',
      sessionName: 't',
      tags: { environment: 'prod' },
    });
    new LambdaFunction(stack, 'charge', {
      functionName: prod.naming.function('charge'),
      role: 'arn:aws:iam::200000000003:role/x',
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      filename: 'x.zip',
      tracingConfig: { mode: 'Active' },
    });
    expect(checkStack('bare', stack.toTerraform() as TfJson, PAYMENTS_RULE_PACK).findings.map((f) => f.ruleId)).toEqual(['alarm-coverage']);
  });
});
