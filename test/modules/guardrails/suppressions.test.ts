/**
 * Suppressions: named rule + resource + reason, recorded in the synthesized JSON and shown
 * in the report; a suppression without a reason is itself a finding.
 */
import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
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
      'log-group-retention': 'audit log: kept forever by regulation PCI-10.7',
    });
    const report = checkStack('fixture-stack', tf, PAYMENTS_RULE_PACK);
    expect(report.findings).toEqual([]);
    expect(report.suppressed).toEqual([
      expect.objectContaining({ ruleId: 'log-group-retention', address: 'aws_cloudwatch_log_group.fixture-logs', reason: 'audit log: kept forever by regulation PCI-10.7' }),
    ]);
    const text = formatReport(combine([report]), 'payments', PAYMENTS_RULE_PACK.rules.length);
    expect(text).toContain('0 findings, 1 suppressed');
    expect(text).toContain('fixture-stack aws_cloudwatch_log_group.fixture-logs [log-group-retention]');
    expect(text).toContain('reason: audit log: kept forever by regulation PCI-10.7');
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

  test('given a scope without Terraform resources or a malformed rule id, then suppress throws with how to fix it', () => {
    const { stack, fixture } = fixtureStack('prod');
    expect(() => Guardrails.suppress(new Construct(stack, 'empty'), 'bucket-versioning', 'x')).toThrow(/no Terraform resource in this scope/);
    expect(() => Guardrails.suppress(fixture.bucket, 'Bucket Versioning', 'x')).toThrow(/is not a rule id/);
  });
});
