/**
 * The run-time call table of a payments stack: every call its principals make once it runs,
 * derived from what the stack synthesizes, never typed by hand per stack:
 * - each function: the calls of its handler's code (`HANDLER_CALLS`, checked against the
 *   source), on the resources its synthesized environment names, the KMS call each one implies
 *   through the service that holds the data, its own logs, its X-Ray traces, and what Lambda
 *   sends with its role to its asynchronous-invocation destinations;
 * - the state machine: one call per Task of its synthesized definition (`TASK_INTEGRATIONS`),
 *   plus X-Ray when tracing is on;
 * - S3 replication: the calls the S3 guide lists for replicating SSE-KMS objects, per rule
 *   of the synthesized replication configuration, into each destination's account;
 * - the services: CloudWatch alarms publishing to their topics, EventBridge delivering to its
 *   targets (and their dead-letter queue), API Gateway invoking its integrations and writing its
 *   logs through the account's CloudWatch role, CloudWatch Logs encrypting each log group, S3
 *   delivering server access logs.
 *
 * Where AWS documentation leaves a detail open (which context keys a service sends to KMS),
 * the entry says so in `note`.
 */
import { tasksOf, type StateMachineDefinition } from '../../../modules/workflow/asl';
import { HANDLERS, type HandlerName } from '../../../modules/workflow/lambda-bundle';
import type { Located, TfIndex } from '../../support/tf-refs';
import { HANDLER_CALLS, type HandlerCall } from './handler-calls';

export type Principal = { readonly kind: 'role'; readonly arn: string; readonly account: string } | { readonly kind: 'service'; readonly service: string };

export interface RuntimeCall {
  readonly principal: Principal;
  readonly action: string;
  /** ARN of the resource acted on (`*` for actions IAM authorises only on `*`). */
  readonly resource: string;
  /** Request context beyond who the principal is (kms:ViaService, encryption context, S3 headers, aws:SourceArn). */
  readonly context: Record<string, string | string[]>;
  /** Where the call comes from: handler and command, Task state, replication rule, service feature. */
  readonly origin: string;
  /** What remains uncertain about the call, in AWS's own documentation. */
  readonly note?: string;
}

const role = (ix: TfIndex, r: Located): Principal => ({ kind: 'role', arn: ix.attribute(r, 'arn'), account: r.account });
const service = (name: string): Principal => ({ kind: 'service', service: name });

/** The KMS key that encrypts a DynamoDB table in a region (the table's key, or its replica's there). */
function tableKey(ix: TfIndex, tableName: string, region: string, account: string): string {
  const t = ix.find('aws_dynamodb_table').find((x) => x.cfg.name === tableName && x.account === account && (x.region === region || (x.cfg.replica ?? []).some((r: any) => r.region_name === region)));
  if (!t) throw new Error(`no stack creates the table ${tableName} in ${account} ${region}`);
  const replica = (t.cfg.replica ?? []).find((r: any) => r.region_name === region);
  const key = t.region === region ? t.cfg.server_side_encryption?.kms_key_arn : replica?.kms_key_arn;
  if (!key) throw new Error(`table ${tableName} in ${region} is not encrypted with a customer-managed key`);
  return ix.value(t.stack, key);
}

/** DynamoDB decrypts the table key with the caller's permissions (DynamoDB guide, "Table key caching"). */
function dynamodbCall(ix: TfIndex, p: Principal, account: string, region: string, tableName: string, action: string, origin: string, leadingKey?: string): RuntimeCall[] {
  const table = `arn:aws:dynamodb:${region}:${account}:table/${tableName}`;
  const key = tableKey(ix, tableName, region, account);
  return [
    { principal: p, action, resource: table, context: leadingKey === undefined ? {} : { 'dynamodb:LeadingKeys': [leadingKey] }, origin },
    {
      principal: p,
      action: 'kms:Decrypt',
      resource: key,
      context: {
        'kms:ViaService': `dynamodb.${region}.amazonaws.com`,
        'kms:CallerAccount': account,
        'kms:EncryptionContext:aws:dynamodb:tableName': tableName,
        'kms:EncryptionContext:aws:dynamodb:subscriberId': account,
      },
      origin: `${origin} (table key)`,
    },
  ];
}

