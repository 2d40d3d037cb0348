/**
 * Grants: what each kind of access allows, evaluated with the IAM policy simulator on the
 * policy a role would carry, and how statements that share a Sid merge without granting more.
 */
import { KeyRef, QueueRef, SecretRef, TopicRef, type Grantee } from '../../../modules/core/grants';
import { LazyPolicy, mergeStatements, type PolicyStatement } from '../../../modules/core/iam-document';
import { ArchiveBucketRef } from '../../../modules/data/archive-bucket';
import { TableRef } from '../../../modules/data/global-table';
import { simulate } from '../../support/iam-sim';

const ACCOUNT = '111111111111';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/grantee`;
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const TABLE = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/payments`;

/** A grantee whose policy is what a role's inline policy renders. */
class Role implements Grantee {
  private readonly policy = new LazyPolicy();
  addToPolicy(...statements: PolicyStatement[]): void {
    this.policy.add(...statements);
  }
  get statements(): PolicyStatement[] {
    return JSON.parse(this.policy.render()).Statement;
  }
  allows(action: string, resource: string): Promise<boolean> {
    // A key is used only if its key policy lets IAM decide: the usual root statement.
    const resourcePolicy = action.startsWith('kms:')
      ? { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] }
      : undefined;
    return simulate({ principal: ROLE, action, resource, resourceAccount: ACCOUNT, resourcePolicy, identityPolicies: [{ Version: '2012-10-17', Statement: this.statements }] }).then(
      (d) => d === 'Allowed',
    );
  }
}

const key = () => new KeyRef(KEY);
const table = () => new TableRef('payments', TABLE, key(), 'PaymentsTable');

describe('table grants', () => {
  test('given a read-only exact grant, when the role reads, writes and uses the key, then only the read and Decrypt are allowed', async () => {
    const role = new Role();
    table().grant(role, 'dynamodb:GetItem');
    expect(await role.allows('dynamodb:GetItem', TABLE)).toBe(true);
    expect(await role.allows('dynamodb:PutItem', TABLE)).toBe(false);
    expect(await role.allows('dynamodb:Query', `${TABLE}/index/by-customer`)).toBe(false);
    expect(await role.allows('kms:Decrypt', KEY)).toBe(true);
    expect(await role.allows('kms:GenerateDataKey', KEY)).toBe(false);
  });

  test('given exact grants with writes, then the key may encrypt too, and nothing beyond the named actions', async () => {
    const role = new Role();
    table().grant(role, 'dynamodb:Scan', 'dynamodb:UpdateItem');
    for (const a of ['dynamodb:Scan', 'dynamodb:UpdateItem']) expect(await role.allows(a, TABLE)).toBe(true);
    for (const a of ['dynamodb:GetItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem']) expect(await role.allows(a, TABLE)).toBe(false);
    expect(await role.allows('kms:GenerateDataKey', KEY)).toBe(true);
    expect(await role.allows('kms:Decrypt', KEY)).toBe(true);
    expect(await role.allows('kms:Encrypt', KEY)).toBe(false);
  });

  test('given grantReadWriteData, then reads reach the indexes, writes only the table, and the key is covered', async () => {
    const role = new Role();
    table().grantReadWriteData(role);
    expect(await role.allows('dynamodb:Query', `${TABLE}/index/by-customer`)).toBe(true);
    expect(await role.allows('dynamodb:BatchWriteItem', TABLE)).toBe(true);
    expect(await role.allows('dynamodb:DeleteTable', TABLE)).toBe(false);
    expect(await role.allows('kms:GenerateDataKey', KEY)).toBe(true);
  });

  test('given a non-DynamoDB action, then the table refuses the grant', () => {
    expect(() => table().grant(new Role(), 's3:GetObject')).toThrow(/DynamoDB actions only/);
  });
});

describe('bucket, topic, queue and secret grants', () => {
  test('given a put grant under a prefix, then puts under it are allowed with a data key, and nothing else', async () => {
    const role = new Role();
    new ArchiveBucketRef('archive', key()).grantPut(role, 'settlements/prod/');
    expect(await role.allows('s3:PutObject', 'arn:aws:s3:::archive/settlements/prod/p.json')).toBe(true);
    expect(await role.allows('s3:PutObject', 'arn:aws:s3:::archive/settlements/dev/p.json')).toBe(false);
    expect(await role.allows('s3:GetObject', 'arn:aws:s3:::archive/settlements/prod/p.json')).toBe(false);
    expect(await role.allows('kms:GenerateDataKey', KEY)).toBe(true);
    expect(await role.allows('kms:Decrypt', KEY)).toBe(false);
    expect(() => new ArchiveBucketRef('archive', key()).grantPut(role, 'settlements')).toThrow(/prefix ending in/);
  });

  test('given publish, send and read grants, then each allows its one action and the key use it implies', async () => {
    const topic = `arn:aws:sns:eu-west-1:${ACCOUNT}:events`;
    const queue = `arn:aws:sqs:eu-west-1:${ACCOUNT}:dlq`;
    const secret = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:gateway-AbCdEf`;
    const publisher = new Role();
    new TopicRef(topic, key()).grantPublish(publisher);
    expect(await publisher.allows('sns:Publish', topic)).toBe(true);
    expect(await publisher.allows('sns:Subscribe', topic)).toBe(false);
    expect(await publisher.allows('kms:GenerateDataKey', KEY)).toBe(true);
    const sender = new Role();
    new QueueRef(queue, key()).grantSendMessages(sender);
    expect(await sender.allows('sqs:SendMessage', queue)).toBe(true);
    expect(await sender.allows('sqs:ReceiveMessage', queue)).toBe(false);
    const reader = new Role();
    new SecretRef(secret, key()).grantRead(reader);
    expect(await reader.allows('secretsmanager:GetSecretValue', secret)).toBe(true);
    expect(await reader.allows('secretsmanager:PutSecretValue', secret)).toBe(false);
    expect(await reader.allows('kms:Decrypt', KEY)).toBe(true);
    expect(await reader.allows('kms:GenerateDataKey', KEY)).toBe(false);
  });
});

describe('statements that share a Sid', () => {
  test('given two grants of one key, when merged, then one statement holds both uses', () => {
    const role = new Role();
    key().grantDecrypt(role);
    key().grantEncryptDecrypt(role);
    expect(role.statements).toEqual([{ Sid: 'DataKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: KEY }]);
  });

  test('given one action on two resources, when merged, then one statement names both resources', () => {
    const merged = mergeStatements(
      { Sid: 'Invoke', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: 'a' },
      { Sid: 'Invoke', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: 'b' },
    );
    expect(merged).toEqual({ Sid: 'Invoke', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: ['a', 'b'] });
  });

  test('given different actions on different resources, or different conditions, under one Sid, then the merge refuses (the union would grant more)', () => {
    const a: PolicyStatement = { Sid: 'X', Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: 'a' };
    expect(() => mergeStatements(a, { Sid: 'X', Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: 'b' })).toThrow(/give the second its own Sid/);
    expect(() => mergeStatements(a, { ...a, Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } })).toThrow(/give the second its own Sid/);
    expect(() => new LazyPolicy().add(a, { Sid: 'X', Effect: 'Deny', Action: 'dynamodb:GetItem', Resource: 'a' })).toThrow(/give the second its own Sid/);
  });
});
