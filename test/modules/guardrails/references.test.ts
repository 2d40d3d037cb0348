/**
 * A stack may refer only to what it declares itself: a reference to another stack's resource
 * would be written as a reference to a resource the stack does not have (the synth skips the
 * preparing pass that would turn it into a remote state), so the synth refuses it, naming it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerraformOutput, TerraformResource, TerraformStack } from 'cdktf';
import { undeclaredReferences } from '../../../modules/guardrails/references';
import { buildApp } from '../../../stacks/app';
import { exampleManifest, synthManifest } from '../../support/synth';

describe('references between stacks', () => {
  test('given the example organisation synthesized, then no stack refers to anything it does not declare (variables, data sources and resources alike)', () => {
    const s = synthManifest(exampleManifest());
    let expressions = 0;
    for (const [name, tf] of s.stacks) {
      expressions += JSON.stringify(tf).split('${').length - 1;
      expect([name, undeclaredReferences(tf)]).toEqual([name, []]);
    }
    expect(expressions).toBeGreaterThan(100);
  });

  test("given a stack that outputs another stack's bucket ARN, when synthesized, then the synth refuses, naming the stack and the reference", () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cross-stack-'));
    try {
      const { app } = buildApp(exampleManifest(), { outdir });
      const stacks = app.node.children.filter((c): c is TerraformStack => TerraformStack.isStack(c));
      const owner = stacks.find((st) => st.node.id.startsWith('log-archive-'))!;
      const other = stacks.find((st) => st.node.id.startsWith('bootstrap-'))!;
      const bucket = owner.node.findAll().find((c): c is TerraformResource => c instanceof TerraformResource && c.terraformResourceType === 'aws_s3_bucket')!;
      new TerraformOutput(other, 'borrowed', { value: bucket.getStringAttribute('arn') });
      expect(() => app.synth()).toThrow(new RegExp(`${other.node.id} refers to aws_s3_bucket\\.${bucket.friendlyUniqueId}, which it does not declare`));
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('given expressions with escapes, string literals, functions, variables and iteration, then only the undeclared roots are reported', () => {
    const tf = {
      variable: { access_role: {} },
      locals: { names: [] },
      data: { aws_caller_identity: { me: {} } },
      resource: {
        aws_s3_bucket: { b: { bucket: 'x' } },
        aws_sns_topic: {
          t: {
            name: '${aws_s3_bucket.b.bucket}-${var.access_role}-${local.names[0]}-${data.aws_caller_identity.me.account_id}',
            policy: '${jsonencode({ a = "aws_kms_key.literal", b = each.value, c = count.index })}',
            display_name: '$${aws_kms_key.escaped} ${upper(aws_kms_key.missing.arn)} ${var.nope} ${data.aws_region.gone.name} ${local.absent}',
          },
        },
      },
      '//': { note: '${aws_kms_key.in_metadata}' },
    };
    expect(undeclaredReferences(tf as never)).toEqual(['aws_kms_key.missing', 'data.aws_region.gone', 'local.absent', 'var.nope']);
  });
});
