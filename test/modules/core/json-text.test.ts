/**
 * `jsonText` writes what `JSON.stringify` of the same document writes once cdktf has resolved
 * it, for any document: references of every kind (attributes, names, expressions with quotes,
 * numbers, lazy values that hold references themselves) among any text, Terraform expressions
 * and IAM policy variables written in the text included.
 */
import fc from 'fast-check';
import { App, Fn, Lazy, TerraformOutput, TerraformStack, TerraformVariable, Token } from 'cdktf';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { jsonText } from '../../../modules/core/json-text';

/** A stack with resources to refer to, and the references a document may hold. */
function fixture() {
  const stack = new TerraformStack(new App({ outdir: '/nonexistent' }), 'json-text');
  const bucket = new S3Bucket(stack, 'bucket', { bucket: 'b' });
  const count = new TerraformVariable(stack, 'count', { type: 'number' });
  const references: readonly string[] = [
    bucket.arn,
    bucket.bucket,
    `${bucket.arn}/*`,
    Fn.lookup({ a: bucket.id }, 'a', 'none'),
    Token.asString(count.numberValue),
    Lazy.stringValue({ produce: () => `arn:aws:s3:::${bucket.bucket}/x` }),
  ];
  return { stack, references };
}

/** Text around references: JSON's own braces and quotes, `$`, `}` and `${…}` written out (Terraform expressions, IAM policy variables). */
const TEXT = fc.oneof(fc.string(), fc.constantFrom('}', '{', '${aws:username}', '$${aws:PrincipalTag/team}', '${', '$', '"', '\\', 'arn:aws:iam::123456789012:root', '${upper("x")}', '}}'));

/** A string leaf of text and references (by their index in the fixture's list). */
const LEAF = fc.array(fc.oneof(TEXT, fc.nat({ max: 5 })), { maxLength: 6 });

const DOCUMENT = fc.letrec<{ doc: unknown }>((tie) => ({
  doc: fc.oneof({ depthSize: 'small' }, LEAF, fc.array(tie('doc'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 6 }), tie('doc'), { maxKeys: 4 }), fc.integer(), fc.boolean()),
})).doc;

/** The document with every leaf made a string of its text and references. */
function materialize(doc: unknown, references: readonly string[]): unknown {
  if (Array.isArray(doc) && doc.every((p) => typeof p === 'string' || typeof p === 'number') && doc.length > 0 && doc.some((p) => typeof p === 'number')) {
    return doc.map((p) => (typeof p === 'number' ? references[p] : p)).join('');
  }
  if (Array.isArray(doc)) return doc.map((d) => materialize(d, references));
  if (doc !== null && typeof doc === 'object') return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, materialize(v, references)]));
  return doc;
}

/** What the stack writes for `value` given as `JSON.stringify` and as `jsonText`. */
function bothWays(build: (references: readonly string[]) => unknown): { stringify: unknown; jsonText: unknown } {
  const { stack, references } = fixture();
  const doc = build(references);
  new TerraformOutput(stack, 'stringify', { value: JSON.stringify(doc) });
  new TerraformOutput(stack, 'json_text', { value: jsonText(doc) });
  const outputs = (stack.toTerraform() as { output: Record<string, { value: unknown }> }).output;
  return { stringify: outputs.stringify!.value, jsonText: outputs.json_text!.value };
}

describe('jsonText', () => {
  test('given any document of text and references, when synthesized, then it is what JSON.stringify of the document resolves to', () => {
    fc.assert(
      fc.property(DOCUMENT, (doc) => {
        const { stringify, jsonText: text } = bothWays((references) => materialize(doc, references));
        expect(text).toBe(stringify);
      }),
      { numRuns: 300 },
    );
  });

  test('given a policy whose statements name a bucket, when synthesized, then each reference is the Terraform expression of its attribute', () => {
    const { jsonText: text } = bothWays((r) => ({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: [r[0], r[2]] }] }));
    expect(JSON.parse(String(text))).toEqual({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: ['${aws_s3_bucket.bucket.arn}', '${aws_s3_bucket.bucket.arn}/*'] }] });
  });

  test('given a reference inside a Terraform expression written in the text, when synthesized, then it is written without its own braces, as cdktf writes it', () => {
    const { stringify, jsonText: text } = bothWays((r) => ({ Name: `\${upper(${r[1]})}` }));
    expect(text).toBe(stringify);
    expect(JSON.parse(String(text))).toEqual({ Name: '${upper(aws_s3_bucket.bucket.bucket)}' });
  });

  test('given a document without references, then its text is JSON.stringify of it, not a value resolved later', () => {
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] };
    expect(jsonText(doc)).toBe(JSON.stringify(doc));
  });
});
