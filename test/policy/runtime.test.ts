/**
 * Run-time permissions, end to end across accounts: every call the payments stacks' principals
 * make once deployed (each function's handler code, the state machine's Tasks, S3 replication
 * into both destinations, CloudWatch alarms → SNS, EventBridge → SQS and Lambda, API Gateway →
 * Lambda and its logs, CloudWatch Logs → KMS) is evaluated with the IAM policy simulator against
 * the principal's synthesized identity policy and the permissions boundary it carries, and the
 * synthesized policy on the other side (key, bucket, queue, topic, function), in the account that
 * owns the resource. The table is derived (test/policy/runtime/calls.ts); a denied call fails
 * with principal, action, resource and what each policy said. And the negative: no role can make
 * calls outside its table on the resources the table names, and no service gets in from another
 * source than its own.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Manifest } from '../../accounts/schema';
import { HANDLERS } from '../../modules/workflow/lambda-bundle';
import { otherOrganisation } from '../support/manifests';
import { exampleManifest, parseManifest, synthManifest } from '../support/synth';
import { TfIndex } from '../support/tf-refs';
import { runtimeCalls, type RuntimeCall } from './runtime/calls';
import { describeVerdict, RuntimeEvaluator } from './runtime/evaluate';
import { commandsSentFrom, HANDLER_CALLS, sentCommands } from './runtime/handler-calls';

describe('handler calls: the table and the source agree', () => {
  test.each([...HANDLERS])('%s: every SDK command its code sends is in the table, with an IAM action, and the table lists nothing the code does not send', (handler) => {
    // given the handler's source and everything it imports from the repository
    const sent = sentCommands(handler).map((c) => `${c.sdk} ${c.command}`);
    // when compared with the table
    const table = HANDLER_CALLS[handler].map((c) => `${c.sdk} ${c.command}`);
    // then both name the same commands, and each table entry names an action of the command's service
    expect([...new Set(sent)].sort()).toEqual([...new Set(table)].sort());
    for (const call of HANDLER_CALLS[handler]) expect(call.action).toMatch(/^(dynamodb|secretsmanager|states|sns|s3):[A-Z][A-Za-z]+$/);
  });
});

const cases: [string, () => Manifest][] = [
  ['example organisation', exampleManifest],
  ['another organisation', () => parseManifest(otherOrganisation())],
];

/** Other things a principal could try on a resource of each kind (ARN service and resource type). */
const OTHER_ACTIONS: [RegExp, string[]][] = [
  [/^arn:aws:dynamodb:.*:table\//, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchWriteItem']],
  [/^arn:aws:secretsmanager:/, ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret', 'secretsmanager:DeleteSecret']],
  [/^arn:aws:states:.*:stateMachine:/, ['states:StartExecution', 'states:StartSyncExecution', 'states:UpdateStateMachine', 'states:DeleteStateMachine']],
  [/^arn:aws:sns:/, ['sns:Publish', 'sns:Subscribe', 'sns:SetTopicAttributes']],
  [/^arn:aws:sqs:/, ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:PurgeQueue']],
  [/^arn:aws:lambda:/, ['lambda:InvokeFunction', 'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:AddPermission']],
  [/^arn:aws:s3:::[^/]+\/.+/, ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:GetObjectVersion', 's3:ReplicateObject']],
  [/^arn:aws:s3:::[^/]+$/, ['s3:ListBucket', 's3:PutBucketPolicy', 's3:GetReplicationConfiguration']],
  [/^arn:aws:logs:.*:log-stream:/, ['logs:CreateLogStream', 'logs:PutLogEvents']],
  [/^arn:aws:logs:[^:]+:\d+:log-group:[^:]+$/, ['logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:DescribeLogStreams']],
  // Keys: any use not made through the service that holds the data.
  [/^arn:aws:kms:/, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:CreateGrant']],
];

describe.each(cases)('run-time permissions — %s', (_label, load) => {
  const m = load();
  const s = synthManifest(m);
  const ix = new TfIndex(s);
  const ev = new RuntimeEvaluator(ix, m);
  const stacks = s.specs.filter((spec) => spec.name.startsWith('payments-')).map((spec) => spec.name);
  // Every stack's run-time calls: the payments stacks', and the services' in the shared accounts (log archive).
  const table = new Map<string, RuntimeCall[]>(s.specs.map((spec) => [spec.name, runtimeCalls(ix, spec.name)]));
  const all = [...table.values()].flat();

  test('every role a payments stack creates is a principal of the run-time table (a new role cannot slip past)', () => {
    // given every role the payments stacks synthesize
    const roles = stacks.flatMap((st) => ix.find('aws_iam_role', st).map((r) => ix.attribute(r, 'arn')));
    // when the table's principals are collected
    const principals = new Set(all.flatMap((c) => (c.principal.kind === 'role' ? [c.principal.arn] : [])));
    // then each role makes calls in the table
    expect(roles.filter((r) => !principals.has(r))).toEqual([]);
    expect(roles.length).toBeGreaterThan(0);
  });

  test('the table holds every kind of run-time call: each function, the state machine, replication into both destinations, alarms, events, the API, log encryption and access logs', () => {
    // given the primary stack of a workload with replica regions
    const w = m.workloads.find((x) => x.replicaRegions.length > 0)!;
    const calls = table.get(`payments-${w.name}-${w.primaryRegion}`)!;
    const laCalls = table.get(`log-archive-${m.logArchive.region}`)!;
    const has = (pred: (c: RuntimeCall) => boolean) => calls.some(pred);
    const svc = (name: string, action: string) => has((c) => c.principal.kind === 'service' && c.principal.service === name && c.action === action);
    // then each source of calls contributed its rows
    for (const handler of HANDLERS) expect([handler, has((c) => c.origin.includes(`(${handler})`) && c.action === 'logs:PutLogEvents')]).toEqual([handler, true]);
    expect(has((c) => c.origin.includes('Task Charge') && c.action === 'lambda:InvokeFunction')).toBe(true);
    expect(has((c) => c.origin.includes('Task Archive') && c.action === 'kms:GenerateDataKey')).toBe(true);
    for (const region of w.replicaRegions) expect(has((c) => c.action === 's3:ReplicateObject' && c.resource.includes(`-${w.accountId}-${region}/`))).toBe(true);
    expect(has((c) => c.action === 's3:ObjectOwnerOverrideToBucketOwner' && c.resource.includes(`-${m.logArchive.accountId}-${m.logArchive.region}/`))).toBe(true);
    expect(
      svc('cloudwatch.amazonaws.com', 'sns:Publish') &&
        svc('events.amazonaws.com', 'sqs:SendMessage') &&
        svc('events.amazonaws.com', 'lambda:InvokeFunction') &&
        svc('apigateway.amazonaws.com', 'lambda:InvokeFunction'),
    ).toBe(true);
    expect(svc(`logs.${w.primaryRegion}.amazonaws.com`, 'kms:GenerateDataKey')).toBe(true);
    expect(svc('logging.s3.amazonaws.com', 's3:PutObject') && laCalls.some((c) => c.action === 's3:PutObject')).toBe(true);
  });

  test('every call in the table is allowed: identity policy, the boundary the role carries, and the policy on the other side', async () => {
    // given the table of every payments stack
    const denied: string[] = [];
    // when each call is evaluated as AWS would, in the account that owns the resource
    for (const [stack, calls] of table) {
      for (const call of calls) {
        const v = await ev.evaluate(call);
        if (v.decision !== 'Allowed') denied.push(`${stack}: ${describeVerdict(v)}`);
      }
    }
    // then nothing is denied
    expect(denied).toEqual([]);
  });

  test("the account's permissions boundary allows every call of every role a deploy creates", async () => {
    // given the boundary the deploy role of each workload account carries (and every role it creates must carry)
    const denied: string[] = [];
    // when each role's calls are evaluated with that boundary
    for (const [stack, calls] of table) {
      for (const call of calls.filter((c) => c.principal.kind === 'role')) {
        const v = await ev.evaluate(call, { boundary: 'account' });
        if (v.boundary !== 'Allowed') denied.push(`${stack}: ${describeVerdict(v)}`);
      }
    }
    // then the boundary never is what denies
    expect(denied).toEqual([]);
  });

  test("no role can make a call outside its table on any resource the table names (other functions' data, the secret, keys used directly)", async () => {
    // given, per stack, the roles of the table and every resource it names
    const allowed: string[] = [];
    for (const [stack, calls] of table) {
      const roles = [...new Map(calls.flatMap((c) => (c.principal.kind === 'role' ? [[c.principal.arn, c.principal] as const] : []))).values()];
      const resources = [...new Set(calls.map((c) => c.resource).filter((r) => r !== '*'))];
      // An object call stands for every object of its bucket (the table writes one sample key per call).
      const sameResource = (arn: string) => arn.replace(/^(arn:aws:s3:::[^/]+)\/.+$/, '$1/*');
      const own = new Set(calls.map((c) => `${c.principal.kind === 'role' ? c.principal.arn : ''} ${c.action} ${sameResource(c.resource)}`));
      // when each role tries every other action on each of them (keys: directly, not through a service)
      for (const principal of roles) {
        for (const resource of resources) {
          const actions = OTHER_ACTIONS.find(([re]) => re.test(resource))?.[1];
          if (!actions) throw new Error(`no other actions listed for ${resource}`);
          for (const action of actions) {
            const direct = resource.startsWith('arn:aws:kms:');
            if (!direct && own.has(`${principal.arn} ${action} ${sameResource(resource)}`)) continue;
            const v = await ev.evaluate({ principal, action, resource, context: {}, origin: `${stack}: not in the table` });
            if (v.decision === 'Allowed') allowed.push(`${stack}: ${describeVerdict(v)}`);
          }
        }
      }
    }
    // then none is allowed
    expect(allowed).toEqual([]);
  });

  test("a key use bound to an encryption context is denied under another context (another bucket, another account's log group)", async () => {
    // given the allowed key uses whose grants bind the encryption context: the replication role's own
    // policy (bucket ARNs) and the data key's grant to CloudWatch Logs (this account's log groups)
    const bound = all.filter((c) => c.action.startsWith('kms:') && (c.origin.startsWith('S3 replication') || (c.principal.kind === 'service' && c.principal.service.startsWith('logs.'))));
    expect(bound.length).toBeGreaterThan(0);
    const allowed: string[] = [];
    let checked = 0;
    for (const call of bound) {
      if ((await ev.evaluate(call)).decision !== 'Allowed') continue;
      checked++;
      // when the same call carries another resource's context
      const context = { ...call.context };
      if (context['kms:EncryptionContext:aws:s3:arn']) context['kms:EncryptionContext:aws:s3:arn'] = 'arn:aws:s3:::someone-elses-bucket';
      if (context['kms:EncryptionContext:aws:logs:arn']) context['kms:EncryptionContext:aws:logs:arn'] = String(context['kms:EncryptionContext:aws:logs:arn']).replace(/:\d{12}:/, ':999999999999:');
      const v = await ev.evaluate({ ...call, context });
      if (v.decision === 'Allowed') allowed.push(describeVerdict(v));
    }
    // then it is denied
    expect(checked).toBeGreaterThan(0);
    expect(allowed).toEqual([]);
  });

  test('a service gets in only from its own source: the same call from another account is denied', async () => {
    // given every service call of the table whose policy checks where it comes from
    const allowed: string[] = [];
    for (const [stack, calls] of table) {
      for (const call of calls.filter((c) => c.principal.kind === 'service' && (c.context['aws:SourceArn'] || c.context['aws:SourceAccount']))) {
        // when it comes from another account
        const stranger = '999999999999';
        const context = {
          ...call.context,
          'aws:SourceAccount': stranger,
          ...(call.context['aws:SourceArn'] ? { 'aws:SourceArn': String(call.context['aws:SourceArn']).replace(/:\d{12}:/, `:${stranger}:`) } : {}),
        };
        const v = await ev.evaluate({ ...call, context });
        if (v.decision === 'Allowed') allowed.push(`${stack}: ${describeVerdict(v)}`);
      }
    }
    // then it is denied
    expect(allowed).toEqual([]);
  });
});

describe('the source scanner sees every way a handler reaches AWS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scanner-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (files: Record<string, string>) => {
    const root = mkdtempSync(join(dir, 'h-'));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(root, name, '..'), { recursive: true });
      writeFileSync(join(root, name), text);
    }
    return join(root, 'index.ts');
  };

  test('commands sent from the entry and from a file it imports, and a calling library, are all found', () => {
    // given a handler that queries, and imports a helper that deletes, and an idempotency persistence layer
    const entry = write({
      'index.ts':
        "import { QueryCommand } from '@aws-sdk/lib-dynamodb';\nimport { remove } from './helper';\nimport { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';\nexport const h = async (doc: any) => { await doc.send(new QueryCommand({})); await remove(doc); return new DynamoDBPersistenceLayer({ tableName: 't' }); };\n",
      'helper.ts': "import { DeleteCommand } from '@aws-sdk/lib-dynamodb';\nexport const remove = (doc: any) => doc.send(new DeleteCommand({}));\n",
    });
    // when scanned
    const found = commandsSentFrom(entry)
      .map((c) => `${c.sdk} ${c.command}`)
      .sort();
    // then every one is reported
    expect(found).toEqual(['@aws-lambda-powertools/idempotency/dynamodb DynamoDBPersistenceLayer', '@aws-sdk/lib-dynamodb DeleteCommand', '@aws-sdk/lib-dynamodb QueryCommand']);
  });

  test('an aggregated client or an unknown AWS-calling package stops the scan by name', () => {
    // given handlers that reach AWS without a command the scanner can read
    const aggregated = write({ 'index.ts': "import { DynamoDB } from '@aws-sdk/client-dynamodb';\nexport const h = () => new DynamoDB({}).getItem({} as any);\n" });
    const unknown = write({ 'index.ts': "import { getSecret } from '@aws-lambda-powertools/parameters/secrets';\nexport const h = () => getSecret('s');\n" });
    // when scanned, then the scan refuses with the import's name
    expect(() => commandsSentFrom(aggregated)).toThrow(/DynamoDB from @aws-sdk\/client-dynamodb/);
    expect(() => commandsSentFrom(unknown)).toThrow(/@aws-lambda-powertools\/parameters\/secrets/);
  });
});
