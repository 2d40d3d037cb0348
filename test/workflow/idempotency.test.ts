/**
 * Idempotency per API client and charge outcomes, through executions of the SYNTHESIZED
 * workflow (tools/local/local-workflow.ts): the submit and status functions are called as
 * API Gateway calls them, as the principal of the client a request names (example manifest,
 * dev workload: clients `default`, `checkout` and `invoicing`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { paymentIdFor, requestFingerprint } from '../../contract/payment';
import { apiClientsOf } from '../../accounts/schema';
import { LocalWorkflow } from '../../tools/local/local-workflow';
import { paymentRequests } from '../support/requests';
import { exampleManifest, parseManifest } from '../support/synth';
import { otherOrganisation } from '../support/manifests';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
let local: LocalWorkflow;
const { key, valid } = paymentRequests('idem');

beforeAll(async () => {
  local = await LocalWorkflow.start({ manifest: exampleManifest() });
}, 60_000);
afterAll(async () => local?.stop());

describe('an idempotency key is unique per client', () => {
  test("given the dev workload, then its clients are the manifest's", () => {
    expect(apiClientsOf(exampleManifest().workloads[0]!).map((c) => c.name)).toEqual(['default', 'checkout', 'invoicing']);
  });

  test('given two clients that send one key, when both are run, then they get two payments, two ids and two charges', async () => {
    const idempotencyKey = key('shared');
    const body = valid();
    const [a, b] = await local.simulate([
      { idempotencyKey, body, client: 'checkout' },
      { idempotencyKey, body, client: 'invoicing' },
    ]);
    expect([a!.client, a!.status, a!.charges, a!.replayed]).toEqual(['checkout', 'SETTLED', 1, false]);
    expect([b!.client, b!.status, b!.charges, b!.replayed]).toEqual(['invoicing', 'SETTLED', 1, false]);
    expect(a!.paymentId).not.toBe(b!.paymentId);
    expect(local.executions.has(a!.paymentId!) && local.executions.has(b!.paymentId!)).toBe(true);
  });

  test('given a payment of one client, when another client reads it, then it gets the 404 of an id that does not exist', async () => {
    const [mine] = await local.simulate([{ idempotencyKey: key('read'), body: valid(), client: 'checkout' }]);
    const own = await local.status(mine!.paymentId!, 'checkout');
    expect(own.statusCode).toBe(200);
    expect(own.body).toMatchObject({ paymentId: mine!.paymentId, status: 'SETTLED' });

    const other = await local.status(mine!.paymentId!, 'invoicing');
    const unknownId = `pay_${'0'.repeat(32)}`;
    const missing = await local.status(unknownId, 'invoicing');
    expect(other.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(other.body.message!.replace(mine!.paymentId!, unknownId)).toBe(missing.body.message);
  });
});

describe('same key, same payload: the original payment', () => {
  test('given a settled payment, when its request is sent again with the fields in another order, then 202 with the same id, Idempotent-Replayed, no new execution and no new charge', async () => {
    const idempotencyKey = key('replay');
    const body = valid();
    const [first] = await local.simulate([{ idempotencyKey, body }]);
    const executions = local.executions.size;
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await local.submit(idempotencyKey, reordered);
    await local.waitForAll();
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toMatchObject({ paymentId: first!.paymentId, status: 'SETTLED' });
    expect(local.executions.size).toBe(executions);
    expect(await local.charges(first!.paymentId!)).toBe(1);
  });
});

describe('same key, different payload: 422 idempotency_key_reused', () => {
  test('given a settled payment, when its key is sent with another amount, then 422, nothing charged and the original untouched', async () => {
    const idempotencyKey = key('reuse');
    const [first] = await local.simulate([{ idempotencyKey, body: valid({ amount: 100 }) }]);
    const before = await local.record(first!.paymentId!);
    const again = await local.submit(idempotencyKey, valid({ amount: 999 }));
    await local.waitForAll();
    expect(again.statusCode).toBe(422);
    expect(again.body).toEqual({ status: 'REJECTED', reason: 'idempotency_key_reused', message: expect.any(String) });
    expect(await local.record(first!.paymentId!)).toEqual(before);
    expect(await local.charges(first!.paymentId!)).toBe(1);
  });

  test('F-08: given 20 different payloads with one key sent at once, then one payment, one execution, one charge and 19 answers 422', async () => {
    const idempotencyKey = key('race');
    const results = await local.simulate(Array.from({ length: 20 }, (_, i) => ({ idempotencyKey, body: valid({ amount: 100 + i }) })));
    const accepted = results.filter((r) => r.statusCode === 202);
    const refused = results.filter((r) => r.statusCode === 422);
    expect(accepted).toHaveLength(1);
    expect(refused).toHaveLength(19);
    expect(refused.every((r) => r.reason === 'idempotency_key_reused' && r.paymentId === null)).toBe(true);
    const paymentId = accepted[0]!.paymentId!;
    expect(accepted[0]!.status).toBe('SETTLED');
    expect([...local.executions.keys()].filter((k) => k === paymentId)).toHaveLength(1);
    expect(await local.charges(paymentId)).toBe(1);
    // the one payment is the payload that won the conditional write
    const winner = results.indexOf(accepted[0]!);
    expect((await local.record(paymentId))?.amount).toBe(100 + winner);
  });
});

describe('a principal that is no client', () => {
  test('given a client name the manifest does not name, when it submits, then 403 before any function runs: no record, no execution', async () => {
    const executions = local.executions.size;
    const [r] = await local.simulate([{ idempotencyKey: key('stranger'), body: valid(), client: 'stranger' }]);
    expect(r).toMatchObject({ client: 'stranger', statusCode: 403, paymentId: null, charges: 0, transitions: 0 });
    expect(local.executions.size).toBe(executions);
  });
});

describe('unknown outcomes are PENDING until reconciliation, never FAILED', () => {
  test('given tok_capture_no_response, when the executions end, then PENDING with one capture; after reconciliation SETTLED, notified and archived', async () => {
    const idempotencyKey = key('noresp');
    const answer = await local.submit(idempotencyKey, valid({ paymentMethod: { type: 'card', token: 'tok_capture_no_response' } }));
    await local.waitForAll();
    const paymentId = answer.body.paymentId!;
    expect(await local.record(paymentId)).toMatchObject({ status: 'PENDING', reason: 'outcome_unknown' });
    expect(local.executions.get(paymentId)!.status).toBe('SUCCEEDED'); // not a failed execution: nothing for the dead-letter queue
    expect(await local.charges(paymentId)).toBe(1);

    await local.reconcile();
    expect(await local.record(paymentId)).toMatchObject({ status: 'SETTLED', reason: 'approved', amount: 1250 });
    expect(await local.charges(paymentId)).toBe(1);
    expect(local.published.map((p) => JSON.parse(p.Message)).filter((m) => m.paymentId === paymentId)).toEqual([expect.objectContaining({ status: 'SETTLED', amount: 1250 })]);
    const bucket = String((local.definition.States.Archive as unknown as { Parameters: { Bucket: string } }).Parameters.Bucket);
    const obj = await local.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `settlements/dev/${paymentId}.json` }));
    expect(JSON.parse(await obj.Body!.transformToString())).toMatchObject({ paymentId, status: 'SETTLED' });
  });

  test('given a gateway that answers 409 to every attempt, then the charge is retried and the payment stays PENDING (the gateway holds nothing yet): nothing charged, never FAILED', async () => {
    const [r] = await local.simulate([{ idempotencyKey: key('busy'), body: valid({ paymentMethod: { type: 'card', token: 'tok_request_in_progress' } }) }]);
    expect([r!.status, r!.reason, r!.charges]).toEqual(['PENDING', 'outcome_unknown', 0]);
    // 2 screening invocations + 4 charge attempts (3 retries)
    expect(r!.lambdaInvocations).toBe(6);
  });

  test('F-03 F-08: given a gateway that answers 5xx to every attempt, then PENDING with nothing captured; once no execution can still run, reconciliation finds nothing under the key and records FAILED not_charged', async () => {
    const [r] = await local.simulate([{ idempotencyKey: key('down'), body: valid({ paymentMethod: { type: 'card', token: 'tok_gateway_down' } }) }]);
    expect([r!.status, r!.reason, r!.charges]).toEqual(['PENDING', 'outcome_unknown', 0]);
    await local.reconcile(); // too early: an execution of the payment could still be running
    expect((await local.record(r!.paymentId!))?.status).toBe('PENDING');
    await backdate(r!.paymentId!, 20);
    await local.reconcile();
    expect(await local.record(r!.paymentId!)).toMatchObject({ status: 'FAILED', reason: 'not_charged' });
    expect(await local.charges(r!.paymentId!)).toBe(0);
  });

  test('given a gateway that captures and answers 201 without a charge id, then PENDING (not FAILED); reconciliation finds the capture and SETTLES it once', async () => {
    const answer = await local.submit(key('201'), valid({ paymentMethod: { type: 'card', token: 'tok_unexpected_success' } }));
    await local.waitForAll();
    const paymentId = answer.body.paymentId!;
    expect(await local.record(paymentId)).toMatchObject({ status: 'PENDING', reason: 'outcome_unknown', errorName: 'GatewayUnexpectedResponseError' });
    expect(await local.charges(paymentId)).toBe(1);
    await local.reconcile();
    expect(await local.record(paymentId)).toMatchObject({ status: 'SETTLED', reason: 'approved', amount: 1250 });
    expect(await local.charges(paymentId)).toBe(1);
  });

  test('given an approval of another amount than was sent, then PENDING, and reconciliation does not record that capture as the payment: it stays PENDING for a person', async () => {
    const [r] = await local.simulate([{ idempotencyKey: key('mismatch'), body: valid({ paymentMethod: { type: 'card', token: 'tok_amount_mismatch' } }) }]);
    expect([r!.status, r!.reason, r!.charges]).toEqual(['PENDING', 'outcome_unknown', 1]);
    expect((await local.record(r!.paymentId!))?.errorName).toBe('GatewayUnexpectedResponseError');
    await backdate(r!.paymentId!, 20);
    await local.reconcile();
    expect((await local.record(r!.paymentId!))?.status).toBe('PENDING');
    expect(local.published.map((p) => JSON.parse(p.Message).paymentId)).not.toContain(r!.paymentId);
  });

  test('given a decline code the adapter does not know, then DECLINED card_declined, not FAILED', async () => {
    const [r] = await local.simulate([{ idempotencyKey: key('dnh'), body: valid({ paymentMethod: { type: 'card', token: 'tok_do_not_honor' } }) }]);
    expect([r!.status, r!.reason, r!.charges]).toEqual(['DECLINED', 'card_declined', 0]);
  });

  test('given an execution stopped after its charge was captured (no answer yet), then the failure handler records PENDING, and reconciliation SETTLED with one charge', async () => {
    const slow = await LocalWorkflow.start({ manifest: exampleManifest(), gatewayTimeoutMs: 5_000 });
    try {
      const answer = await slow.submit(key('abort'), valid({ paymentMethod: { type: 'card', token: 'tok_capture_no_response' } }));
      const paymentId = answer.body.paymentId!;
      for (let i = 0; i < 100 && (await slow.charges(paymentId)) === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect((await slow.record(paymentId))?.status).toBe('CHARGING');
      await slow.abort(paymentId);
      expect(slow.executions.get(paymentId)!.status).toBe('ABORTED');
      expect(await slow.record(paymentId)).toMatchObject({ status: 'PENDING', reason: 'outcome_unknown' });
      await slow.reconcile();
      expect((await slow.record(paymentId))?.status).toBe('SETTLED');
      expect(await slow.charges(paymentId)).toBe(1);
    } finally {
      await slow.stop();
    }
  }, 60_000);
});

/** Moves a payment's timestamps `minutes` into the past, as if that much time had gone by since its execution ended. */
async function backdate(paymentId: string, minutes: number): Promise<void> {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  const table = (local.definition.States.RecordOutcome as unknown as { Parameters: { TableName: string } }).Parameters.TableName;
  const at = new Date(Date.now() - minutes * 60_000).toISOString();
  await doc.send(new UpdateCommand({ TableName: table, Key: { paymentId }, UpdateExpression: 'SET createdAt = :at, updatedAt = :at', ExpressionAttributeValues: { ':at': at } }));
  doc.destroy();
}

