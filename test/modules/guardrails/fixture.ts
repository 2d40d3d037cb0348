/**
 * A small, fully compliant workload built from real provider constructs: one of every
 * resource kind the guardrails inspect. Rule tests break one property of it at a time
 * (through the public `addOverride` escape hatch) and expect exactly that rule to fire.
 * Test-only: it is not the project's workload (the constructs in modules/ are), just
 * enough Terraform for every rule to have something compliant to look at.
 */
import { S3Backend, Testing, TerraformStack, type App } from 'cdktf';
import type { Construct } from 'constructs';
import { ApiGatewayMethod } from '@cdktf/provider-aws/lib/api-gateway-method';
import { ApiGatewayStage } from '@cdktf/provider-aws/lib/api-gateway-stage';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaFunctionUrl } from '@cdktf/provider-aws/lib/lambda-function-url';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { PinnedAwsProvider } from '../../../modules/core/pinned-provider';

export const FIXTURE_ACCOUNT = '111111111111';

const retry = [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3, IntervalSeconds: 1, BackoffRate: 2 }];
const task = (next: string | undefined, resource: string) => ({
  Type: 'Task',
  Resource: resource,
  TimeoutSeconds: 10,
  Retry: retry,
  Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed', ResultPath: '$.error' }],
  ...(next ? { Next: next } : { End: true }),
});

/** A definition with Tasks at the top level, in a Parallel branch and in a Map item processor. */
export function fixtureDefinition(fnArn: string, mapTask: Record<string, unknown> = task(undefined, fnArn)): string {
  return JSON.stringify({
    StartAt: 'Checks',
    States: {
      Checks: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'Validate', States: { Validate: task(undefined, fnArn) } }],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }],
        Next: 'Items',
      },
      Items: {
        Type: 'Map',
        ItemProcessor: { StartAt: 'Each', States: { Each: mapTask } },
        Next: 'Charge',
      },
      Charge: task(undefined, fnArn),
      Failed: { Type: 'Fail' },
    },
  });
}

export interface Fixture {
  readonly provider: PinnedAwsProvider;
  readonly key: KmsKey;
  readonly bucket: S3Bucket;
  readonly bucketSse: S3BucketServerSideEncryptionConfigurationA;
  readonly bucketPab: S3BucketPublicAccessBlock;
  readonly bucketVersioning: S3BucketVersioningA;
  readonly bucketPolicy: S3BucketPolicy;
  readonly table: DynamodbTable;
  readonly topic: SnsTopic;
  readonly topicPolicy: SnsTopicPolicy;
  readonly queue: SqsQueue;
  readonly logGroup: CloudwatchLogGroup;
  readonly role: IamRole;
  readonly rolePolicy: IamRolePolicy;
  readonly fn: LambdaFunction;
  readonly permission: LambdaPermission;
  readonly stateMachine: SfnStateMachine;
  readonly stage: ApiGatewayStage;
  readonly method: ApiGatewayMethod;
  readonly secret: SecretsmanagerSecret;
  readonly functionUrl: LambdaFunctionUrl;
  readonly fnAlarm: CloudwatchMetricAlarm;
  readonly smAlarm: CloudwatchMetricAlarm;
}