/** The bucket's default encryption: key ARN and whether S3 Bucket Keys are on. */
function bucketEncryption(ix: TfIndex, bucketName: string): { key: string; bucketKey: boolean } {
  const b = ix.bucket(bucketName);
  const [enc] = ix.attached('aws_s3_bucket_server_side_encryption_configuration', 'bucket', b);
  const rule = enc?.cfg.rule?.[0];
  const key = rule?.apply_server_side_encryption_by_default?.kms_master_key_id;
  if (!key) throw new Error(`bucket ${bucketName} has no SSE-KMS default encryption`);
  return { key: ix.kmsKeyArn(ix.value(b.stack, key)), bucketKey: rule.bucket_key_enabled === true };
}

/** S3's encryption context: the bucket ARN with S3 Bucket Keys, the object ARN without (S3 guide, "S3 Bucket Keys"). */
const s3Context = (bucket: string, object: string, bucketKey: boolean) => `arn:aws:s3:::${bucketKey ? bucket : `${bucket}/${object}`}`;

function functionCalls(ix: TfIndex, stack: string): RuntimeCall[] {
  const out: RuntimeCall[] = [];
  for (const fn of ix.find('aws_lambda_function', stack)) {
    const handler = String(fn.cfg.filename)
      .split('/')
      .pop()!
      .replace(/\.zip$/, '') as HandlerName;
    if (!HANDLERS.includes(handler)) throw new Error(`${stack}: function ${fn.cfg.function_name} runs ${fn.cfg.filename}, which is no handler of lambdas/`);
    const p = role(ix, ix.located(stack, fn.cfg.role));
    const env = (fn.cfg.environment?.variables ?? {}) as Record<string, string>;
    const name = `function ${fn.cfg.function_name} (${handler})`;
    for (const call of HANDLER_CALLS[handler]) {
      if (env[call.env] === undefined) {
        if (call.onlyWhenSet) continue;
        throw new Error(`${stack}: ${name} sends ${call.command} to the resource named by ${call.env}, but its environment does not set it`);
      }
      const resolved = (key: string) => (env[key] === undefined ? undefined : ix.value(stack, env[key]));
      out.push(...handlerCall(ix, fn, p, call, ix.value(stack, env[call.env]), `${name}: ${call.command}`, resolved));
    }
    const logGroup = fn.cfg.logging_config?.log_group ? ix.value(stack, fn.cfg.logging_config.log_group) : `/aws/lambda/${fn.cfg.function_name}`;
    const stream = `arn:aws:logs:${fn.region}:${fn.account}:log-group:${logGroup}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`;
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) out.push({ principal: p, action, resource: stream, context: {}, origin: `${name}: Lambda writes its logs` });
    if (fn.cfg.tracing_config?.mode === 'Active') {
      // What the Lambda console adds for active tracing; Lambda's sampling is not configurable, so no sampling calls.
      for (const action of ['xray:PutTraceSegments', 'xray:PutTelemetryRecords']) out.push({ principal: p, action, resource: '*', context: {}, origin: `${name}: active tracing` });
    }
  }
  return out;
}

