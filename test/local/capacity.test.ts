/**
 * The local run's capacity model (tools/local/capacity.ts): the limits AWS enforces, on a
 * clock that a busy machine does not advance, and the synthesized workflow under them.
 */
import { spawn } from 'node:child_process';
import { exampleManifest } from '../support/synth';
import { paymentRequests } from '../support/requests';
import { LambdaConcurrency, ModelClock, parseFaultWindow, startExecutionQuota, TokenBucket } from '../../tools/local/capacity';
import { LocalWorkflow, summarize } from '../../tools/local/local-workflow';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const { key, valid } = paymentRequests('cap');

/** Keeps the CPU busy for `ms`, a millisecond at a time, letting the others run in between. */
async function busy(ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) {
    const until = performance.now() + 1;
    while (performance.now() < until);
    await new Promise((r) => setImmediate(r));
  }
}

describe('the model clock', () => {
  test('given 40 pieces of work sharing this machine, then each one measures about its own work, not the wall time the others took', async () => {
    const clock = new ModelClock();
    const wallStart = performance.now();
    const own = await Promise.all(
      Array.from({ length: 40 }, () =>
        clock.work(async () => {
          const from = clock.now();
          await busy(10);
          return clock.now() - from;
        }),
      ),
    );
    const wall = performance.now() - wallStart;
    expect(wall).toBeGreaterThan(40 * 10 * 0.9); // they really shared the machine
    // each one's own work is ~10 ms; far below the wall time they took together
    for (const ms of own) expect(ms).toBeLessThan(wall / 8);
  });

  test('given a process stopped while its work runs (as when the machine gives the processor to others), then the time it was stopped does not count as its work', async () => {
    // A child process runs one piece of work, from its event loop as a local run does: 600 ms
    // of its own CPU time. It is stopped for 500 ms in the middle; the model time the work
    // measured stays near 600 ms.
    const script = `
      const { ModelClock } = require(${JSON.stringify(require.resolve('../../tools/local/capacity'))});
      const clock = new ModelClock();
      const cpu = () => { const u = typeof process.threadCpuUsage === 'function' ? process.threadCpuUsage() : process.cpuUsage(); return (u.user + u.system) / 1000; };
      setImmediate(() => clock.work(async () => {
        const from = clock.now(), wallFrom = performance.now(), cpuFrom = cpu();
        process.stdout.write('spinning\\n');
        let x = 0;
        while (cpu() - cpuFrom < 600) for (let i = 0; i < 1e5; i++) x += i % 7;
        process.stdout.write(JSON.stringify({ model: clock.now() - from, wall: performance.now() - wallFrom, cpu: cpu() - cpuFrom }) + '\\n');
      }).then(() => clock.stop()));`;
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    const spinning = new Promise<void>((started) => child.stdout.on('data', (chunk: string) => ((out += chunk), out.includes('spinning') && started())));
    const ended = new Promise<number | null>((done) => child.on('close', done));
    await Promise.race([spinning, ended]);
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGCONT');
    expect(await ended).toBe(0);
    const { model, wall, cpu } = JSON.parse(out.split('\n')[1]!) as { model: number; wall: number; cpu: number };
    expect(wall).toBeGreaterThan(cpu + 450); // it really was stopped
    expect(model).toBeGreaterThan(cpu * 0.9); // its own work counts
    expect(model).toBeLessThan(wall - 400); // the stop does not
  });

  test('given pieces of work starting, running and waiting at once, then the model time read never goes back', async () => {
    const clock = new ModelClock();
    let last = clock.now();
    let backwards = 0;
    let reads = 0;
    const read = () => {
      const t = clock.now();
      reads++;
      if (t < last) backwards++;
      last = t;
    };
    const end = performance.now() + 600;
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        clock.work(async () => {
          while (performance.now() < end) {
            const until = performance.now() + 1 + (i % 3);
            while (performance.now() < until) read();
            await new Promise((r) => (i % 2 === 0 ? setImmediate(r) : setTimeout(r, 1)));
            read();
          }
        }),
      ),
    );
    clock.stop();
    expect(reads).toBeGreaterThan(1000);
    expect(backwards).toBe(0);
  });

  test('given nothing in flight, then model time is wall time, and a sleep ends when its model time has passed', async () => {
    const clock = new ModelClock();
    const from = performance.now();
    await clock.sleep(30);
    expect(performance.now() - from).toBeGreaterThanOrEqual(29);
    const t = clock.timer(10_000);
    t.cancel(); // a timeout called off: nothing keeps the process waiting for it
    clock.stop();
  });
});

