/**
 * The capacity model of the local run: what AWS would let through, measured on a clock that
 * does not run while this machine is merely busy.
 *
 * Model time. Every handler, every service call and the state machine engine of a local run
 * share one process (one event loop). With k pieces of work in flight while the loop is busy a
 * share u of the time, about k·u of them compete for it at any moment, where in AWS each would
 * run on its own. The model clock therefore advances by dt / max(1, k·u) (u measured over the
 * last ~20 ms with Node's event-loop utilisation): a task's duration on it is about its own work,
 * the time it would have taken alone; work that only waits (a timer, a socket) while the
 * machine idles is not slowed down. Nor does it run while the loop is busy but this thread is
 * not given the processor (another process, or the virtual machine's host, took it): of the
 * wall time, only the time the loop was idle and the time this thread ran (its own CPU time)
 * count. So time a handler spent blocked in a synchronous call (neither idle nor running)
 * would not count either; the handlers make none. Task
 * timeouts, retry waits, the execution timeout, token buckets and fault windows are all
 * measured on it, so a load that only slows this machine down moves every clock of the run
 * alike, and nothing times out for it.
 *
 * Lambda concurrency. Each function with reserved concurrency has that many slots, the others
 * share the account's unreserved rest (default 1,000 a region); an invocation that finds no
 * slot is answered `TooManyRequestsException` at once, as Lambda answers a synchronous invoke,
 * and the caller's retry policy decides what happens next.
 *
 * Token buckets. Step Functions' StartExecution and the API's throttles refill on the model clock.
 */

/** Processor sharing on one clock: see the file comment. */
export class ModelClock {
  private anchorWall = performance.now();
  private anchorIdle = loopIdleMs();
  private anchorCpu = threadCpuMs();
  /**
   * Idle and CPU time the last window counted beyond its wall time, carried into the next (at
   * most `CARRY_MS`): CPU time is accounted in scheduler ticks, so some of one window's arrives
   * in the next, and would otherwise be lost.
   */
  private carried = 0;
  private anchorModel = 0;
  private inFlight = 0;
  /** Pending sleeps, a binary min-heap on `at`; a cancelled one stays until it comes up. */
  private readonly timers: Timer[] = [];
  private ticker?: ReturnType<typeof setInterval>;
  /** Sleeps neither fired nor cancelled. */
  private live = 0;
  /** The event loop's busy share over the last sample, and where that sample began. */
  private utilization = 1;
  private eluMark = performance.eventLoopUtilization();
  private ticks = 0;

  /** Model milliseconds since the clock started. */
  now(): number {
    return this.at(this.reading()).model;
  }

  private reading(): Reading {
    return { wall: performance.now(), idle: loopIdleMs(), cpu: threadCpuMs() };
  }

  /**
   * Model time at reading `r`: the wall time since the anchor, except busy time this thread did
   * not run (the idle time plus the CPU time since the anchor, if less). Both terms only grow,
   * so the clock never runs backwards.
   */
  private at(r: Reading): { model: number; surplus: number } {
    const wall = r.wall - this.anchorWall;
    const counted = r.idle - this.anchorIdle + (r.cpu - this.anchorCpu) + this.carried;
    return { model: this.anchorModel + Math.min(wall, counted) / Math.max(1, this.inFlight * this.utilization), surplus: counted - wall };
  }

  /** Pieces of work in flight now (the k of dt/k). */
  get busy(): number {
    return this.inFlight;
  }

  private reanchor(): void {
    const r = this.reading();
    const { model, surplus } = this.at(r);
    this.anchorModel = model;
    this.carried = Math.min(CARRY_MS, Math.max(0, surplus));
    this.anchorWall = r.wall;
    this.anchorIdle = r.idle;
    this.anchorCpu = r.cpu;
  }

  /** Runs `fn` as one piece of work: the clock slows down while it is in flight. */
  async work<T>(fn: () => Promise<T>): Promise<T> {
    this.reanchor();
    this.inFlight++;
    this.ticker ??= setInterval(() => this.tick(), 2);
    try {
      return await fn();
    } finally {
      this.reanchor();
      this.inFlight--;
      if (this.inFlight === 0 && this.live === 0) this.idle();
    }
  }

  /** Resolves once `ms` model milliseconds have passed (at once for ms <= 0). */
  sleep(ms: number): Promise<void> {
    return this.timer(ms).done;
  }