function handlerCall(ix: TfIndex, fn: Located, p: Principal, call: HandlerCall, value: string, origin: string, env: (key: string) => string | undefined): RuntimeCall[] {
  const { account, region } = fn;
  switch (call.kind) {
    // A function publishing or archiving makes the same calls as the state machine's tasks that do it.
    case 'sns-topic':
      return TASK_INTEGRATIONS['arn:aws:states:::sns:publish']!(ix, fn, p, { TopicArn: value }, origin);
    case 's3-archive': {
      const prefix = env('ARCHIVE_PREFIX') ?? '';
      const keyArn = env('ARCHIVE_KEY_ARN');
      return TASK_INTEGRATIONS['arn:aws:states:::aws-sdk:s3:putObject']!(
        ix,
        fn,
        p,
        { Bucket: value, Key: `${prefix}{}.json`, ...(keyArn ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn } : {}) },
        origin,
      );
    }
    case 'dynamodb-table':
      return dynamodbCall(ix, p, account, region, value, call.action, origin, call.leadingKey);
    case 'secret': {
      const secret = ix.find('aws_secretsmanager_secret').find((s) => ix.attribute(s, 'arn') === value);
      if (!secret) throw new Error(`${origin}: no stack creates the secret ${value}`);
      const key = ix.kmsKeyArn(ix.value(secret.stack, secret.cfg.kms_key_id));
      return [
        { principal: p, action: call.action, resource: value, context: {}, origin },
        {
          principal: p,
          action: 'kms:Decrypt',
          resource: key,
          context: {
            'kms:ViaService': `secretsmanager.${region}.amazonaws.com`,
            'kms:CallerAccount': account,
            'kms:EncryptionContext:SecretARN': value,
            'kms:EncryptionContext:SecretVersionId': '00000000-0000-0000-0000-000000000001',
          },
          origin: `${origin} (secret key)`,
        },
      ];
    }
    case 'state-machine':
      return [{ principal: p, action: call.action, resource: value, context: {}, origin }];
  }
}

/**
 * Task resources of the definitions this project writes, and the calls each makes with the
 * state machine's role (Step Functions guide, "IAM policies for integrated services").
 * A Task resource without a row fails the test by name.
 */
type TaskCalls = (ix: TfIndex, sm: Located, p: Principal, params: Record<string, any>, origin: string) => RuntimeCall[];
export const TASK_INTEGRATIONS: Record<string, TaskCalls> = {
  'arn:aws:states:::dynamodb:updateItem': (ix, sm, p, params, origin) => dynamodbCall(ix, p, sm.account, sm.region, String(params.TableName), 'dynamodb:UpdateItem', origin),
  'arn:aws:states:::dynamodb:putItem': (ix, sm, p, params, origin) => dynamodbCall(ix, p, sm.account, sm.region, String(params.TableName), 'dynamodb:PutItem', origin),
  'arn:aws:states:::dynamodb:getItem': (ix, sm, p, params, origin) => dynamodbCall(ix, p, sm.account, sm.region, String(params.TableName), 'dynamodb:GetItem', origin),
  'arn:aws:states:::sns:publish': (ix, sm, p, params, origin) => {
    const topicArn = String(params.TopicArn);
    const topic = ix.find('aws_sns_topic').find((t) => ix.attribute(t, 'arn') === topicArn);
    if (!topic) throw new Error(`${origin}: no stack creates the topic ${topicArn}`);
    const out: RuntimeCall[] = [{ principal: p, action: 'sns:Publish', resource: topicArn, context: {}, origin }];
    if (topic.cfg.kms_master_key_id) {
      const key = ix.kmsKeyArn(ix.value(topic.stack, topic.cfg.kms_master_key_id));
      // A publisher to an SSE topic needs GenerateDataKey and Decrypt on its key (SNS guide, "Encryption at rest").
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        out.push({
          principal: p,
          action,
          resource: key,
          context: { 'kms:ViaService': `sns.${sm.region}.amazonaws.com`, 'kms:CallerAccount': sm.account, 'kms:EncryptionContext:aws:sns:topicArn': topicArn },
          origin: `${origin} (topic key)`,
        });
      }
    }
    return out;
  },
  'arn:aws:states:::aws-sdk:s3:putObject': (ix, sm, p, params, origin) => {
    const bucket = String(params.Bucket);
    const template = typeof params.Key === 'string' ? params.Key : /^States\.Format\('([^']*)'/.exec(String(params['Key.$']))?.[1];
    if (template === undefined) throw new Error(`${origin}: cannot read the object key of ${JSON.stringify(params)}`);
    const object = template.replace(/\{\}/g, 'pay_0123456789abcdef0123456789abcdef');
    const enc = bucketEncryption(ix, bucket);
    const keyArn = params.SSEKMSKeyId ? ix.kmsKeyArn(String(params.SSEKMSKeyId)) : enc.key;
    const headers: Record<string, string> = {};
    if (params.ServerSideEncryption) headers['s3:x-amz-server-side-encryption'] = String(params.ServerSideEncryption);
    if (params.SSEKMSKeyId) headers['s3:x-amz-server-side-encryption-aws-kms-key-id'] = String(params.SSEKMSKeyId);
    return [
      { principal: p, action: 's3:PutObject', resource: `arn:aws:s3:::${bucket}/${object}`, context: headers, origin },
      {
        principal: p,
        action: 'kms:GenerateDataKey',
        resource: keyArn,
        context: { 'kms:ViaService': `s3.${ix.bucket(bucket).region}.amazonaws.com`, 'kms:CallerAccount': sm.account, 'kms:EncryptionContext:aws:s3:arn': s3Context(bucket, object, enc.bucketKey) },
        origin: `${origin} (archive key)`,
      },
    ];
  },
};

