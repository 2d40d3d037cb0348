/**
 * Fault windows in the local run of the SYNTHESIZED workflow (payments-dev-eu-west-1, example
 * manifest): DynamoDB, S3 and SNS answer throttling and internal errors for a while, on the
 * wire, to the functions' SDK clients and to the state machine's own service calls alike.
 * Retry waits run at a fraction of their length (`waitScale`), on the local run's model clock.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { exampleManifest } from '../support/synth';
import { paymentRequests } from '../support/requests';
import { LocalWorkflow } from '../../tools/local/local-workflow';
import { redrive } from '../../tools/redrive-deliveries';
import type { TaskState } from '../../modules/workflow/asl';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const { key, valid } = paymentRequests('flt');

describe('F-27: faults for a window during a load', () => {
  test('given DynamoDB, S3 and SNS refusing half their requests for a window during a load, then no payment is lost or charged twice, and once the faults end every settled payment is archived', async () => {
    const local = await LocalWorkflow.start({
      manifest: exampleManifest(),
      waitScale: 0.2,
      faults: [{ services: ['dynamodb', 's3', 'sns'], fromSeconds: 0, forSeconds: 4, rate: 0.5 }],
    });
    try {
      const requests = Array.from({ length: 12 }, () => ({ idempotencyKey: key('window'), body: valid() }));
      const results = await local.simulate(requests);
      // the window refused requests of every service, throttled and failed alike
      const refused = Object.keys(local.faults.injected).map((k) => k.split(':') as [string, string]);
      expect(new Set(refused.map(([service]) => service))).toEqual(new Set(['dynamodb', 's3', 'sns']));
      expect(new Set(refused.map(([, kind]) => kind))).toEqual(new Set(['throttle', 'server']));
      expect([...local.executions.values()].some((e) => Object.keys(e.retries).length > 0)).toBe(true);
      // every request became one payment (resent with its key where the API failed), each decided
      expect(results.map((r) => r.statusCode)).toEqual(requests.map(() => 202));
      expect(new Set(results.map((r) => r.paymentId)).size).toBe(requests.length);
      for (const r of results) {
        expect([r.status, r.charges]).toEqual(r.status === 'SETTLED' ? ['SETTLED', 1] : ['FAILED', 0]);
      }
      // a delivery that outlasted its retries waits in the re-drive table; re-driven, every settled payment has its archive
      const report = await redrive({ table: String((local.definition.States.QueueArchiveRedrive as TaskState).Parameters!.TableName) });
      expect(report.failed).toEqual([]);
      const settled = results.filter((r) => r.status === 'SETTLED').map((r) => r.paymentId!);
      expect(settled.length).toBeGreaterThan(0);
      const archived = await local.archivedPayments();
      expect(settled.filter((id) => !archived.has(id))).toEqual([]);
      const notified = new Set(local.published.map((p) => (JSON.parse(p.Message) as { paymentId: string }).paymentId));
      expect(settled.filter((id) => !notified.has(id))).toEqual([]);
    } finally {
      await local.stop();
    }
  }, 120_000);

  test('given S3 and SNS failing longer than the retries, then the settled payments wait in the re-drive table; re-driving archives and notifies each once, and a second run finds nothing', async () => {
    const local = await LocalWorkflow.start({ manifest: exampleManifest(), waitScale: 0.01, faults: [{ services: ['s3', 'sns'], fromSeconds: 0, forSeconds: 3600 }] });
    try {
      const answers = await Promise.all(Array.from({ length: 4 }, () => local.submit(key('outage'), valid())));
      await local.waitForAll();
      const ids = answers.map((a) => a.body.paymentId!);
      for (const id of ids) {
        expect((await local.record(id))?.status).toBe('SETTLED');
        // the execution did its part: the deliveries are queued, not lost with a failed execution
        expect([local.executions.get(id)!.status, local.executions.get(id)!.path.slice(-2)]).toEqual(['SUCCEEDED', ['Archive', 'QueueArchiveRedrive']]);
      }
      expect(await local.archivedPayments()).toEqual(new Set());
      const table = String((local.definition.States.QueueArchiveRedrive as TaskState).Parameters!.TableName);

      local.faults.clear(); // the outage is over
      const listed = await redrive({ table, dryRun: true });
      expect(listed.pending.map((p) => p.deliveryId).sort()).toEqual(ids.flatMap((id) => [`${id}#archive`, `${id}#notify`]).sort());
      // two operators at once: each delivery still lands once per run at most, and the table empties
      const [a, b] = await Promise.all([redrive({ table }), redrive({ table })]);
      expect([...a.failed, ...b.failed]).toEqual([]);
      expect(await local.archivedPayments()).toEqual(new Set(ids));
      const bucket = String((local.definition.States.Archive as TaskState).Parameters!.Bucket);
      const workload = exampleManifest().workloads[0]!.name;
      for (const id of ids) {
        const obj = await local.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `settlements/${workload}/${id}.json` }));
        expect(JSON.parse(await obj.Body!.transformToString())).toMatchObject({ paymentId: id, status: 'SETTLED', amount: 1250 });
      }
      const notes = local.published.map((p) => JSON.parse(p.Message) as { paymentId: string; status: string }).filter((m) => ids.includes(m.paymentId));
      expect(new Set(notes.map((n) => n.paymentId))).toEqual(new Set(ids));
      expect(notes.every((n) => n.status === 'SETTLED')).toBe(true);
      const again = await redrive({ table });
      expect([again.found, again.redriven]).toEqual([0, { notify: 0, archive: 0 }]);
    } finally {
      await local.stop();
    }
  }, 120_000);

  test('given a payment that reconciliation decides while S3 and SNS fail longer than the retries, then its notification and archive wait in the re-drive table, and re-driving delivers each once', async () => {
    const local = await LocalWorkflow.start({ manifest: exampleManifest(), waitScale: 0.01 });
    try {
      const answer = await local.submit(key('late'), valid({ paymentMethod: { type: 'card', token: 'tok_capture_no_response' } }));
      await local.waitForAll();
      const id = answer.body.paymentId!;
      expect((await local.record(id))?.status).toBe('PENDING');

      local.faults.add({ services: ['s3', 'sns'], fromSeconds: 0, forSeconds: 3600 });
      expect(await local.reconcile()).toMatchObject({ settled: 1, queued: 2 });
      expect((await local.record(id))?.status).toBe('SETTLED');
      expect(await local.archivedPayments()).toEqual(new Set());
      // decided, so the next run passes it by: the deliveries are owed from the re-drive table alone
      expect(await local.reconcile()).toMatchObject({ settled: 0, queued: 0 });
      const table = String((local.definition.States.QueueArchiveRedrive as TaskState).Parameters!.TableName);
      const listed = await redrive({ table, dryRun: true });
      expect(listed.pending.map((p) => p.deliveryId).sort()).toEqual([`${id}#archive`, `${id}#notify`]);

      local.faults.clear();
      const report = await redrive({ table });
      expect([report.failed, report.redriven]).toEqual([[], { notify: 1, archive: 1 }]);
      expect(await local.archivedPayments()).toEqual(new Set([id]));
      const bucket = String((local.definition.States.Archive as TaskState).Parameters!.Bucket);
      const obj = await local.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `settlements/${exampleManifest().workloads[0]!.name}/${id}.json` }));
      expect(JSON.parse(await obj.Body!.transformToString())).toMatchObject({ paymentId: id, status: 'SETTLED', amount: 1250 });
      const notes = local.published.map((p) => JSON.parse(p.Message) as { paymentId: string; status: string }).filter((m) => m.paymentId === id);
      expect(notes).toEqual([expect.objectContaining({ paymentId: id, status: 'SETTLED' })]);
      expect((await redrive({ table })).found).toBe(0);
    } finally {
      await local.stop();
    }
  }, 120_000);

  test('given a decided payment whose deliveries fail and cannot be queued either (no re-drive table), then the reconciliation run fails naming them, after the other payments had their turn', async () => {
    const local = await LocalWorkflow.start({ manifest: exampleManifest(), waitScale: 0.01 });
    try {
      const answers = await Promise.all([key('lost-a'), key('lost-b')].map((k) => local.submit(k, valid({ paymentMethod: { type: 'card', token: 'tok_capture_no_response' } }))));
      await local.waitForAll();
      const ids = answers.map((a) => a.body.paymentId!);
      const table = String((local.definition.States.QueueArchiveRedrive as TaskState).Parameters!.TableName);
      const ddb = new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      try {
        await ddb.send(new DeleteTableCommand({ TableName: table }));
      } finally {
        ddb.destroy();
      }
      local.faults.add({ services: ['sns'], fromSeconds: 0, forSeconds: 3600 });
      const failure = await local.reconcile().then(
        () => new Error('the run succeeded'),
        (err: unknown) => err as Error,
      );
      expect(failure.message).toMatch(/neither sent nor queued for re-drive/);
      for (const id of ids) expect(failure.message).toContain(`${id}#notify`);
      expect(failure.message).not.toContain('#archive');
      for (const id of ids) expect((await local.record(id))?.status).toBe('SETTLED');
      // the archives, whose sends did not fail, were written all the same
      expect(await local.archivedPayments()).toEqual(new Set(ids));
    } finally {
      await local.stop();
    }
  }, 120_000);

  test('given a reconciliation run that has time for one payment only, then it decides and delivers that one, takes no other, and fails saying it fell behind; the next run decides the rest', async () => {
    const local = await LocalWorkflow.start({ manifest: exampleManifest(), waitScale: 0.01 });
    try {
      const answers = await Promise.all([key('time-a'), key('time-b')].map((k) => local.submit(k, valid({ paymentMethod: { type: 'card', token: 'tok_capture_no_response' } }))));
      await local.waitForAll();
      const ids = answers.map((a) => a.body.paymentId!);
      // Lambda's context: two minutes left for the scan's first page and the first payment, then the last half minute
      let asked = 0;
      const failure = await local.reconcile({ getRemainingTimeInMillis: () => (asked++ < 2 ? 120_000 : 30_000) }).then(
        () => new Error('the run succeeded'),
        (err: unknown) => err as Error,
      );
      const statuses = await Promise.all(ids.map(async (id) => (await local.record(id))?.status));
      expect([...statuses].sort()).toEqual(['PENDING', 'SETTLED']);
      const decided = ids[statuses.indexOf('SETTLED')]!;
      const waiting = ids.find((id) => id !== decided)!;
      expect(failure.message).toMatch(new RegExp(`ran out of time with undecided payments not yet looked at, from ${waiting} on`));
      expect(local.published.map((p) => (JSON.parse(p.Message) as { paymentId: string }).paymentId)).toEqual([decided]);
      expect(await local.archivedPayments()).toEqual(new Set([decided]));
      expect(await local.reconcile({ getRemainingTimeInMillis: () => 120_000 })).toMatchObject({ settled: 1 });
      expect((await local.record(waiting))?.status).toBe('SETTLED');
    } finally {
      await local.stop();
    }
  }, 120_000);
});