  /** A sleep that can be called off (a task's timeout once the task has answered). */
  timer(ms: number): { done: Promise<void>; cancel: () => void } {
    if (!(ms > 0)) return { done: Promise.resolve(), cancel: () => undefined };
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const t: Timer = { at: this.now() + ms, resolve, cancelled: false };
    this.push(t);
    this.live++;
    this.ticker ??= setInterval(() => this.tick(), 2);
    return {
      done,
      cancel: () => {
        if (t.cancelled) return;
        t.cancelled = true;
        if (--this.live === 0 && this.inFlight === 0) this.idle();
      },
    };
  }

  private push(t: Timer): void {
    const h = this.timers;
    h.push(t);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.at <= h[i]!.at) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  private pop(): Timer {
    const h = this.timers;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.at < h[m]!.at) m = l;
        if (r < h.length && h[r]!.at < h[m]!.at) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }

  private tick(): void {
    if (++this.ticks % 10 === 0) {
      const mark = performance.eventLoopUtilization();
      this.reanchor();
      this.utilization = performance.eventLoopUtilization(mark, this.eluMark).utilization;
      this.eluMark = mark;
    }
    const now = this.now();
    while (this.timers.length > 0 && this.timers[0]!.at <= now) {
      const t = this.pop();
      if (t.cancelled) continue;
      t.cancelled = true; // fired: a later cancel() changes nothing
      this.live--;
      t.resolve();
    }
    if (this.live === 0 && this.inFlight === 0) this.idle();
  }

  /** No sleep pending and no work in flight: no ticker keeps the process alive. */
  private idle(): void {
    this.timers.length = 0;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    for (const t of this.timers.splice(0)) if (!t.cancelled) t.resolve();
    this.live = 0;
  }
}

/** What the model clock reads, in milliseconds: the wall clock, the event loop's idle time, this thread's CPU time. */
interface Reading {
  readonly wall: number;
  readonly idle: number;
  readonly cpu: number;
}

/** The most counted time carried from one window into the next: two scheduler ticks at 250 Hz. */
const CARRY_MS = 8;

/** Milliseconds the event loop has waited for something to do since it started (0 before it starts). */
function loopIdleMs(): number {
  return performance.nodeTiming.idleTime;
}