function stateMachineCalls(ix: TfIndex, stack: string): RuntimeCall[] {
  const out: RuntimeCall[] = [];
  for (const sm of ix.find('aws_sfn_state_machine', stack)) {
    const p = role(ix, ix.located(stack, sm.cfg.role_arn));
    const definition = ix.resolveJson<StateMachineDefinition>(stack, String(sm.cfg.definition));
    for (const [name, task] of tasksOf(definition)) {
      const origin = `state machine ${sm.cfg.name}: Task ${name}`;
      if (task.Resource.startsWith('arn:aws:lambda:')) {
        out.push({ principal: p, action: 'lambda:InvokeFunction', resource: task.Resource, context: {}, origin });
        continue;
      }
      const integration = TASK_INTEGRATIONS[task.Resource];
      if (!integration) throw new Error(`${origin}: the run-time table has no row for the Task resource ${task.Resource}`);
      out.push(...integration(ix, sm, p, (task.Parameters ?? {}) as Record<string, any>, origin));
    }
    const enc = [sm.cfg.encryption_configuration].flat()[0];
    if (enc?.type === 'CUSTOMER_MANAGED_KMS_KEY') {
      // Step Functions guide, "Data at rest encryption": executions encrypt and decrypt their data
      // with the execution role's permissions, the state machine's ARN as encryption context.
      const key = ix.kmsKeyArn(ix.value(stack, enc.kms_key_id));
      const smArn = `arn:aws:states:${sm.region}:${sm.account}:stateMachine:${sm.cfg.name}`;
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        out.push({
          principal: p,
          action,
          resource: key,
          context: { 'kms:ViaService': `states.${sm.region}.amazonaws.com`, 'kms:CallerAccount': sm.account, 'kms:EncryptionContext:aws:states:stateMachineArn': smArn },
          origin: `state machine ${sm.cfg.name}: its execution data, encrypted with its key`,
        });
      }
    }
    if (sm.cfg.tracing_configuration?.enabled) {
      // Step Functions guide, "IAM policies for AWS X-Ray".
      for (const action of ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets']) {
        out.push({ principal: p, action, resource: '*', context: {}, origin: `state machine ${sm.cfg.name}: X-Ray tracing` });
      }
    }
  }
  return out;
}

/**
 * S3 replication with the configuration's role (S3 guide, "Replicating encrypted objects"):
 * read the source configuration and object versions, decrypt with the source key; per rule,
 * write the replica (and take ownership of it in another account) and encrypt it with the
 * destination key. "To use replication with an S3 Bucket Key, the AWS KMS key policy for the
 * KMS key that's used to encrypt the object replica must include the kms:Decrypt permission
 * for the calling principal": so a destination with S3 Bucket Keys also gets kms:Decrypt.
 */