describe('reconciliation of payments left behind', () => {
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  /** Writes a payment record as the submit function writes it, as an earlier crash would have left it. */
  async function leftBehind(status: 'RECEIVED' | 'PENDING', body: Record<string, unknown>, age: number): Promise<string> {
    const idempotencyKey = key('behind');
    const paymentId = paymentIdFor('default', idempotencyKey);
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
    const table = (local.definition.States.RecordOutcome as unknown as { Parameters: { TableName: string } }).Parameters.TableName;
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          paymentId,
          kind: 'payment',
          client: 'default',
          idempotencyKey,
          status,
          createdAt: minutesAgo(age),
          updatedAt: minutesAgo(age),
          requestBody: JSON.stringify(body),
          requestHash: requestFingerprint(body),
        },
      }),
    );
    doc.destroy();
    return paymentId;
  }

  test('given a RECEIVED payment whose execution never started (a crash between the write and the start), when reconciliation runs past the execution timeout, then it starts the execution and the payment settles once', async () => {
    const paymentId = await leftBehind('RECEIVED', valid(), 20);
    await local.reconcile();
    await local.waitForAll();
    expect(local.executions.get(paymentId)?.status).toBe('SUCCEEDED');
    expect((await local.record(paymentId))?.status).toBe('SETTLED');
    expect(await local.charges(paymentId)).toBe(1);
  });

  test('given a PENDING payment the gateway holds nothing for, then it stays PENDING while an execution could still run, and is FAILED not_charged after', async () => {
    const recent = await leftBehind('PENDING', valid(), 1);
    const old = await leftBehind('PENDING', valid(), 20);
    await local.reconcile();
    expect((await local.record(recent))?.status).toBe('PENDING');
    expect(await local.record(old)).toMatchObject({ status: 'FAILED', reason: 'not_charged' });
    expect(await local.charges(old)).toBe(0);
  });
});

