/**
 * Fault windows in the local run of the SYNTHESIZED workflow (payments-dev-eu-west-1, example
 * manifest): DynamoDB, S3 and SNS answer throttling and internal errors for a while, on the
 * wire, to the functions' SDK clients and to the state machine's own service calls alike.
 * Retry waits run at a fraction of their length (`waitScale`), on the local run's model clock.
 */
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
});
