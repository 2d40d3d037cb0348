/**
 * Each rule of the pack, against real provider constructs: the compliant fixture passes
 * every rule; breaking one property (through the public addOverride escape hatch) makes
 * exactly that rule fire on exactly that resource.
 */
import { TerraformStack, type TerraformResource } from 'cdktf';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { checkStack, PAYMENTS_RULE_PACK, type StackReport, type TfJson } from '../../../modules/guardrails';
import { AWS_PROVIDER, TERRAFORM_BACKEND } from '../../../modules/guardrails/types';
import { BREAKS, breakAddress } from './breaks';
import { addFixture, fixtureStack, tlsDenyStatement } from './fixture';

const check = (stack: TerraformStack): StackReport => checkStack(stack.node.id, stack.toTerraform() as TfJson, PAYMENTS_RULE_PACK);
const addressOf = (r: TerraformResource) => `${r.terraformResourceType}.${r.friendlyUniqueId}`;
const brief = (report: StackReport) => report.findings.map((f) => ({ ruleId: f.ruleId, address: f.address }));
const policyOf = (statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('the compliant fixture', () => {
  test('given one resource of every inspected kind, built compliant in a prod stack, when checked, then no rule fires (F-14, F-15, F-19, F-22, F-24)', () => {
    const { stack } = fixtureStack('prod');
    expect(brief(check(stack))).toEqual([]);
  });

  test('given the fixture, then every rule of the pack had something to inspect (no rule passes vacuously)', () => {
    const { stack } = fixtureStack('prod');
    const tf = stack.toTerraform() as TfJson;
    const present = new Set([
      ...Object.keys(tf.resource ?? {}),
      ...(tf.provider?.aws ? [AWS_PROVIDER] : []),
      ...((tf.terraform as { backend?: unknown } | undefined)?.backend ? [TERRAFORM_BACKEND] : []),
    ]);
    const idle = PAYMENTS_RULE_PACK.rules.filter((r) => !r.appliesTo.some((t) => present.has(t))).map((r) => r.id);
    expect(idle).toEqual([]);
  });
});

describe('each rule, compliant and broken', () => {
  test('every rule of the pack has a breaking case below', () => {
    expect(BREAKS.map(([id]) => id).sort()).toEqual(PAYMENTS_RULE_PACK.rules.map((r) => r.id).sort());
  });

  test.each(BREAKS)('%s: given the compliant fixture with %s, when checked, then exactly that rule fires on that resource', (ruleId, _what, breakIt) => {
    const { stack, fixture } = fixtureStack('prod');
    const target = breakIt(fixture);
    const report = check(stack);
    expect(brief(report)).toEqual([{ ruleId, address: breakAddress(target) }]);
    const finding = report.findings[0]!;
    expect(finding.stack).toBe('fixture-stack');
    expect(finding.fix.length).toBeGreaterThan(10);
    expect(finding.message.length).toBeGreaterThan(10);
  });
});

describe('rule details', () => {
  test('prod-deletion-protection: given a dev stack, a table without deletion protection and a force_destroy bucket pass; given shared, the bucket fails (F-22)', () => {
    const dev = fixtureStack('dev');
    dev.fixture.table.addOverride('deletion_protection_enabled', false);
    dev.fixture.bucket.addOverride('force_destroy', true);
    expect(brief(check(dev.stack))).toEqual([]);
    const shared = fixtureStack('shared');
    shared.fixture.bucket.addOverride('force_destroy', true);
    expect(brief(check(shared.stack))).toEqual([{ ruleId: 'prod-deletion-protection', address: addressOf(shared.fixture.bucket) }]);
  });

  test('prod-deletion-protection: given a prod table whose replica lacks deletion protection and a key with a 7-day window, then both are findings (F-22)', () => {
    const { stack, fixture } = fixtureStack('prod');
    fixture.table.addOverride('replica.0.deletion_protection_enabled', false);
    fixture.key.addOverride('deletion_window_in_days', 7);
    const messages = check(stack).findings.map((f) => `${f.ruleId}: ${f.message}`);
    expect(messages).toEqual([expect.stringMatching(/^prod-deletion-protection: key .* 7 days/), expect.stringMatching(/^prod-deletion-protection: replica in eu-central-1/)]);
  });

  test('encryption-table-cmk / table-pitr: given a replica without its key and PITR, then both name the replica region (F-15, F-21, F-22)', () => {
    const { stack, fixture } = fixtureStack('prod');
    fixture.table.addOverride('replica.0.kms_key_arn', undefined);
    fixture.table.addOverride('replica.0.point_in_time_recovery', false);
    expect(check(stack).findings.map((f) => [f.ruleId, f.message])).toEqual([
      ['encryption-table-cmk', expect.stringContaining('replica in eu-central-1 has no kms_key_arn')],
      ['table-pitr', expect.stringContaining('replica in eu-central-1')],
    ]);
  });

  test('bucket rules: given a second bucket with nothing attached, then encryption, public access block, TLS and versioning all fire on it and not on the first (F-14, F-15, F-21)', () => {
    const { stack } = fixtureStack('prod');
    const bare = new S3Bucket(stack, 'bare-bucket', { bucket: 'bare-bucket-111111111111' });
    expect(brief(check(stack)).sort((a, b) => a.ruleId.localeCompare(b.ruleId))).toEqual(
      ['bucket-public-access-block', 'bucket-tls-only', 'bucket-versioning', 'encryption-bucket-cmk'].map((ruleId) => ({ ruleId, address: addressOf(bare) })),
    );
  });

  test('bucket-tls-only: given a TLS statement that covers only the objects, not the bucket, then it fires (F-14)', () => {
    const { stack, fixture } = fixtureStack('prod');
    const partial = { ...tlsDenyStatement(fixture.bucket.arn), Resource: `${fixture.bucket.arn}/*` };
    fixture.bucketPolicy.addOverride('policy', policyOf([partial]));
    expect(brief(check(stack))).toEqual([{ ruleId: 'bucket-tls-only', address: addressOf(fixture.bucket) }]);
  });

  test('bucket-tls-only: given the TLS deny split into a bucket statement and an objects statement, then it passes (F-14)', () => {
    const { stack, fixture } = fixtureStack('prod');
    const whole = tlsDenyStatement(fixture.bucket.arn);
    fixture.bucketPolicy.addOverride(
      'policy',
      policyOf([
        { ...whole, Sid: 'Bucket', Resource: fixture.bucket.arn },
        { ...whole, Sid: 'Objects', Resource: `${fixture.bucket.arn}/*` },
      ]),
    );
    expect(brief(check(stack))).toEqual([]);
  });

  test('bucket-tls-only: given a policy by literal bucket name and literal ARNs, then it is recognised (no reference needed)', () => {
    const { stack, fixture } = fixtureStack('prod');
    const name = 'fixture-bucket-111111111111';
    fixture.bucketPolicy.addOverride('bucket', name);
    fixture.bucketPolicy.addOverride('policy', policyOf([tlsDenyStatement(`arn:aws:s3:::${name}`)]));
    expect(brief(check(stack))).toEqual([]);
  });

  test('iam-no-wildcards: telemetry calls on *, prefix wildcards and Deny s3:* pass; Action * , NotAction, kms:* in a key policy, a non-telemetry call on * and a non-JSON policy fail (F-14)', () => {
    const { stack, fixture } = fixtureStack('prod');
    fixture.rolePolicy.addOverride(
      'policy',
      policyOf([
        { Sid: 'Telemetry', Effect: 'Allow', Action: ['xray:PutTraceSegments', 'cloudwatch:PutMetricData', 'logs:CreateLogDelivery'], Resource: '*' },
        { Sid: 'Prefix', Effect: 'Allow', Action: 's3:GetObjectVersion*', Resource: 'arn:aws:s3:::b/*' },
        { Sid: 'Deny', Effect: 'Deny', Action: 's3:*', Resource: '*' },
        { Sid: 'Star', Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::b' },
        { Sid: 'Not', Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::b' },
        { Sid: 'Everything', Effect: 'Allow', Action: ['dynamodb:GetItem', 'xray:PutTraceSegments'], Resource: ['arn:aws:dynamodb:*:*:*'] },
      ]),
    );
    fixture.key.addOverride('policy', policyOf([{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'kms:*', Resource: '*' }]));
    fixture.topicPolicy.addOverride('policy', '${data.aws_iam_policy_document.x.json}');
    const messages = check(stack).findings.map((f) => `${f.ruleId} ${f.address}: ${f.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^iam-no-wildcards aws_kms_key\.fixture-key: policy statement "Root" allows wildcard action kms:\*$/),
      expect.stringMatching(/^iam-no-wildcards aws_sns_topic_policy\.fixture-topic-policy: policy: the policy is not literal JSON/),
      expect.stringMatching(/^resource-policy-open-principal aws_sns_topic_policy\.fixture-topic-policy: policy: the policy is not literal JSON/),
      'iam-no-wildcards aws_iam_role_policy.fixture-role-policy: policy statement "Star" allows wildcard action *',
      'iam-no-wildcards aws_iam_role_policy.fixture-role-policy: policy statement "Not" uses NotAction in an Allow (grants everything else)',
      'iam-no-wildcards aws_iam_role_policy.fixture-role-policy: policy statement "Everything" allows dynamodb:GetItem on arn:aws:dynamodb:*:*:*',
    ]);
  });

  test('resource-policy-open-principal: * with an aws:SourceAccount condition passes; an open trust policy and an open Lambda permission fail (F-14)', () => {
    const { stack, fixture } = fixtureStack('prod');
    fixture.topicPolicy.addOverride(
      'policy',
      policyOf([{ Effect: 'Allow', Principal: '*', Action: 'sns:Publish', Resource: fixture.topic.arn, Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } } }]),
    );
    fixture.role.addOverride('assume_role_policy', policyOf([{ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::111111111111:role/x', '*'] }, Action: 'sts:AssumeRole' }]));
    const open = new LambdaPermission(stack, 'open-permission', { functionName: fixture.fn.functionName, action: 'lambda:InvokeFunction', principal: '*' });
    expect(brief(check(stack))).toEqual([
      { ruleId: 'resource-policy-open-principal', address: addressOf(fixture.role) },
      { ruleId: 'trust-principal-org-id', address: addressOf(fixture.role) },
      { ruleId: 'resource-policy-open-principal', address: addressOf(open) },
    ]);
  });

  test('provider-pinned-account: given an aliased provider without allowed_account_ids, then it is a finding on provider.aws.<alias> (F-19)', () => {
    const { stack } = fixtureStack('prod');
    new AwsProvider(stack, 'loose', { region: 'us-east-1', alias: 'us-east-1' });
    expect(brief(check(stack))).toEqual([{ ruleId: 'provider-pinned-account', address: 'provider.aws.us-east-1' }]);
  });

  test('sfn-task-resilience: given a Task in a Parallel branch without Retry and TimeoutSeconds, and a legacy Map Iterator Task without Catch, then each is named by its path (F-03, F-04)', () => {
    const { stack, fixture } = fixtureStack('prod');
    fixture.stateMachine.addOverride(
      'definition',
      JSON.stringify({
        StartAt: 'P',
        States: {
          P: {
            Type: 'Parallel',
            Branches: [{ StartAt: 'A', States: { A: { Type: 'Task', Resource: 'arn', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'F' }], End: true }, F: { Type: 'Fail' } } }],
            Next: 'M',
          },
          M: { Type: 'Map', Iterator: { StartAt: 'B', States: { B: { Type: 'Task', Resource: 'arn', TimeoutSeconds: 3, Retry: [{ ErrorEquals: ['X'] }], End: true } } }, End: true },
        },
      }),
    );
    expect(check(stack).findings.map((f) => f.message)).toEqual(['Task state "P > branch 1 > A" has no Retry, TimeoutSeconds', 'Task state "M > items > B" has no Catch']);
  });

  test('alarm-coverage: an alarm through metric math on the right namespace counts; one on the wrong namespace does not (F-24)', () => {
    const { stack, fixture } = fixtureStack('prod');
    fixture.fnAlarm.addOverride('namespace', 'AWS/States');
    expect(brief(check(stack))).toEqual([{ ruleId: 'alarm-coverage', address: addressOf(fixture.fn) }]);
    new CloudwatchMetricAlarm(stack, 'rate', {
      alarmName: 'rate',
      comparisonOperator: 'GreaterThanThreshold',
      evaluationPeriods: 1,
      threshold: 1,
      alarmActions: [fixture.topic.arn],
      metricQuery: [
        { id: 'errors', metric: { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: fixture.fn.functionName }, period: 60, stat: 'Sum' } },
        { id: 'rate', expression: 'errors', returnData: true },
      ],
    });
    expect(brief(check(stack))).toEqual([]);
  });

  test('kms-key-rotation: an asymmetric signing key is not asked to rotate', () => {
    const { stack } = fixtureStack('prod');
    new KmsKey(stack, 'signing', { customerMasterKeySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY', policy: policyOf([]) });
    expect(brief(check(stack))).toEqual([]);
  });

  test('bucket rules: given two stacks, a bucket policy in one stack does not satisfy a bucket in the other', () => {
    const { app, fixture } = fixtureStack('prod');
    const other = new TerraformStack(app, 'other');
    const second = addFixture(other, { prefix: 'second' });
    second.bucketPolicy.addOverride(
      'policy',
      policyOf([{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [fixture.bucket.arn, `${fixture.bucket.arn}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }]),
    );
    expect(brief(check(other))).toEqual([{ ruleId: 'bucket-tls-only', address: addressOf(second.bucket) }]);
  });
});
