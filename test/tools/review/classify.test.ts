/**
 * The differ and classifier on real synthesized Terraform (Testing.synth of small stacks
 * built with the provider classes), not hand-typed JSON (F-25). Each case: given a base
 * and a changed stack, when compared, then the change is classed as expected (F-14: a
 * broadened policy cannot pass review unnoticed; F-22: a data-losing change is listed first).
 */
import { Testing, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { buildReport } from '../../../tools/review/report';
import { renderMarkdown, GITHUB_COMMENT_LIMIT, COMMENT_MARKER } from '../../../tools/review/markdown';
import type { SecurityFinding, Side, TfJson } from '../../../tools/review/types';
import { addReviewFixture, baseFixture, type FixtureOptions } from './fixture-stack';

function synth(o: FixtureOptions | undefined): TfJson {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'fixture');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1', allowedAccountIds: ['200000000001'] });
  if (o) addReviewFixture(stack, o);
  return JSON.parse(Testing.synth(stack)) as TfJson;
}

const side = (label: string, stacks: Record<string, TfJson>): Side => ({
  label,
  stacks: new Map(Object.entries(stacks)),
  specs: Object.keys(stacks).map((name) => ({ name, kind: 'payments', accountId: '200000000001', region: 'eu-west-1', workload: 'dev', dependsOn: [], wave: 2 })),
  notes: [],
});

const base = baseFixture('dev');
const review = (change: Partial<FixtureOptions>, before: Partial<FixtureOptions> = {}) =>
  buildReport(side('base', { s: synth({ ...base, ...before }) }), side('head', { s: synth({ ...base, ...before, ...change }) }));
const only = (fs: readonly SecurityFinding[], address: string) => fs.filter((f) => f.address === address);

