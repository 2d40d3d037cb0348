/**
 * Suppressions: named rule + resource + reason (+ for rules that judge parts of a resource,
 * which parts: `appliesTo`), recorded in the synthesized JSON and counted in the report; a
 * suppression without a reason is itself a finding; one that silences nothing is reported.
 */
import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { checkStack, formatReport, Guardrails, PAYMENTS_RULE_PACK, SUPPRESSION_UNKNOWN_RULE, SUPPRESSION_WITHOUT_REASON, type TfJson } from '../../../modules/guardrails';
import { combine } from '../../../modules/guardrails/report';
import { fixtureStack } from './fixture';

describe('Guardrails.suppress', () => {
  test('given a suppression with a reason, when checked, then the finding moves to `suppressed` with its reason, and the report prints both', () => {
    const { stack, fixture } = fixtureStack('prod');
    fixture.logGroup.addOverride('retention_in_days', 0);
    Guardrails.suppress(fixture.logGroup, 'log-group-retention', 'audit log: kept forever by regulation PCI-10.7');
    const tf = stack.toTerraform() as TfJson;
    expect((tf.resource!.aws_cloudwatch_log_group!['fixture-logs']!['//'] as Record<string, unknown>).guardrails_suppressions).toEqual({
      'log-group-retention': { reason: 'audit log: kept forever by regulation PCI-10.7' },
    });
    const report = checkStack('fixture-stack', tf, PAYMENTS_RULE_PACK);
    expect(report.findings).toEqual([]);
    expect(report.suppressed).toEqual([
      expect.objectContaining({ ruleId: 'log-group-retention', address: 'aws_cloudwatch_log_group.fixture-logs', reason: 'audit log: kept forever by regulation PCI-10.7' }),
    ]);
    const quiet = formatReport(combine([report]), 'payments', PAYMENTS_RULE_PACK.rules.length);
    expect(quiet.split('\n')).toEqual([`Guardrails (payments pack, ${PAYMENTS_RULE_PACK.rules.length} rules): 1 stack, 0 findings, 1 suppressed (log-group-retention 1), 0 unused suppressions`]);
    const verbose = formatReport(combine([report]), 'payments', PAYMENTS_RULE_PACK.rules.length, { verbose: true });
    expect(verbose).toContain('fixture-stack aws_cloudwatch_log_group.fixture-logs [log-group-retention]');
    expect(verbose).toContain('reason: audit log: kept forever by regulation PCI-10.7');
  });

  test('given a suppression with an empty reason, when checked, then it suppresses nothing and is itself a finding', () => {
    const { stack, fixture } = fixtureStack('prod');
    fixture.logGroup.addOverride('retention_in_days', 0);
    Guardrails.suppress(fixture.logGroup, 'log-group-retention', '   ');
    const report = checkStack('fixture-stack', stack.toTerraform() as TfJson, PAYMENTS_RULE_PACK);
    expect(report.findings.map((f) => f.ruleId)).toEqual([SUPPRESSION_WITHOUT_REASON, 'log-group-retention']);
    expect(report.suppressed).toEqual([]);
  });

  test('given a suppression of a misspelt rule, then it is a finding naming the valid ids', () => {
    const { stack, fixture } = fixtureStack('prod');
    Guardrails.suppress(fixture.queue, 'encryption-queue-kms', 'typo');
    const report = checkStack('fixture-stack', stack.toTerraform() as TfJson, PAYMENTS_RULE_PACK);
    expect(report.findings).toEqual([expect.objectContaining({ ruleId: SUPPRESSION_UNKNOWN_RULE, address: 'aws_sqs_queue.fixture-queue', fix: expect.stringContaining('encryption-queue-cmk') })]);
  });

  test('given a suppression on a compliant resource, then it is listed as unused (and does not fail)', () => {
    const { stack, fixture } = fixtureStack('prod');
    Guardrails.suppress(fixture.queue, 'encryption-queue-cmk', 'no longer needed');
    const report = checkStack('fixture-stack', stack.toTerraform() as TfJson, PAYMENTS_RULE_PACK);
    expect(report.findings).toEqual([]);
    expect(report.unusedSuppressions).toEqual([{ stack: 'fixture-stack', address: 'aws_sqs_queue.fixture-queue', ruleId: 'encryption-queue-cmk', reason: 'no longer needed' }]);
    expect(formatReport(combine([report]), 'payments', 1)).toContain('Suppressions that matched no finding');
  });

  test('given a module construct, then the suppression applies to every resource inside it only', () => {
    const { stack } = fixtureStack('prod');
    const module = new Construct(stack, 'scratch');
    const one = new S3Bucket(module, 'one', { bucket: 'scratch-one-111111111111' });
    const two = new S3Bucket(module, 'two', { bucket: 'scratch-two-111111111111' });
    Guardrails.suppress(module, 'bucket-versioning', 'scratch space, recreated from source');
    const report = checkStack('fixture-stack', stack.toTerraform() as TfJson, PAYMENTS_RULE_PACK);
    expect(report.suppressed.map((s) => s.address).sort()).toEqual([`aws_s3_bucket.${one.friendlyUniqueId}`, `aws_s3_bucket.${two.friendlyUniqueId}`].sort());
    expect(report.findings.every((f) => f.ruleId !== 'bucket-versioning')).toBe(true);
  });

  test('given a module whose resources of other types the rule does not check, when one of its buckets is suppressed, then the suppression is used once and nothing of it is reported unused', () => {
    const { stack, fixture } = fixtureStack('prod');
    const module = new Construct(stack, 'logs-bucket');
    const bucket = new S3Bucket(module, 'bucket', { bucket: 'scratch-logs-111111111111' });
    new S3BucketPublicAccessBlock(module, 'pab', { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    Guardrails.suppress(module, 'bucket-versioning', 'scratch space, recreated from source');
    // and a suppression given to another module, silencing nothing anywhere in it: reported once, for its scope
    Guardrails.suppress(fixture.bucket.node.scope!, 'kms-key-rotation', 'no longer needed');
    const tf = stack.toTerraform() as TfJson;
    const [pab] = Object.entries(tf.resource!.aws_s3_bucket_public_access_block!).filter(([n]) => n.startsWith('logs-bucket'));
    expect((pab![1]['//'] as Record<string, unknown> | undefined)?.guardrails_suppressions).toBeUndefined();
    const report = checkStack('fixture-stack', tf, PAYMENTS_RULE_PACK);
    expect(report.suppressed.map((s) => [s.ruleId, s.address])).toEqual([['bucket-versioning', `aws_s3_bucket.${bucket.friendlyUniqueId}`]]);
    expect(report.unusedSuppressions).toEqual([expect.objectContaining({ ruleId: 'kms-key-rotation', scope: fixture.bucket.node.scope!.node.path, reason: 'no longer needed' })]);
  });

  test('given a policy suppression that names its statements and actions, when the policy later gains Action "*", then that is a finding while the named grants stay suppressed', () => {
    const { stack, fixture } = fixtureStack('prod');
    const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
    const listing = { Sid: 'List', Effect: 'Allow', Action: ['sqs:ListQueues'], Resource: '*' };
    fixture.rolePolicy.addOverride('policy', policy([listing]));
    Guardrails.suppress(fixture.rolePolicy, 'iam-no-wildcards', 'listing is authorised only on *', { appliesTo: ['List/sqs:ListQueues on *'] });
    const before = checkStack('fixture-stack', stack.toTerraform() as TfJson, PAYMENTS_RULE_PACK);
    expect(before.findings).toEqual([]);
    expect(before.suppressed).toEqual([expect.objectContaining({ ruleId: 'iam-no-wildcards', subjects: ['List/sqs:ListQueues on *'] })]);
    expect(before.unusedSuppressions).toEqual([]);

    fixture.rolePolicy.addOverride('policy', policy([listing, { Sid: 'Everything', Effect: 'Allow', Action: '*', Resource: '*' }]));
    const after = checkStack('fixture-stack', stack.toTerraform() as TfJson, PAYMENTS_RULE_PACK);
    expect(after.findings.map((f) => [f.ruleId, f.subjects])).toEqual([
      ['iam-no-wildcards', ['Everything/*']],
      ['iam-no-wildcards', ['Everything/* on *']],
    ]);
    expect(after.suppressed.map((f) => f.subjects)).toEqual([['List/sqs:ListQueues on *']]);
  });

  test('given a policy suppression without appliesTo, then it covers every finding of its rule on that resource and nothing on another resource', () => {
    const { stack, fixture } = fixtureStack('prod');
    const wide = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'All', Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
    fixture.rolePolicy.addOverride('policy', wide);
    const other = new IamRolePolicy(stack, 'other-policy', { name: 'other', role: fixture.role.name, policy: wide });
    Guardrails.suppress(fixture.rolePolicy, 'iam-no-wildcards', 'scratch role, never deployed');
    const report = checkStack('fixture-stack', stack.toTerraform() as TfJson, PAYMENTS_RULE_PACK);
    expect(report.suppressed.map((f) => [f.address, f.subjects])).toEqual([
      ['aws_iam_role_policy.fixture-role-policy', ['All/s3:*']],
      ['aws_iam_role_policy.fixture-role-policy', ['All/s3:* on *']],
    ]);
    expect(report.findings.map((f) => [f.address, f.ruleId])).toEqual([
      [`aws_iam_role_policy.${other.friendlyUniqueId}`, 'iam-no-wildcards'],
      [`aws_iam_role_policy.${other.friendlyUniqueId}`, 'iam-no-wildcards'],
    ]);
  });

  test('given appliesTo entries of which one matches nothing, then only that entry is reported unused', () => {
    const { stack, fixture } = fixtureStack('prod');
    fixture.rolePolicy.addOverride('policy', JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'List', Effect: 'Allow', Action: ['sqs:ListQueues'], Resource: '*' }] }));
    Guardrails.suppress(fixture.rolePolicy, 'iam-no-wildcards', 'listing is authorised only on *', { appliesTo: ['List/sqs:ListQueues on *', 'List/sns:ListTopics on *'] });
    const report = checkStack('fixture-stack', stack.toTerraform() as TfJson, PAYMENTS_RULE_PACK);
    expect(report.findings).toEqual([]);
    expect(report.unusedSuppressions).toEqual([expect.objectContaining({ ruleId: 'iam-no-wildcards', appliesTo: ['List/sns:ListTopics on *'] })]);
  });

  test('given a scope without Terraform resources or a malformed rule id, then suppress throws with how to fix it', () => {
    const { stack, fixture } = fixtureStack('prod');
    expect(() => Guardrails.suppress(new Construct(stack, 'empty'), 'bucket-versioning', 'x')).toThrow(/no Terraform resource in this scope/);
    expect(() => Guardrails.suppress(fixture.bucket, 'Bucket Versioning', 'x')).toThrow(/is not a rule id/);
    expect(() => Guardrails.suppress(fixture.rolePolicy, 'iam-no-wildcards', 'x', { appliesTo: [] })).toThrow(/appliesTo is empty/);
  });
});
