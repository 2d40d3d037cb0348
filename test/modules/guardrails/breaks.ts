/** One breaking change per rule: what to override on the compliant fixture, and which resource must then be named. */
import { TerraformStack, type TerraformResource } from 'cdktf';
import { fixtureDefinition, type Fixture } from './fixture';

const policyOf = (statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

export type Break = [ruleId: string, what: string, breakIt: (f: Fixture) => TerraformResource | 'provider' | 'backend'];

/** An account of no organisation the tests use (the example's and the other organisation's ids differ from it). */
export const OUTSIDE_ACCOUNT = '999999999999';
const accountOf = (f: Fixture) => f.provider.allowedAccountIds![0]!;
const lambdaTrust = { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' };

export const BREAKS: Break[] = [
  ['encryption-table-cmk', 'table without server_side_encryption (F-15)', (f) => (f.table.addOverride('server_side_encryption', undefined), f.table)],
  ['encryption-bucket-cmk', 'bucket encrypted with SSE-S3 (F-15)', (f) => (f.bucketSse.addOverride('rule.0.apply_server_side_encryption_by_default.sse_algorithm', 'AES256'), f.bucket)],
  ['encryption-topic-cmk', 'topic without kms_master_key_id (F-15, F-24)', (f) => (f.topic.addOverride('kms_master_key_id', undefined), f.topic)],
  ['encryption-queue-cmk', 'queue on the AWS-managed key (F-15)', (f) => (f.queue.addOverride('kms_master_key_id', 'alias/aws/sqs'), f.queue)],
  ['encryption-log-group-cmk', 'log group without kms_key_id (F-15)', (f) => (f.logGroup.addOverride('kms_key_id', undefined), f.logGroup)],
  ['log-group-retention', 'log group kept forever (F-22)', (f) => (f.logGroup.addOverride('retention_in_days', 0), f.logGroup)],
  ['bucket-public-access-block', 'public access block with restrict_public_buckets off (F-14)', (f) => (f.bucketPab.addOverride('restrict_public_buckets', false), f.bucket)],
  [
    'bucket-tls-only',
    'bucket policy without its TLS statement (F-14)',
    (f) => (f.bucketPolicy.addOverride('policy', policyOf([{ Sid: 'Other', Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', Resource: f.bucket.arn }])), f.bucket),
  ],
  ['bucket-versioning', 'versioning suspended (F-21, F-22)', (f) => (f.bucketVersioning.addOverride('versioning_configuration.status', 'Suspended'), f.bucket)],
  ['table-pitr', 'table without point-in-time recovery (F-22)', (f) => (f.table.addOverride('point_in_time_recovery.enabled', false), f.table)],
  ['prod-deletion-protection', 'prod table without deletion protection (F-22)', (f) => (f.table.addOverride('deletion_protection_enabled', false), f.table)],
  ['kms-key-rotation', 'key without rotation (F-15)', (f) => (f.key.addOverride('enable_key_rotation', false), f.key)],
  ['iam-no-wildcards', 'role policy granting s3:* (F-14)', (f) => (f.rolePolicy.addOverride('policy', policyOf([{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::x/*' }])), f.rolePolicy)],
  [
    'resource-policy-open-principal',
    'topic policy open to * without a condition (F-14)',
    (f) => (f.topicPolicy.addOverride('policy', policyOf([{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sns:Publish', Resource: f.topic.arn }])), f.topicPolicy),
  ],
  ['provider-pinned-account', 'provider allowed into a second account (F-19)', (f) => (f.provider.addOverride('allowed_account_ids', ['222222222222']), 'provider')],
  ['lambda-runtime-supported', 'function on nodejs18.x (F-16)', (f) => (f.fn.addOverride('runtime', 'nodejs18.x'), f.fn)],
  ['lambda-tracing-active', 'function with PassThrough tracing (F-24)', (f) => (f.fn.addOverride('tracing_config.mode', 'PassThrough'), f.fn)],
  [
    'sfn-task-resilience',
    'Map item Task without Catch (F-03, F-04)',
    (f) => (
      f.stateMachine.addOverride('definition', fixtureDefinition(f.fn.arn, { Type: 'Task', Resource: f.fn.arn, TimeoutSeconds: 5, Retry: [{ ErrorEquals: ['States.ALL'] }], End: true })),
      f.stateMachine
    ),
  ],
  ['sfn-logging-tracing', 'state machine without tracing (F-24)', (f) => (f.stateMachine.addOverride('tracing_configuration.enabled', false), f.stateMachine)],
  ['api-stage-tracing-logging', 'API stage without X-Ray (F-24)', (f) => (f.stage.addOverride('xray_tracing_enabled', false), f.stage)],
  ['alarm-coverage', 'function whose only alarm watches another function (F-06, F-24)', (f) => (f.fnAlarm.addOverride('dimensions.FunctionName', 'someone-else'), f.fn)],
  ['alarm-has-actions', 'alarm that notifies nobody (F-24)', (f) => (f.smAlarm.addOverride('alarm_actions', undefined), f.smAlarm)],
  [
    'principal-in-organisation',
    'key policy giving kms:Decrypt to an account outside the organisation (F-14)',
    (f) => (f.key.addOverride('policy', policyOf([{ Sid: 'Partner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OUTSIDE_ACCOUNT}:root` }, Action: 'kms:Decrypt', Resource: '*' }])), f.key),
  ],
  [
    'trust-principal-org-id',
    'role trusting an account without aws:PrincipalOrgID (F-14)',
    (f) => (f.role.addOverride('assume_role_policy', policyOf([lambdaTrust, { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountOf(f)}:root` }, Action: 'sts:AssumeRole' }])), f.role),
  ],
  [
    'iam-resource-account-region',
    'function role reading every secret of every account and region, as an inline policy (F-14)',
    (f) => (
      f.role.addOverride('inline_policy', [{ name: 'secrets', policy: policyOf([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:*:*:secret:*' }]) }]),
      f.role
    ),
  ],
  ['provider-no-static-credentials', 'provider with an access key written in (F-19)', (f) => (f.provider.addOverride('access_key', 'AKIAFIXTUREFIXTURE00'), 'provider')],
  ['encryption-secret-cmk', 'secret on the AWS-managed key (F-15)', (f) => (f.secret.addOverride('kms_key_id', undefined), f.secret)],
  ['api-method-authorized', 'API method open without authorization (F-18)', (f) => (f.method.addOverride('authorization', 'NONE'), f.method)],
  ['lambda-url-iam-auth', 'public function URL (F-14, F-18)', (f) => (f.functionUrl.addOverride('authorization_type', 'NONE'), f.functionUrl)],
  ['state-backend-encrypted', 'state backend without encryption (F-14, F-15)', (f) => (TerraformStack.of(f.provider).addOverride('terraform.backend.s3.encrypt', false), 'backend')],
];

/** The address a break's target is reported at. */
export const breakAddress = (target: TerraformResource | 'provider' | 'backend'): string =>
  target === 'provider' ? 'provider.aws' : target === 'backend' ? 'terraform.backend.s3' : `${target.terraformResourceType}.${target.friendlyUniqueId}`;