describe('a replay never charges again, in another region or later', () => {
  const m = parseManifest(otherOrganisation());
  const w = m.workloads.find((x) => x.replicaRegions.length > 0 && x.environment !== 'prod')!;
  let primary: LocalWorkflow;
  let replica: LocalWorkflow;
  beforeAll(async () => {
    primary = await LocalWorkflow.start({ manifest: m, workload: w.name, region: w.primaryRegion });
    replica = await LocalWorkflow.start({ manifest: m, workload: w.name, region: w.replicaRegions[0], shareWith: primary });
  }, 90_000);
  afterAll(async () => {
    await replica?.stop();
    await primary?.stop();
  });

  test('F-08: given one key sent to two regions that share the payments table, then one payment, one execution and one charge', async () => {
    const idempotencyKey = key('regions');
    const body = valid({ currency: w.payments.currencies[0] });
    const [here] = await primary.simulate([{ idempotencyKey, body }]);
    const [there] = await replica.simulate([{ idempotencyKey, body }]);
    expect([here!.status, here!.charges, here!.replayed]).toEqual(['SETTLED', 1, false]);
    expect([there!.status, there!.charges, there!.replayed, there!.paymentId]).toEqual(['SETTLED', 1, true, here!.paymentId]);
    expect(replica.executions.has(here!.paymentId!)).toBe(false);
  });

  test('F-08: given a settled payment, when an execution for it runs in the other region (a reused name, a late start), then its claim fails: no charge, the record untouched', async () => {
    const [done] = await primary.simulate([{ idempotencyKey: key('late'), body: valid({ currency: w.payments.currencies[0] }) }]);
    const paymentId = done!.paymentId!;
    const before = await primary.record(paymentId);
    const input = primary.executions.get(paymentId)!.input;
    const attempts = await primary.gatewayAttempts(paymentId);
    await replica.startExecution({ stateMachineArn: replica.stateMachineArn, name: paymentId, input });
    await replica.waitForAll();
    const late = replica.executions.get(paymentId)!;
    expect(late.status).toBe('SUCCEEDED');
    expect(late.path.slice(-2)).toEqual(['Charge', 'AlreadyClaimed']);
    expect(await primary.gatewayAttempts(paymentId)).toBe(attempts); // the gateway was not even asked
    expect(await primary.charges(paymentId)).toBe(1);
    expect(await replica.record(paymentId)).toEqual(before);
    expect(replica.published.map((p) => JSON.parse(p.Message).paymentId)).not.toContain(paymentId);
  });
});
