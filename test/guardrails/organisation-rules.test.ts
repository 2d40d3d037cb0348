/**
 * The organisation-aware rules, case by case, on the compliant fixture placed in an account of
 * the example organisation (F-14, F-15, F-19): what they accept (the organisation's accounts and
 * roles, scoped services, the documented unscoped services, references to the stack's own
 * resources) and what they report.
 */
import { App, Testing, TerraformStack } from 'cdktf';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { ApiGatewayRestApiPolicy } from '@cdktf/provider-aws/lib/api-gateway-rest-api-policy';
import { checkStack, Guardrails, organisationOf, PAYMENTS_RULE_PACK, type StackReport, type TfJson } from '../../modules/guardrails';
import { PinnedAwsProvider } from '../../modules/core/pinned-provider';
import { apiClientsOf } from '../../accounts/schema';
import { addFixture, fixtureStack, type Fixture } from '../modules/guardrails/fixture';
import { OUTSIDE_ACCOUNT } from '../modules/guardrails/breaks';
import { exampleManifest } from '../support/synth';

const manifest = exampleManifest();
const organisation = organisationOf(manifest);
const prod = manifest.workloads.find((w) => w.environment === 'prod')!;
const root = (account: string) => `arn:aws:iam::${account}:root`;
const policyOf = (statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** The compliant fixture in the prod workload's account, with an S3 backend like the account stacks'. */
function orgStack(): { app: App; stack: TerraformStack; fixture: Fixture } {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'org-stack');
  const provider = new PinnedAwsProvider(stack, 'aws', {
    accountId: prod.accountId,
    region: prod.primaryRegion,
    deploymentRegion: manifest.deployment.region,
    roleArn: `arn:aws:iam::${prod.accountId}:role/deploy`,
    sessionName: 'test',
    tags: { environment: 'prod' },
  });
  stack.addOverride('terraform.backend', {
    s3: {
      bucket: 'state',
      key: 'org-stack',
      region: prod.primaryRegion,
      encrypt: true,
      use_lockfile: true,
      kms_key_id: `arn:aws:kms:${prod.primaryRegion}:${manifest.deployment.accountId}:alias/state`,
    },
  });
  return { app, stack, fixture: addFixture(stack, { provider }) };
}

const check = (stack: TerraformStack, withOrganisation = true): StackReport =>
  checkStack(stack.node.id, stack.toTerraform() as TfJson, PAYMENTS_RULE_PACK, withOrganisation ? organisation : undefined);
const brief = (r: StackReport) => r.findings.map((f) => `${f.ruleId} ${f.address}`);
const messages = (r: StackReport) => r.findings.map((f) => `${f.ruleId}: ${f.message}`);

describe('the organisation the synth passes', () => {
  test('given the example manifest, then the organisation holds its id, every account it lists and the API clients it names', () => {
    expect(organisation.id).toBe(manifest.organization.id);
    expect([...organisation.accountIds].sort()).toEqual(
      [manifest.organization.managementAccountId, manifest.deployment.accountId, manifest.logArchive.accountId, manifest.audit.accountId, ...manifest.workloads.map((w) => w.accountId)].sort(),
    );
    expect([...organisation.apiClientPrincipals].sort()).toEqual([...new Set(manifest.workloads.flatMap((w) => apiClientsOf(w).flatMap((c) => c.principals)))].sort());
  });

  test('given the compliant fixture in an account of the organisation, when checked with it, then nothing fires; given it in an account outside, then the provider, state key, key, topic and permission do', () => {
    expect(brief(check(orgStack().stack))).toEqual([]);
    const outside = fixtureStack('prod');
    const rules = new Set(check(outside.stack).findings.map((f) => `${f.ruleId} ${f.address.split('.')[0]}`));
    expect([...rules].sort()).toEqual(
      [
        'principal-in-organisation aws_kms_key',
        'principal-in-organisation aws_lambda_permission',
        'principal-in-organisation aws_sns_topic_policy',
        'provider-pinned-account provider',
        'state-backend-encrypted terraform',
      ].sort(),
    );
  });
});