function replicationCalls(ix: TfIndex, stack: string): RuntimeCall[] {
  const out: RuntimeCall[] = [];
  for (const rc of ix.find('aws_s3_bucket_replication_configuration', stack)) {
    const p = role(ix, ix.located(stack, rc.cfg.role));
    const src = ix.value(stack, rc.cfg.bucket);
    const srcBucket = ix.bucket(src);
    const srcEnc = bucketEncryption(ix, src);
    for (const rule of rc.cfg.rule as Record<string, any>[]) {
      const origin = `S3 replication of ${src}, rule ${rule.id}`;
      const object = `${rule.filter?.prefix ?? ''}settlements/sample.json`;
      out.push(
        { principal: p, action: 's3:GetReplicationConfiguration', resource: `arn:aws:s3:::${src}`, context: {}, origin },
        { principal: p, action: 's3:ListBucket', resource: `arn:aws:s3:::${src}`, context: {}, origin },
        ...['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'].map((action) => ({
          principal: p,
          action,
          resource: `arn:aws:s3:::${src}/${object}`,
          context: {},
          origin,
        })),
      );
      if (rule.source_selection_criteria?.sse_kms_encrypted_objects?.status === 'Enabled') {
        out.push({
          principal: p,
          action: 'kms:Decrypt',
          resource: srcEnc.key,
          context: { 'kms:ViaService': `s3.${srcBucket.region}.amazonaws.com`, 'kms:CallerAccount': rc.account, 'kms:EncryptionContext:aws:s3:arn': s3Context(src, object, srcEnc.bucketKey) },
          origin: `${origin} (source key)`,
        });
      }
      const dst = String(rule.destination.bucket).replace(/^arn:aws:s3:::/, '');
      const dstBucket = ix.bucket(dst);
      const owner = rule.destination.access_control_translation?.owner === 'Destination';
      const actions = [
        's3:ReplicateObject',
        's3:ReplicateTags',
        ...(rule.delete_marker_replication?.status === 'Enabled' ? ['s3:ReplicateDelete'] : []),
        ...(owner ? ['s3:ObjectOwnerOverrideToBucketOwner'] : []),
      ];
      for (const action of actions) out.push({ principal: p, action, resource: `arn:aws:s3:::${dst}/${object}`, context: {}, origin: `${origin} → ${dst}` });
      const replicaKey = rule.destination.encryption_configuration?.replica_kms_key_id;
      if (replicaKey) {
        const key = ix.kmsKeyArn(ix.value(stack, replicaKey));
        const dstEnc = bucketEncryption(ix, dst);
        for (const action of ['kms:Encrypt', ...(dstEnc.bucketKey ? ['kms:Decrypt'] : [])]) {
          out.push({
            principal: p,
            action,
            resource: key,
            context: { 'kms:ViaService': `s3.${dstBucket.region}.amazonaws.com`, 'kms:CallerAccount': rc.account, 'kms:EncryptionContext:aws:s3:arn': s3Context(dst, object, dstEnc.bucketKey) },
            origin: `${origin} → ${dst} (replica key${dstEnc.bucketKey ? ', S3 Bucket Key on' : ''})`,
          });
        }
      }
    }
  }
  return out;
}

/** CloudWatch alarms notify their SNS actions; an SSE topic's key must let CloudWatch use it. */
function alarmCalls(ix: TfIndex, stack: string): RuntimeCall[] {
  const out: RuntimeCall[] = [];
  for (const alarm of ix.find('aws_cloudwatch_metric_alarm', stack)) {
    const alarmArn = `arn:aws:cloudwatch:${alarm.region}:${alarm.account}:alarm:${alarm.cfg.alarm_name}`;
    const actions = new Set<string>([...(alarm.cfg.alarm_actions ?? []), ...(alarm.cfg.ok_actions ?? []), ...(alarm.cfg.insufficient_data_actions ?? [])].map((a: string) => ix.value(stack, a)));
    for (const topicArn of actions) {
      if (!topicArn.startsWith('arn:aws:sns:')) throw new Error(`${stack}: alarm ${alarm.cfg.alarm_name} has an action the run-time table has no row for: ${topicArn}`);
      const origin = `CloudWatch alarm ${alarm.cfg.alarm_name} → ${topicArn}`;
      out.push({ principal: service('cloudwatch.amazonaws.com'), action: 'sns:Publish', resource: topicArn, context: { 'aws:SourceArn': alarmArn, 'aws:SourceAccount': alarm.account }, origin });
      const topic = ix.find('aws_sns_topic').find((t) => ix.attribute(t, 'arn') === topicArn);
      if (topic?.cfg.kms_master_key_id) {
        const key = ix.kmsKeyArn(ix.value(topic.stack, topic.cfg.kms_master_key_id));
        for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
          out.push({
            principal: service('cloudwatch.amazonaws.com'),
            action,
            resource: key,
            context: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn },
            origin: `${origin} (topic key)`,
            note: 'CloudWatch documents no source keys on its calls to KMS; none are given',
          });
        }
      }
    }
  }
  return out;
}