export function tlsDenyStatement(bucketArn: string) {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/** Adds the compliant workload to `scope` (a stack). `provider` is created unless the stack has one. */
export function addFixture(scope: Construct, opts: { environment?: string; provider?: PinnedAwsProvider; prefix?: string } = {}): Fixture {
  const p = opts.prefix ?? 'fixture';
  const provider =
    opts.provider ??
    new PinnedAwsProvider(scope, 'aws', {
      accountId: FIXTURE_ACCOUNT,
      region: 'eu-west-1',
      deploymentRegion: 'eu-west-1',
      roleArn: `arn:aws:iam::${FIXTURE_ACCOUNT}:role/deploy`,
      sessionName: 'test',
      tags: { environment: opts.environment ?? 'prod' },
    });
  const account = provider.allowedAccountIds![0]!;
  const key = new KmsKey(scope, `${p}-key`, {
    enableKeyRotation: true,
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:role/deploy` }, Action: ['kms:DescribeKey', 'kms:PutKeyPolicy', 'kms:EnableKeyRotation'], Resource: '*' },
        { Sid: 'CloudWatch', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*' },
      ],
    }),
  });
  const bucket = new S3Bucket(scope, `${p}-bucket`, { bucket: `${p}-bucket-${account}` });
  const bucketSse = new S3BucketServerSideEncryptionConfigurationA(scope, `${p}-bucket-sse`, {
    bucket: bucket.id,
    rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
  });
  const bucketPab = new S3BucketPublicAccessBlock(scope, `${p}-bucket-pab`, {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  const bucketVersioning = new S3BucketVersioningA(scope, `${p}-bucket-versioning`, { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } });
  const bucketPolicy = new S3BucketPolicy(scope, `${p}-bucket-policy`, {
    bucket: bucket.id,
    policy: JSON.stringify({ Version: '2012-10-17', Statement: [tlsDenyStatement(bucket.arn)] }),
  });
  const table = new DynamodbTable(scope, `${p}-table`, {
    name: `${p}-payments`,
    billingMode: 'PAY_PER_REQUEST',
    hashKey: 'pk',
    attribute: [{ name: 'pk', type: 'S' }],
    serverSideEncryption: { enabled: true, kmsKeyArn: key.arn },
    pointInTimeRecovery: { enabled: true },
    deletionProtectionEnabled: true,
    streamEnabled: true,
    streamViewType: 'NEW_AND_OLD_IMAGES',
    replica: [{ regionName: 'eu-central-1', kmsKeyArn: `arn:aws:kms:eu-central-1:${account}:key/mrk-1`, pointInTimeRecovery: true, deletionProtectionEnabled: true }],
  });
  const topic = new SnsTopic(scope, `${p}-topic`, { name: `${p}-alarms`, kmsMasterKeyId: key.arn });
  const topicPolicy = new SnsTopicPolicy(scope, `${p}-topic-policy`, {
    arn: topic.arn,
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'CloudWatch',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: topic.arn,
          Condition: { StringEquals: { 'aws:SourceAccount': account } },
        },
      ],
    }),
  });
  const queue = new SqsQueue(scope, `${p}-queue`, { name: `${p}-dlq`, kmsMasterKeyId: key.arn });
  const logGroup = new CloudwatchLogGroup(scope, `${p}-logs`, { name: `/aws/vendedlogs/states/${p}`, kmsKeyId: key.arn, retentionInDays: 90 });
  const role = new IamRole(scope, `${p}-role`, {
    name: `${p}-role`,
    assumeRolePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
  });
  const rolePolicy = new IamRolePolicy(scope, `${p}-role-policy`, {
    role: role.name,
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Table', Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Resource: [table.arn, `${table.arn}/index/*`] },
        { Sid: 'Objects', Effect: 'Allow', Action: ['s3:GetObjectVersion*'], Resource: `${bucket.arn}/*` },
        { Sid: 'Tracing', Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
      ],
    }),
  });
  const fn = new LambdaFunction(scope, `${p}-fn`, {
    functionName: `${p}-validate`,
    role: role.arn,
    runtime: 'nodejs22.x',
    handler: 'index.handler',
    filename: 'bundle.zip',
    tracingConfig: { mode: 'Active' },
  });
  const permission = new LambdaPermission(scope, `${p}-permission`, {
    functionName: fn.functionName,
    action: 'lambda:InvokeFunction',
    principal: 'apigateway.amazonaws.com',
    sourceArn: `arn:aws:execute-api:eu-west-1:${account}:abc123/*`,
  });
  const stateMachine = new SfnStateMachine(scope, `${p}-sm`, {
    name: `${p}-payment`,
    roleArn: role.arn,
    definition: fixtureDefinition(fn.arn),
    loggingConfiguration: { level: 'ALL', includeExecutionData: true, logDestination: `${logGroup.arn}:*` },
    tracingConfiguration: { enabled: true },
  });
  const stage = new ApiGatewayStage(scope, `${p}-stage`, {
    restApiId: 'abc123',
    deploymentId: 'dep123',
    stageName: 'live',
    xrayTracingEnabled: true,
    accessLogSettings: { destinationArn: logGroup.arn, format: '{"requestId":"$context.requestId"}' },
  });
  const method = new ApiGatewayMethod(scope, `${p}-method`, { restApiId: 'abc123', resourceId: 'res123', httpMethod: 'POST', authorization: 'AWS_IAM', apiKeyRequired: true });
  const secret = new SecretsmanagerSecret(scope, `${p}-secret`, { name: `${p}/gateway`, kmsKeyId: key.arn });
  const functionUrl = new LambdaFunctionUrl(scope, `${p}-url`, { functionName: fn.functionName, authorizationType: 'AWS_IAM' });
  const fnAlarm = new CloudwatchMetricAlarm(scope, `${p}-fn-errors`, {
    alarmName: `${p}-validate-errors`,
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName: fn.functionName },
    statistic: 'Sum',
    period: 60,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    alarmActions: [topic.arn],
  });
  const smAlarm = new CloudwatchMetricAlarm(scope, `${p}-sm-failed`, {
    alarmName: `${p}-payment-failed`,
    namespace: 'AWS/States',
    metricName: 'ExecutionsFailed',
    dimensions: { StateMachineArn: stateMachine.arn },
    statistic: 'Sum',
    period: 60,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    alarmActions: [topic.arn],
  });
  return {
    provider,
    key,
    bucket,
    bucketSse,
    bucketPab,
    bucketVersioning,
    bucketPolicy,
    table,
    topic,
    topicPolicy,
    queue,
    logGroup,
    role,
    rolePolicy,
    fn,
    permission,
    stateMachine,
    stage,
    method,
    secret,
    functionUrl,
    fnAlarm,
    smAlarm,
  };
}

export function fixtureStack(environment = 'prod'): { app: App; stack: TerraformStack; fixture: Fixture } {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'fixture-stack');
  new S3Backend(stack, {
    bucket: `fixture-tfstate-${FIXTURE_ACCOUNT}`,
    key: 'fixture-stack.tfstate',
    region: 'eu-west-1',
    encrypt: true,
    kmsKeyId: `arn:aws:kms:eu-west-1:${FIXTURE_ACCOUNT}:alias/tfstate`,
  }).addOverride('use_lockfile', true);
  return { app, stack, fixture: addFixture(stack, { environment }) };
}