describe('review classifier on synthesized Terraform', () => {
  test('F-26 given two identical syntheses, when compared, then no changes and the "No changes" line', () => {
    const r = review({});
    expect(r.noChanges).toBe(true);
    expect(r.security).toEqual([]);
    expect(renderMarkdown(r)).toContain('**No changes.**');
  });

  test('F-14 given a role policy, when an action is added, then it is broadening and names the action', () => {
    const r = review({ roleActions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'] });
    const fs = only(r.security, 'aws_iam_role_policy.fixture_role_policy');
    expect(fs.map((f) => [f.class, f.category, f.attribute])).toEqual([['broadening', 'iam-permission', 'policy']]);
    expect(fs[0]!.details).toContain('+ action added: dynamodb:DeleteItem');
  });

  test('F-14 given a role policy, when actions become a service wildcard, then broadening; when narrowed back, then narrowing', () => {
    const widened = only(review({ roleActions: ['dynamodb:*'] }).security, 'aws_iam_role_policy.fixture_role_policy');
    expect(widened.map((f) => f.class)).toEqual(['broadening']);
    expect(widened[0]!.details).toEqual(expect.arrayContaining(['+ action added: dynamodb:*']));
    const narrowed = only(review({ roleActions: ['dynamodb:GetItem'] }, { roleActions: ['dynamodb:*'] }).security, 'aws_iam_role_policy.fixture_role_policy');
    expect(narrowed.map((f) => f.class)).toEqual(['narrowing']);
  });

  test("F-14 given a role policy, when only a statement's Sid changes, then one neutral change naming the rename, not broadening", () => {
    const fs = only(review({ roleSid: 'TableAccess' }).security, 'aws_iam_role_policy.fixture_role_policy');
    expect(fs.map((f) => [f.class, f.change, f.details])).toEqual([['changed', 'modified', ['~ Sid Table → TableAccess']]]);
  });

  test('F-14 given a role policy, when a statement is renamed and widened, then still broadening', () => {
    const fs = only(review({ roleSid: 'TableAccess', roleActions: ['dynamodb:*'] }).security, 'aws_iam_role_policy.fixture_role_policy');
    expect(fs.map((f) => f.class)).toContain('broadening');
  });

  test('F-14 given a key policy, when a principal is added, then broadening (key policy) and the onboarding-style description names it', () => {
    const r = review({ keyUsers: ['arn:aws:iam::300000000009:role/reader', 'arn:aws:iam::200000000001:role/app'] }, { keyUsers: ['arn:aws:iam::200000000001:role/app'] });
    const fs = only(r.security, 'aws_kms_key.fixture_key');
    expect(fs.map((f) => [f.class, f.category])).toEqual([['broadening', 'key-policy']]);
    expect(fs[0]!.details).toEqual(['+ principal added: AWS:arn:aws:iam::300000000009:role/reader']);
  });

  test('F-14 given a key policy, when a whole statement is added, then broadening', () => {
    const fs = only(review({ keyUsers: ['arn:aws:iam::300000000009:role/reader'] }).security, 'aws_kms_key.fixture_key');
    expect(fs.map((f) => [f.class, f.change])).toEqual([['broadening', 'added']]);
  });

  test('F-14 given a trust policy, when aws:PrincipalOrgID is dropped, then broadening on the trust, named as a guard condition', () => {
    const fs = only(review({ orgId: undefined }).security, 'aws_iam_role.fixture_role');
    expect(fs.map((f) => [f.class, f.category, f.attribute])).toEqual([['broadening', 'trust', 'assume_role_policy']]);
    expect(fs[0]!.details.join('\n')).toMatch(/condition removed: StringEquals aws:PrincipalOrgID .*\(guard condition\)/);
  });

  test('F-14 given a trust policy, when the condition is added, then narrowing', () => {
    const fs = only(review({ orgId: 'o-exampleorg1' }, { orgId: undefined }).security, 'aws_iam_role.fixture_role');
    expect(fs.map((f) => f.class)).toEqual(['narrowing']);
  });

  test('F-15 given a TLS-only bucket policy, when the Deny is removed, then broadening tagged tls', () => {
    const fs = only(review({ tlsOnly: false }).security, 'aws_s3_bucket_policy.fixture_bucket_policy');
    expect(fs.map((f) => [f.class, f.change, f.alsoCategories])).toEqual([['broadening', 'removed', ['tls']]]);
  });

  test('given a public access block, when it is removed, then broadening public-access', () => {
    const fs = only(review({ blockPublic: false }).security, 'aws_s3_bucket_public_access_block.fixture_bucket_pab');
    expect(fs.map((f) => [f.class, f.category])).toEqual([['broadening', 'public-access']]);
  });

  test('given a bucket destroyed together with its public access block, then the block going is neutral, named after the bucket, and the bucket is destructive', () => {
    const withBucket = (() => {
      const app = Testing.app();
      const stack = new TerraformStack(app, 'fixture');
      new AwsProvider(stack, 'aws', { region: 'eu-west-1', allowedAccountIds: ['200000000001'] });
      const bucket = new S3Bucket(stack, 'doomed_bucket', { bucket: 'doomed-bucket' });
      new S3BucketPublicAccessBlock(stack, 'doomed_bucket_pab', { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
      return JSON.parse(Testing.synth(stack)) as TfJson;
    })();
    const r = buildReport(side('base', { s: withBucket }), side('head', { s: synth(undefined) }));
    const block = only(r.security, 'aws_s3_bucket_public_access_block.doomed_bucket_pab');
    expect(block.map((f) => [f.class, f.category, f.summary])).toEqual([['changed', 'public-access', expect.stringMatching(/^removed with aws_s3_bucket\.doomed_bucket: /)]]);
    expect(r.destructive.map((d) => [d.address, d.kind])).toEqual([['aws_s3_bucket.doomed_bucket', 'destroy']]);
  });

  test('given a Lambda permission with a source ARN, when the source ARN is dropped, then broadening; when a permission is added, then broadening', () => {
    const src = 'arn:aws:execute-api:eu-west-1:200000000001:abc/*';
    const dropped = only(review({ invokeSourceArn: '' }, { invokeSourceArn: src }).security, 'aws_lambda_permission.fixture_invoke');
    expect(dropped.map((f) => [f.class, f.category])).toEqual([['broadening', 'lambda-permission']]);
    expect(dropped[0]!.details.join()).toMatch(/source_arn removed/);
    const added = only(review({ invokeSourceArn: src }).security, 'aws_lambda_permission.fixture_invoke');
    expect(added.map((f) => [f.class, f.change])).toEqual([['broadening', 'added']]);
  });

  test('given a policy that references a Terraform resource, when only the reference changes, then it is compared as text and broadening', () => {
    // The role policy's Resource is `${aws_dynamodb_table.fixture_table.arn}`; without the table it is a literal ARN.
    const fs = only(review({ table: false }).security, 'aws_iam_role_policy.fixture_role_policy');
    expect(fs.map((f) => f.class)).toEqual(['broadening']);
    expect(fs[0]!.details).toEqual(expect.arrayContaining(['- resource removed: ${aws_dynamodb_table.fixture_table.arn}']));
  });

  test('F-22 given a table, when it is removed, then it is a destructive destroy listed first in the Markdown', () => {
    const r = review({ table: false });
    expect(r.destructive.map((d) => [d.address, d.kind])).toEqual([['aws_dynamodb_table.fixture_table', 'destroy']]);
    const md = renderMarkdown(r);
    expect(md.indexOf('Destructive changes')).toBeLessThan(md.indexOf('Security-sensitive changes'));
    expect(md).toContain('`aws_dynamodb_table.fixture_table` — **destroy**');
  });

  test('F-22 given a table, when its hash key changes, then it is replaced (identity attribute) and destructive', () => {
    const r = review({ hashKey: 'id' });
    expect(r.stacks[0]!.resources.find((x) => x.address === 'aws_dynamodb_table.fixture_table')).toMatchObject({ action: 'replace', replacedBecause: ['hash_key'] });
    expect(r.destructive.map((d) => d.kind)).toEqual(['replace']);
    expect(r.totals).toMatchObject({ add: 1, destroy: 1 });
  });

  test('given the same content, when rendered twice, then byte-identical (deterministic)', () => {
    const a = review({ roleActions: ['dynamodb:*'], orgId: undefined, table: false });
    const b = review({ roleActions: ['dynamodb:*'], orgId: undefined, table: false });
    expect(renderMarkdown(a)).toBe(renderMarkdown(b));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  test('given hundreds of changed stacks, when rendered, then it fits one GitHub comment and says what was summarized', () => {
    const before: Record<string, TfJson> = {};
    const after: Record<string, TfJson> = {};
    const empty = synth(undefined);
    for (let i = 0; i < 300; i++) {
      const name = `payments-w${String(i).padStart(3, '0')}-eu-west-1`;
      before[name] = empty;
      after[name] = synth({ ...base, prefix: `w${i}`, keyUsers: ['arn:aws:iam::300000000009:role/reader'] });
    }
    const r = buildReport(side('base', before), side('head', after));
    const md = renderMarkdown(r);
    expect(r.totals.broadening).toBeGreaterThan(1000);
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(md.startsWith(COMMENT_MARKER)).toBe(true);
    expect(md).toContain('**Summarized** to fit one comment');
    expect(md).toContain(`**${r.totals.broadening} broadening**`);
  });
});