/** EventBridge delivers matched events to each target, and to a target's dead-letter queue when delivery fails. */
function eventCalls(ix: TfIndex, stack: string): RuntimeCall[] {
  const out: RuntimeCall[] = [];
  for (const target of ix.find('aws_cloudwatch_event_target', stack)) {
    const rule = ix.find('aws_cloudwatch_event_rule', stack).find((r) => ix.attribute(r, 'name') === ix.value(stack, target.cfg.rule));
    if (!rule) throw new Error(`${stack}: event target ${target.id} names no rule of the stack`);
    const ruleArn = ix.attribute(rule, 'arn');
    const source = { 'aws:SourceArn': ruleArn, 'aws:SourceAccount': rule.account };
    const destinations = [ix.value(stack, target.cfg.arn), ...(target.cfg.dead_letter_config?.arn ? [ix.value(stack, target.cfg.dead_letter_config.arn)] : [])];
    for (const dest of destinations) {
      const origin = `EventBridge rule ${rule.cfg.name} → ${dest}`;
      if (dest.startsWith('arn:aws:lambda:')) {
        out.push({ principal: service('events.amazonaws.com'), action: 'lambda:InvokeFunction', resource: dest, context: source, origin });
      } else if (dest.startsWith('arn:aws:sqs:')) {
        out.push({ principal: service('events.amazonaws.com'), action: 'sqs:SendMessage', resource: dest, context: source, origin });
        const queue = ix.find('aws_sqs_queue').find((q) => ix.attribute(q, 'arn') === dest);
        if (queue?.cfg.kms_master_key_id) {
          const key = ix.kmsKeyArn(ix.value(queue.stack, queue.cfg.kms_master_key_id));
          for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
            out.push({
              principal: service('events.amazonaws.com'),
              action,
              resource: key,
              context: { ...source, 'kms:ViaService': `sqs.${queue.region}.amazonaws.com`, 'kms:EncryptionContext:aws:sqs:arn': dest },
              origin: `${origin} (queue key)`,
              note: 'whether KMS receives aws:SourceArn/aws:SourceAccount from EventBridge through SQS is not documented; both are given',
            });
          }
        }
      } else {
        throw new Error(`${stack}: event target ${target.id} delivers to ${dest}, which the run-time table has no row for`);
      }
    }
  }
  return out;
}