describe('the limits', () => {
  test("given StartExecution's quota of this region, then the bucket lets its size through at once and refills at its rate", async () => {
    expect(startExecutionQuota('eu-west-1')).toEqual({ size: 1300, perSecond: 300 });
    expect(startExecutionQuota('eu-central-1')).toEqual({ size: 800, perSecond: 150 });
    const clock = new ModelClock();
    const bucket = new TokenBucket(clock, 5, 100);
    expect(Array.from({ length: 6 }, () => bucket.take())).toEqual([true, true, true, true, true, false]);
    expect(bucket.secondsToNext()).toBe(1);
    await clock.sleep(25);
    expect(bucket.take()).toBe(true);
  });

  test('given reserved concurrency for one function, then it has its own slots, the others share the rest, and a full pool answers TooManyRequestsException without running', async () => {
    const c = new LambdaConcurrency(3, new Map([['charge', 1]]));
    expect([c.limitOf('charge'), c.limitOf('fraud')]).toEqual([1, 2]);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const running = [c.invoke('fraud', () => held), c.invoke('fraud', () => held), c.invoke('charge', () => held)];
    let ran = false;
    await expect(
      c.invoke('validate', async () => {
        ran = true;
      }),
    ).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    expect(ran).toBe(false);
    release();
    await Promise.all(running);
    await expect(c.invoke('validate', async () => 'ran')).resolves.toBe('ran');
    expect([c.peak, c.throttled.get('validate')]).toEqual([3, 1]);
  });

  test('a fault window reads from the command line; a wrong one is refused with the form it takes', () => {
    expect(parseFaultWindow('dynamodb,s3@2+10x0.5')).toEqual({ services: ['dynamodb', 's3'], fromSeconds: 2, forSeconds: 10, rate: 0.5 });
    expect(parseFaultWindow('sns@0+1.5')).toEqual({ services: ['sns'], fromSeconds: 0, forSeconds: 1.5, rate: undefined });
    expect(() => parseFaultWindow('sqs@0+1')).toThrow(/unknown service/);
    expect(() => parseFaultWindow('dynamodb@0+0')).toThrow(/more than 0 seconds/);
    expect(() => parseFaultWindow('dynamodb')).toThrow(/<services>@<from seconds>\+<for seconds>/);
  });
});

describe('F-27: the synthesized workflow at the limits', () => {
  test('given more payments at once than the API lets through and than Lambda has slots for, then the API answers 429 with Retry-After, Lambda throttles, and every accepted payment still settles, once, with its archive', async () => {
    const local = await LocalWorkflow.start({ manifest: exampleManifest(), accountConcurrency: 60, waitScale: 0.05 });
    try {
      const requests = Array.from({ length: 120 }, () => ({ idempotencyKey: key('burst'), body: valid() }));
      const started = performance.now();
      const results = await local.simulate(requests);
      // the API's burst is smaller than the load: some requests were shed and sent again
      expect(local.apiAnswers[429]).toBeGreaterThan(0);
      expect(results.some((r) => r.attempts > 1)).toBe(true);
      // Lambda never ran more than its slots, and refused the rest
      expect(local.concurrency.peak).toBeLessThanOrEqual(60);
      expect([...local.concurrency.throttled.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect([...local.executions.values()].some((e) => (e.retries['Lambda.TooManyRequestsException'] ?? 0) > 0)).toBe(true);
      // yet every payment reached the outcome its token calls for
      const summary = summarize(results, performance.now() - started);
      expect(summary.byReason).toEqual({ SETTLED: 120 });
      expect([summary.payments, summary.charges, summary.archived]).toEqual([120, 120, 120]);
      expect(results.every((r) => r.latencyMs !== null && r.latencyMs >= 0)).toBe(true);
    } finally {
      await local.stop();
    }
  }, 120_000);
});
