/**
 * The command-line tools of the load test and the re-drive: strict arguments, and `npm run
 * redrive` end to end against the local run of the synthesized stack (its SDK clients reach the
 * local services through the `AWS_ENDPOINT_URL_<SERVICE>` variables the local run sets).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { exampleManifest } from '../support/synth';
import { paymentRequests } from '../support/requests';
import { LocalWorkflow } from '../../tools/local/local-workflow';
import { toolArgs } from '../support/tool-launcher';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const ROOT = resolve(__dirname, '../..');
const { key, valid } = paymentRequests('cli');

/** Runs a tool as `npm run` does (test/support/tool-launcher.ts), without blocking this process (the local services run in it). */
function run(tool: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, toolArgs(tool, args), { cwd: ROOT, env: { ...process.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

describe('strict arguments', () => {
  test.each([
    ['tools/bench-workflow.ts', ['--bogus']],
    ['tools/bench-workflow.ts', ['--payments', '0']],
    ['tools/bench-workflow.ts', ['--fault', 'sqs@0+1']],
    ['tools/simulate.ts', ['--input', 'tools/examples/payments.json', '--fault', 'dynamodb@0+0']],
    ['tools/redrive.ts', ['--workload', 'dev']],
    ['tools/redrive.ts', ['--workload', 'dev', '--region', 'eu-west-1', '--bogus']],
  ])(
    'given %s %j, then it prints its usage and exits 2',
    async (tool, args) => {
      const r = await run(tool, args);
      expect([r.status, r.stdout]).toEqual([2, '']);
      expect(r.stderr).toMatch(/usage: npm run /);
    },
    60_000,
  );
});

describe('npm run redrive', () => {
  test('given settled payments whose deliveries outlasted an S3 and SNS outage, when an operator re-drives, then each is archived and notified and the table is empty; a second run finds nothing', async () => {
    const local = await LocalWorkflow.start({ manifest: exampleManifest(), waitScale: 0.01, faults: [{ services: ['s3', 'sns'], fromSeconds: 0, forSeconds: 3600 }] });
    try {
      const answers = await Promise.all([local.submit(key('cli'), valid()), local.submit(key('cli'), valid())]);
      await local.waitForAll();
      const ids = answers.map((a) => a.body.paymentId!);
      local.faults.clear();
      const region = exampleManifest().workloads[0]!.primaryRegion;
      const workload = exampleManifest().workloads[0]!.name;
      const dry = await run('tools/redrive.ts', ['--workload', workload, '--region', region, '--dry-run']);
      expect(dry.status).toBe(0);
      expect((JSON.parse(dry.stdout) as { pending: { deliveryId: string }[] }).pending.map((p) => p.deliveryId).sort()).toEqual(ids.flatMap((id) => [`${id}#archive`, `${id}#notify`]).sort());
      expect(await local.archivedPayments()).toEqual(new Set());

      const first = await run('tools/redrive.ts', ['--workload', workload, '--region', region]);
      expect([first.status, JSON.parse(first.stdout).redriven, JSON.parse(first.stdout).failed]).toEqual([0, { notify: 2, archive: 2 }, []]);
      expect(first.stderr.trim().split('\n')).toHaveLength(1); // one summary line
      expect(await local.archivedPayments()).toEqual(new Set(ids));
      expect(new Set(local.published.map((p) => (JSON.parse(p.Message) as { paymentId: string }).paymentId))).toEqual(new Set(ids));

      const second = await run('tools/redrive.ts', ['--workload', workload, '--region', region]);
      expect([second.status, JSON.parse(second.stdout).found]).toEqual([0, 0]);
    } finally {
      await local.stop();
    }
  }, 180_000);
});