/** API Gateway invokes each AWS_PROXY integration, and writes its logs with the account's CloudWatch role. */
function apiCalls(ix: TfIndex, stack: string): RuntimeCall[] {
  const out: RuntimeCall[] = [];
  const pathOf = (resourceId: string): string => {
    if (/\.root_resource_id\}$/.test(resourceId)) return '';
    const r = ix.located(stack, resourceId);
    return `${pathOf(r.cfg.parent_id)}/${r.cfg.path_part}`;
  };
  for (const integ of ix.find('aws_api_gateway_integration', stack).filter((i) => i.cfg.type === 'AWS_PROXY')) {
    const api = ix.located(stack, integ.cfg.rest_api_id);
    const stage = ix.find('aws_api_gateway_stage', stack).find((s) => s.cfg.rest_api_id === integ.cfg.rest_api_id);
    const method = ix.value(stack, integ.cfg.http_method);
    const fnArn = /functions\/(arn:aws:lambda:[^/]+)\/invocations$/.exec(ix.value(stack, integ.cfg.uri))?.[1];
    if (!fnArn) throw new Error(`${stack}: integration ${integ.id} does not invoke a Lambda function`);
    const sourceArn = `${ix.attribute(api, 'execution_arn')}/${stage?.cfg.stage_name ?? '*'}/${method}${pathOf(integ.cfg.resource_id)}`;
    out.push({
      principal: service('apigateway.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      resource: fnArn,
      context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': api.account },
      origin: `API ${api.cfg.name}: ${method} ${pathOf(integ.cfg.resource_id)}`,
    });
  }
  for (const account of ix.find('aws_api_gateway_account', stack)) {
    const p = role(ix, ix.located(stack, account.cfg.cloudwatch_role_arn));
    const groups: [string, string, string[]][] = [];
    for (const stage of ix.find('aws_api_gateway_stage', stack)) {
      const api = ix.located(stack, stage.cfg.rest_api_id);
      const dest = stage.cfg.access_log_settings?.destination_arn;
      if (dest)
        groups.push([
          ix.value(stack, dest).replace(/^arn:aws:logs:[^:]+:\d+:log-group:/, ''),
          `API ${api.cfg.name}: access logs`,
          ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        ]);
      const settings = ix.find('aws_api_gateway_method_settings', stack).filter((m) => m.cfg.rest_api_id === stage.cfg.rest_api_id);
      if (settings.some((m) => ['INFO', 'ERROR'].includes(m.cfg.settings?.logging_level))) {
        // Execution logs go to a group API Gateway names and creates itself (API Gateway guide, "Set up CloudWatch logging").
        groups.push([
          `API-Gateway-Execution-Logs_${ix.attribute(api, 'id')}/${stage.cfg.stage_name}`,
          `API ${api.cfg.name}: execution logs`,
          ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        ]);
      }
    }
    for (const [group, origin, actions] of groups) {
      const groupArn = `arn:aws:logs:${account.region}:${account.account}:log-group:${group}`;
      for (const action of actions) {
        const resource = action === 'logs:CreateLogGroup' || action === 'logs:DescribeLogStreams' ? groupArn : `${groupArn}:log-stream:0123456789abcdef`;
        out.push({ principal: p, action, resource, context: {}, origin });
      }
    }
  }
  return out;
}

/** CloudWatch Logs encrypts and decrypts each KMS-encrypted log group's data with its key (CloudWatch Logs guide, "Encrypt log data"). */
function logEncryptionCalls(ix: TfIndex, stack: string): RuntimeCall[] {
  const out: RuntimeCall[] = [];
  for (const lg of ix.find('aws_cloudwatch_log_group', stack).filter((g) => g.cfg.kms_key_id)) {
    const key = ix.kmsKeyArn(ix.value(stack, lg.cfg.kms_key_id));
    const arn = ix.attribute(lg, 'arn');
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      out.push({
        principal: service(`logs.${lg.region}.amazonaws.com`),
        action,
        resource: key,
        context: { 'kms:EncryptionContext:aws:logs:arn': arn },
        origin: `CloudWatch Logs: log group ${lg.cfg.name}`,
      });
    }
  }
  return out;
}

/** S3 server access logging delivers each bucket's access logs into its target bucket (S3 guide, "Permissions for log delivery"). */
function accessLogCalls(ix: TfIndex, stack: string): RuntimeCall[] {
  return ix.find('aws_s3_bucket_logging', stack).map((l) => {
    const source = ix.value(stack, l.cfg.bucket);
    const target = ix.value(stack, l.cfg.target_bucket);
    return {
      principal: service('logging.s3.amazonaws.com'),
      action: 's3:PutObject',
      resource: `arn:aws:s3:::${target}/${l.cfg.target_prefix ?? ''}2026-01-01-00-00-00-0123456789ABCDEF`,
      context: { 'aws:SourceArn': `arn:aws:s3:::${source}`, 'aws:SourceAccount': l.account },
      origin: `S3 server access logs of ${source}`,
    };
  });
}

/**
 * A function's asynchronous-invocation destinations and dead-letter queue: Lambda sends there
 * with the function's execution role (Lambda guide, "Capturing records of asynchronous
 * invocations"); an SSE-KMS queue also needs the role's use of its key through SQS.
 */