/** Milliseconds of CPU this thread has had (the whole process's before Node 22.19, which cannot tell a thread's). */
function threadCpuMs(): number {
  const usage = typeof process.threadCpuUsage === 'function' ? process.threadCpuUsage() : process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

interface Timer {
  readonly at: number;
  readonly resolve: () => void;
  cancelled: boolean;
}

/** A token bucket on the model clock: `size` tokens, refilled at `perSecond`. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly clock: ModelClock,
    readonly size: number,
    readonly perSecond: number,
  ) {
    this.tokens = size;
    this.last = clock.now();
  }

  /** Takes a token; false when the bucket is empty (the caller is throttled). */
  take(): boolean {
    const now = this.clock.now();
    this.tokens = Math.min(this.size, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Seconds until the next token (for a Retry-After). */
  secondsToNext(): number {
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}

/**
 * Step Functions' StartExecution throttle for Standard workflows (a token bucket per account
 * and region): 1,300 tokens refilled at 300 a second in us-east-1, us-west-2 and eu-west-1,
 * 800 at 150 a second elsewhere (the documented defaults).
 */
export function startExecutionQuota(region: string): { size: number; perSecond: number } {
  return ['us-east-1', 'us-west-2', 'eu-west-1'].includes(region) ? { size: 1300, perSecond: 300 } : { size: 800, perSecond: 150 };
}

export class ThrottledError extends Error {
  constructor(
    name: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = name;
  }
}

/** Lambda's concurrency: reserved pools per function and the account's unreserved pool. */
export class LambdaConcurrency {
  private readonly reserved = new Map<string, { limit: number; inUse: number }>();
  private readonly unreserved: { limit: number; inUse: number };
  /** Invocations answered TooManyRequestsException, per function. */
  readonly throttled = new Map<string, number>();
  /** The most invocations in flight at once, all functions together. */
  peak = 0;
  private inFlight = 0;

  /** @param reservedByFunction the functions' reserved concurrency (the stack's `reserved_concurrent_executions` >= 0) */
  constructor(
    readonly accountLimit: number,
    reservedByFunction: ReadonlyMap<string, number>,
  ) {
    let reservedTotal = 0;
    for (const [fn, limit] of reservedByFunction) {
      this.reserved.set(fn, { limit, inUse: 0 });
      reservedTotal += limit;
    }
    this.unreserved = { limit: Math.max(0, accountLimit - reservedTotal), inUse: 0 };
  }

  limitOf(fn: string): number {
    return (this.reserved.get(fn) ?? this.unreserved).limit;
  }

  /** Runs one invocation of `fn` in a free slot, or throws TooManyRequestsException without running it. */
  async invoke<T>(fn: string, run: () => Promise<T>): Promise<T> {
    const pool = this.reserved.get(fn) ?? this.unreserved;
    if (pool.inUse >= pool.limit) {
      this.throttled.set(fn, (this.throttled.get(fn) ?? 0) + 1);
      throw new ThrottledError('TooManyRequestsException', `Rate Exceeded. (${fn}: ${pool.limit} concurrent executions in use)`);
    }
    pool.inUse++;
    this.peak = Math.max(this.peak, ++this.inFlight);
    try {
      return await run();
    } finally {
      pool.inUse--;
      this.inFlight--;
    }
  }
}

/** Which local services answer with errors, when (model seconds from the start of the run) and how often. */
export interface FaultWindow {
  readonly services: readonly ('dynamodb' | 's3' | 'sns')[];
  /** Model seconds after the window is added (a run adds its windows once it is ready for requests). */
  readonly fromSeconds: number;
  readonly forSeconds: number;
  /** Share of the requests that fail in the window, 0..1. @default 1 */
  readonly rate?: number;
}

export type FaultKind = 'throttle' | 'server';

/** The fault switch: asked by every local service endpoint before it answers. */
export class Faults {
  /** The windows, their start in model seconds of the clock. */
  private windows: (FaultWindow & { startsAt: number })[] = [];
  /** Answers refused by a fault, per service and kind. */
  readonly injected: Record<string, number> = {};
  constructor(private readonly clock: ModelClock) {}

  add(window: FaultWindow): void {
    if (!(window.forSeconds > 0) || !(window.fromSeconds >= 0)) throw new Error('a fault window needs fromSeconds >= 0 and forSeconds > 0');
    if (window.rate !== undefined && !(window.rate > 0 && window.rate <= 1)) throw new Error('a fault rate is a share of requests, more than 0 and at most 1');
    this.windows.push({ ...window, startsAt: this.clock.now() / 1000 + window.fromSeconds });
  }

  /** Ends every window now (an outage that is over). */
  clear(): void {
    this.windows = [];
  }

  /** The model second (of the clock) at which the last window ends (0 when none). */
  get endsAtSeconds(): number {
    return Math.max(0, ...this.windows.map((w) => w.startsAt + w.forSeconds));
  }

  /** Whether this request of `service` fails, and how: throttled or a 5xx, alternately. */
  check(service: 'dynamodb' | 's3' | 'sns'): FaultKind | undefined {
    const s = this.clock.now() / 1000;
    const w = this.windows.find((x) => x.services.includes(service) && s >= x.startsAt && s < x.startsAt + x.forSeconds);
    if (!w || Math.random() >= (w.rate ?? 1)) return undefined;
    const kind: FaultKind = Math.random() < 0.5 ? 'throttle' : 'server';
    const k = `${service}:${kind}`;
    this.injected[k] = (this.injected[k] ?? 0) + 1;
    return kind;
  }
}

/** Parses `dynamodb,s3,sns@<from>+<for>[x<rate>]` (seconds; rate 0..1), the command-line form of a fault window. */
export function parseFaultWindow(spec: string): FaultWindow {
  const m = /^([a-z0-9,]+)@(\d+(?:\.\d+)?)\+(\d+(?:\.\d+)?)(?:x(\d*\.?\d+))?$/.exec(spec);
  if (!m) throw new Error(`fault window ${JSON.stringify(spec)}: expected <services>@<from seconds>+<for seconds>[x<rate>], e.g. dynamodb,s3,sns@2+10x0.5`);
  const services = m[1]!.split(',');
  const unknown = services.filter((s) => !['dynamodb', 's3', 'sns'].includes(s));
  if (unknown.length > 0) throw new Error(`fault window ${JSON.stringify(spec)}: unknown service(s) ${unknown.join(', ')} (dynamodb, s3, sns)`);
  const window = { services: services as FaultWindow['services'], fromSeconds: Number(m[2]), forSeconds: Number(m[3]), rate: m[4] === undefined ? undefined : Number(m[4]) };
  if (!(window.forSeconds > 0)) throw new Error(`fault window ${JSON.stringify(spec)}: the window must last more than 0 seconds`);
  if (window.rate !== undefined && !(window.rate > 0 && window.rate <= 1)) throw new Error(`fault window ${JSON.stringify(spec)}: the rate is a share of requests, more than 0 and at most 1`);
  return window;
}
