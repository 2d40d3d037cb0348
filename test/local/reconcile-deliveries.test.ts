/**
 * Reconciliation's part in the local run of the SYNTHESIZED workflow (payments-dev-eu-west-1,
 * example manifest): a payment it decides is delivered (notified, archived) or queued in the
 * re-drive table like the workflow's own, and a run that cannot do that, or runs out of time,
 * fails naming why. The tests share one local run and each looks at its own payments only.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { exampleManifest } from '../support/synth';
import { paymentRequests } from '../support/requests';
import { LocalWorkflow } from '../../tools/local/local-workflow';
import { redrive } from '../../tools/redrive-deliveries';
import type { TaskState } from '../../modules/workflow/asl';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const { key, valid } = paymentRequests('rcd');

let local: LocalWorkflow;
beforeAll(async () => {
  local = await LocalWorkflow.start({ manifest: exampleManifest(), waitScale: 0.01 });
}, 60_000);
afterAll(() => local.stop());

/** Payments whose charge's outcome is unknown (the gateway captured, no answer came): PENDING, for reconciliation. */
async function pendingPayments(...keys: string[]): Promise<string[]> {
  const answers = await Promise.all(keys.map((k) => local.submit(key(k), valid({ paymentMethod: { type: 'card', token: 'tok_capture_no_response' } }))));
  await local.waitForAll();
  const ids = answers.map((a) => a.body.paymentId!);
  for (const id of ids) expect((await local.record(id))?.status).toBe('PENDING');
  return ids;
}

const failureOf = (run: Promise<unknown>) =>
  run.then(
    () => new Error('the run succeeded'),
    (err: unknown) => err as Error,
  );
const redriveTable = () => String((local.definition.States.QueueArchiveRedrive as TaskState).Parameters!.TableName);
const notified = () => local.published.map((p) => JSON.parse(p.Message) as { paymentId: string; status: string });

describe('F-27: deliveries of the payments reconciliation decides', () => {
  test('given a payment that reconciliation decides while S3 and SNS fail longer than the retries, then its notification and archive wait in the re-drive table, and re-driving delivers each once', async () => {
    const [id] = await pendingPayments('late');
    local.faults.add({ services: ['s3', 'sns'], fromSeconds: 0, forSeconds: 3600 });
    expect(await local.reconcile()).toMatchObject({ settled: 1, queued: 2 });
    expect((await local.record(id!))?.status).toBe('SETTLED');
    expect((await local.archivedPayments()).has(id!)).toBe(false);
    // decided, so the next run passes it by: the deliveries are owed from the re-drive table alone
    expect(await local.reconcile()).toMatchObject({ settled: 0, queued: 0 });
    const listed = await redrive({ table: redriveTable(), dryRun: true });
    expect(listed.pending.map((p) => p.deliveryId).sort()).toEqual([`${id}#archive`, `${id}#notify`]);

    local.faults.clear();
    const report = await redrive({ table: redriveTable() });
    expect([report.failed, report.redriven]).toEqual([[], { notify: 1, archive: 1 }]);
    expect((await local.archivedPayments()).has(id!)).toBe(true);
    const bucket = String((local.definition.States.Archive as TaskState).Parameters!.Bucket);
    const obj = await local.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `settlements/${exampleManifest().workloads[0]!.name}/${id}.json` }));
    expect(JSON.parse(await obj.Body!.transformToString())).toMatchObject({ paymentId: id, status: 'SETTLED', amount: 1250 });
    expect(notified().filter((m) => m.paymentId === id)).toEqual([expect.objectContaining({ paymentId: id, status: 'SETTLED' })]);
    expect((await redrive({ table: redriveTable() })).found).toBe(0);
  });

  test('given a reconciliation run that has time for one payment only, then it decides and delivers that one, takes no other, and fails saying it fell behind; the next run decides the rest', async () => {
    const ids = await pendingPayments('time-a', 'time-b');
    // Lambda's context: two minutes left for the scan's first page and the first payment, then the last half minute
    let asked = 0;
    const failure = await failureOf(local.reconcile({ getRemainingTimeInMillis: () => (asked++ < 2 ? 120_000 : 30_000) }));
    const statuses = await Promise.all(ids.map(async (id) => (await local.record(id))?.status));
    expect([...statuses].sort()).toEqual(['PENDING', 'SETTLED']);
    const decided = ids[statuses.indexOf('SETTLED')]!;
    const waiting = ids.find((id) => id !== decided)!;
    expect(failure.message).toMatch(new RegExp(`ran out of time with undecided payments not yet looked at, from ${waiting} on`));
    expect(
      notified()
        .filter((m) => ids.includes(m.paymentId))
        .map((m) => m.paymentId),
    ).toEqual([decided]);
    const archived = await local.archivedPayments();
    expect([archived.has(decided), archived.has(waiting)]).toEqual([true, false]);
    expect(await local.reconcile({ getRemainingTimeInMillis: () => 120_000 })).toMatchObject({ settled: 1 });
    expect((await local.record(waiting))?.status).toBe('SETTLED');
  });

  // Last: it takes the re-drive table away.
  test('given a decided payment whose deliveries fail and cannot be queued either (no re-drive table), then the reconciliation run fails naming them, after the other payments had their turn', async () => {
    const ids = await pendingPayments('lost-a', 'lost-b');
    const ddb = new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      await ddb.send(new DeleteTableCommand({ TableName: redriveTable() }));
    } finally {
      ddb.destroy();
    }
    local.faults.add({ services: ['sns'], fromSeconds: 0, forSeconds: 3600 });
    const failure = await failureOf(local.reconcile());
    expect(failure.message).toMatch(/neither sent nor queued for re-drive/);
    for (const id of ids) expect(failure.message).toContain(`${id}#notify`);
    expect(failure.message).not.toContain('#archive');
    for (const id of ids) expect((await local.record(id))?.status).toBe('SETTLED');
    // the archives, whose sends did not fail, were written all the same
    const archived = await local.archivedPayments();
    expect(ids.filter((id) => !archived.has(id))).toEqual([]);
  });
});