function functionDestinationCalls(ix: TfIndex, stack: string): RuntimeCall[] {
  const out: RuntimeCall[] = [];
  const targets: [Located, string, string][] = [];
  for (const cfg of ix.find('aws_lambda_function_event_invoke_config', stack)) {
    const fn = ix.located(stack, cfg.cfg.function_name);
    for (const kind of ['on_failure', 'on_success']) {
      const dest = cfg.cfg.destination_config?.[kind]?.destination;
      if (dest) targets.push([fn, ix.value(stack, dest), `${kind.replace('_', '-')} destination`]);
    }
  }
  for (const fn of ix.find('aws_lambda_function', stack)) {
    if (fn.cfg.dead_letter_config?.target_arn) targets.push([fn, ix.value(stack, fn.cfg.dead_letter_config.target_arn), 'dead-letter queue']);
  }
  for (const [fn, dest, what] of targets) {
    const p = role(ix, ix.located(fn.stack, fn.cfg.role));
    const origin = `function ${fn.cfg.function_name}: ${what} ${dest}`;
    if (dest.startsWith('arn:aws:sqs:')) {
      out.push({ principal: p, action: 'sqs:SendMessage', resource: dest, context: {}, origin });
      const queue = ix.find('aws_sqs_queue').find((q) => ix.attribute(q, 'arn') === dest);
      if (queue?.cfg.kms_master_key_id) {
        const key = ix.kmsKeyArn(ix.value(queue.stack, queue.cfg.kms_master_key_id));
        for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
          out.push({
            principal: p,
            action,
            resource: key,
            context: { 'kms:ViaService': `sqs.${queue.region}.amazonaws.com`, 'kms:CallerAccount': fn.account, 'kms:EncryptionContext:aws:sqs:arn': dest },
            origin: `${origin} (queue key)`,
          });
        }
      }
    } else if (dest.startsWith('arn:aws:sns:')) {
      out.push({ principal: p, action: 'sns:Publish', resource: dest, context: {}, origin });
    } else if (dest.startsWith('arn:aws:lambda:')) {
      out.push({ principal: p, action: 'lambda:InvokeFunction', resource: dest, context: {}, origin });
    } else {
      throw new Error(`${stack}: ${origin}: the run-time table has no row for this destination`);
    }
  }
  return out;
}

/** Every run-time call of one stack. */
export function runtimeCalls(ix: TfIndex, stack: string): RuntimeCall[] {
  const calls = [
    ...accessLogCalls(ix, stack),
    ...functionCalls(ix, stack),
    ...functionDestinationCalls(ix, stack),
    ...stateMachineCalls(ix, stack),
    ...replicationCalls(ix, stack),
    ...alarmCalls(ix, stack),
    ...eventCalls(ix, stack),
    ...apiCalls(ix, stack),
    ...logEncryptionCalls(ix, stack),
  ];
  return [...calls, ...apiGatewayAccountLogCalls(ix, stack, calls)];
}

/**
 * API Gateway's CloudWatch role is one per account and region, and AWS documents it with the
 * log actions on every log group of the region (API Gateway checks the role against
 * that when it is set). So it may use every log group the table names in
 * its region: the function's, the state machine's, not only the API's own.
 */
function apiGatewayAccountLogCalls(ix: TfIndex, stack: string, calls: readonly RuntimeCall[]): RuntimeCall[] {
  const out: RuntimeCall[] = [];
  for (const account of ix.find('aws_api_gateway_account', stack)) {
    const p = role(ix, ix.located(stack, account.cfg.cloudwatch_role_arn));
    const inRegion = `arn:aws:logs:${account.region}:${account.account}:log-group:`;
    const logs = [...new Set(calls.map((c) => c.resource).filter((r) => r.startsWith(inRegion)))];
    for (const resource of logs) {
      const actions = resource.includes(':log-stream:') ? ['logs:CreateLogStream', 'logs:PutLogEvents'] : ['logs:CreateLogGroup', 'logs:DescribeLogStreams'];
      for (const action of actions) out.push({ principal: p, action, resource, context: {}, origin: "API Gateway's account-level logging role: writes any log group of its region" });
    }
  }
  return out;
}