describe('principal-in-organisation', () => {
  test('given service principals, then the documented unscoped ones pass only in their policy kind and actions, and others need a source condition in the organisation', () => {
    const { stack, fixture } = orgStack();
    fixture.key.addOverride(
      'policy',
      policyOf([
        { Sid: 'Alarms', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*' },
        { Sid: 'AlarmsGrant', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'kms:CreateGrant', Resource: '*' },
        { Sid: 'LambdaInKey', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'kms:Decrypt', Resource: '*' },
        { Sid: 'Scoped', Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'aws:SourceAccount': prod.accountId } } },
        {
          Sid: 'IfExists',
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: { StringEqualsIfExists: { 'aws:SourceAccount': prod.accountId } },
        },
      ]),
    );
    expect(messages(check(stack))).toEqual([
      expect.stringMatching(/^principal-in-organisation: policy statement "AlarmsGrant": service principal cloudwatch.amazonaws.com: no aws:SourceAccount/),
      expect.stringMatching(/^principal-in-organisation: policy statement "LambdaInKey": service principal lambda.amazonaws.com: no aws:SourceAccount/),
      expect.stringMatching(/^principal-in-organisation: policy statement "IfExists": service principal sns.amazonaws.com: no aws:SourceAccount/),
    ]);
  });

  test("given aws:SourceArn, then a reference to the stack's own resource or an ARN of an organisation account scopes; a bucket ARN (no account) scopes only with aws:SourceAccount", () => {
    const { stack, fixture } = orgStack();
    const publish = (sid: string, condition: unknown) => ({
      Sid: sid,
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: fixture.topic.arn,
      Condition: condition,
    });
    fixture.topicPolicy.addOverride(
      'policy',
      policyOf([
        publish('Reference', { ArnLike: { 'aws:SourceArn': fixture.bucket.arn } }),
        publish('Literal', { ArnLike: { 'aws:SourceArn': `arn:aws:sqs:${prod.primaryRegion}:${prod.accountId}:q` } }),
        publish('BucketOnly', { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::any-bucket' } }),
        publish('BucketAndAccount', { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::any-bucket' }, StringEquals: { 'aws:SourceAccount': prod.accountId } }),
        publish('Variable', { ArnLike: { 'aws:SourceArn': '${var.source}' } }),
      ]),
    );
    expect(messages(check(stack))).toEqual([
      expect.stringMatching(/"BucketOnly": service principal s3.amazonaws.com: no aws:SourceAccount/),
      expect.stringMatching(/"Variable": service principal s3.amazonaws.com: aws:SourceArn \$\{var.source\} is not a resource of organisation/),
    ]);
  });

  test('given `*`, then aws:PrincipalOrgID of this organisation confines it; another organisation id or a negated condition does not; Deny statements may name anyone', () => {
    const { stack, fixture } = orgStack();
    const read = (sid: string, condition: unknown) => ({ Sid: sid, Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${fixture.bucket.arn}/*`, Condition: condition });
    fixture.bucketPolicy.addOverride(
      'policy',
      policyOf([
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [fixture.bucket.arn, `${fixture.bucket.arn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        { Sid: 'DenyOutsider', Effect: 'Deny', Principal: { AWS: root(OUTSIDE_ACCOUNT) }, Action: 's3:*', Resource: `${fixture.bucket.arn}/*` },
        read('Org', { StringEquals: { 'aws:PrincipalOrgID': organisation.id } }),
        read('OtherOrg', { StringEquals: { 'aws:PrincipalOrgID': 'o-someoneelse1' } }),
        read('Negated', { StringNotEquals: { 'aws:PrincipalOrgID': organisation.id } }),
      ]),
    );
    expect(messages(check(stack))).toEqual([expect.stringMatching(/"OtherOrg": any principal/), expect.stringMatching(/"Negated": any principal/)]);
  });

  test('given the API clients of the manifest, then they may call the API but are no principals of a bucket; an expression principal cannot be checked', () => {
    const { stack, fixture } = orgStack();
    const client = organisation.apiClientPrincipals.find((p) => !organisation.accountIds.includes(p) && !p.startsWith('arn:'))!;
    const api = new ApiGatewayRestApiPolicy(stack, 'api-policy', {
      restApiId: 'abc123',
      policy: policyOf([{ Effect: 'Allow', Principal: { AWS: [root(client)] }, Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:*:*:abc123/*' }]),
    });
    const bucket = new S3BucketPolicy(stack, 'client-bucket-policy', {
      bucket: fixture.bucket.id,
      policy: policyOf([
        { Effect: 'Allow', Principal: { AWS: [root(client)] }, Action: 's3:GetObject', Resource: `${fixture.bucket.arn}/*` },
        { Effect: 'Allow', Principal: { AWS: '${var.partner_role}' }, Action: 's3:GetObject', Resource: `${fixture.bucket.arn}/*` },
      ]),
    });
    const report = check(stack);
    expect(report.findings.filter((f) => f.address === `aws_api_gateway_rest_api_policy.${api.friendlyUniqueId}`)).toEqual([]);
    expect(report.findings.filter((f) => f.address === `aws_s3_bucket_policy.${bucket.friendlyUniqueId}`).map((f) => f.message)).toEqual([
      expect.stringContaining(`is in account ${client}, which is not an account of organisation`),
      expect.stringContaining('is an expression guardrails cannot resolve'),
    ]);
  });

  test('given no organisation (a stack checked alone), then only the accounts its providers are pinned to count', () => {
    const { stack, fixture } = fixtureStack('prod');
    expect(brief(check(stack, false))).toEqual([]);
    fixture.key.addOverride('policy', policyOf([{ Effect: 'Allow', Principal: { AWS: root(manifest.deployment.accountId) }, Action: 'kms:Decrypt', Resource: '*' }]));
    expect(messages(check(stack, false))).toEqual([expect.stringMatching(/^principal-in-organisation: .* which is not an account of this stack's pinned accounts/)]);
  });
});

describe('trust-principal-org-id', () => {
  test('given trusts of AWS principals, then this organisation id (with or without an external id) passes; an external id alone or another id fails, naming the id', () => {
    const { stack, fixture } = orgStack();
    const trust = (sid: string, condition?: unknown) => ({
      Sid: sid,
      Effect: 'Allow',
      Principal: { AWS: root(manifest.audit.accountId) },
      Action: 'sts:AssumeRole',
      ...(condition ? { Condition: condition } : {}),
    });
    fixture.role.addOverride(
      'assume_role_policy',
      policyOf([
        trust('OrgAndExternalId', { StringEquals: { 'aws:PrincipalOrgID': organisation.id, 'sts:ExternalId': 'audit' } }),
        trust('ExternalIdOnly', { StringEquals: { 'sts:ExternalId': 'audit' } }),
        trust('OtherOrg', { StringEquals: { 'aws:PrincipalOrgID': 'o-someoneelse1' } }),
      ]),
    );
    expect(messages(check(stack))).toEqual([
      'trust-principal-org-id: assume_role_policy statement "ExternalIdOnly" lets AWS principals assume the role without an aws:PrincipalOrgID condition',
      `trust-principal-org-id: assume_role_policy statement "OtherOrg" requires aws:PrincipalOrgID o-someoneelse1, not this organisation's ${organisation.id}`,
    ]);
  });
});

describe('iam-resource-account-region', () => {
  test('given ARNs without region or account (S3, IAM), AWS-managed policies and references, then they pass; a wildcard (also beside a referenced field) or an outside account fails, and a suppression with a reason silences it', () => {
    const { stack, fixture } = orgStack();
    fixture.rolePolicy.addOverride(
      'policy',
      policyOf([
        { Sid: 'Fine', Effect: 'Allow', Action: ['s3:GetObject', 'iam:GetPolicy', 'dynamodb:GetItem'], Resource: [`arn:aws:s3:::b/*`, 'arn:aws:iam::aws:policy/ReadOnlyAccess', fixture.table.arn] },
        { Sid: 'AnyRegion', Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: `arn:aws:logs:*:${prod.accountId}:log-group:x:*` },
        { Sid: 'Outside', Effect: 'Allow', Action: 'sns:Publish', Resource: `arn:aws:sns:${prod.primaryRegion}:${OUTSIDE_ACCOUNT}:t` },
        { Sid: 'ReferencedRegionAnyAccount', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:${data.aws_region.current.region}:*:q' },
        { Sid: 'DenyAnywhere', Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion', Resource: 'arn:aws:kms:*:*:key/*' },
      ]),
    );
    expect(messages(check(stack))).toEqual([
      expect.stringMatching(/"AnyRegion" allows resources beyond .*\(any region\)$/),
      expect.stringMatching(new RegExp(`"Outside" allows resources beyond .*\\(account ${OUTSIDE_ACCOUNT} outside organisation`)),
      expect.stringMatching(/"ReferencedRegionAnyAccount" allows resources beyond .*\(any account\)$/),
    ]);
    const extra = new IamRolePolicy(stack, 'regional', {
      role: fixture.role.name,
      policy: policyOf([{ Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: `arn:aws:logs:*:${prod.accountId}:log-group:x:*` }]),
    });
    Guardrails.suppress(extra, 'iam-resource-account-region', 'writes the same log group name in every region of the account');
    const report = check(stack);
    expect(report.suppressed.map((s) => `${s.ruleId} ${s.address}`)).toEqual([`iam-resource-account-region aws_iam_role_policy.${extra.friendlyUniqueId}`]);
  });
});

describe('state-backend-encrypted and provider rules', () => {
  test('given a DynamoDB lock table instead of use_lockfile, then the backend passes; given a provider role in another account of the organisation, then provider-pinned-account fires', () => {
    const { stack, fixture } = orgStack();
    stack.addOverride('terraform.backend.s3.use_lockfile', undefined);
    stack.addOverride('terraform.backend.s3.dynamodb_table', 'state-locks');
    expect(brief(check(stack))).toEqual([]);
    fixture.provider.addOverride('assume_role.0.role_arn', `arn:aws:iam::${manifest.deployment.accountId}:role/deploy`);
    expect(messages(check(stack))).toEqual([`provider-pinned-account: provider pinned to ${prod.accountId} assumes a role in ${manifest.deployment.accountId}`]);
  });
});
