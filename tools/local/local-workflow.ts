/**
 * Runs the SYNTHESIZED payment workflow of one payments stack on this machine:
 * - the state machine `definition` is read from the stack's Terraform JSON, its Terraform
 *   references replaced by local ARNs, and executed by aws-local-stepfunctions;
 * - Lambda tasks run the functions' deployed bundles (the zip the stack references,
 *   extracted and `require`d as the runtime does), with the environment the stack gives them;
 * - direct service integrations run the very same call with the task's resolved
 *   Parameters through the real AWS SDK v3 clients: dynamodb:updateItem against dynalite,
 *   aws-sdk:s3:putObject against s3rver; sns:publish is recorded in memory (no local SNS; a
 *   function's Publish reaches the local endpoint and lands in the same list);
 * - requests reach the submit and status functions the way API Gateway passes them on: as the
 *   principal it authenticated (IAM). A simulated request names its API client; the client's
 *   first principal in the manifest stands for the signer, and the SYNTHESIZED resource policy
 *   of the API decides whether it may call at all (403 without any function running if not);
 * - executions are started the way the API starts them: through the submit function,
 *   whose StartExecution reaches a local endpoint that dedupes by execution name like Step
 *   Functions does (same name + same input → the existing execution);
 * - reconciliation (the scheduled function) runs once after the executions have finished;
 * - two regions of one workload can run side by side on one local DynamoDB (`shareWith`): the
 *   payments table is a global table, one table for both; the sandbox gateway's captures are
 *   then shared too, as one card network's are;
 * - failed executions go where the EventBridge rule sends them: an in-memory dead-letter
 *   list and the failure function (F-06);
 * - AWS's capacity limits hold on a model clock that does not run while this machine is merely
 *   busy (tools/local/capacity.ts): Lambda concurrency (1,000 a region, or the functions'
 *   reserved concurrency from the stack) answering TooManyRequestsException, StartExecution's
 *   token bucket, the API's stage and per-client throttles (429), each Task's TimeoutSeconds
 *   and the execution's timeout measured on the task's own work. The local run applies the
 *   definition's Retry itself, on that clock (backoff, cap, full jitter); waits are multiplied
 *   by `waitScale` (default 0: skipped, for small functional runs);
 * - a fault switch makes DynamoDB, S3 and SNS answer throttling and 5xx errors for a window.
 * The functions share this process, and outlive their run in it unless stopped: `stop()` also
 * turns off the async hooks their bundles installed when loaded (X-Ray's context tracking, which
 * the tracer brings, installs one per function that traces). In Lambda those end with the function's
 * execution environment; here they would stay on for everything the process runs next, and
 * slow every promise it makes (a loop of awaits ran 25 times as slowly after one local run).
 * Deviations from the synthesized environment: GATEWAY_TIMEOUT_MS is lowered (default
 * 300 ms) so a lost gateway response costs a moment, not 5 s; and a prod stack's live
 * gateway (the card network, which has no local implementation) is replaced by the
 * sandbox gateway, said on stderr.
 */
import { DynamoDBClient, CreateTableCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsCommand, PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import asyncHooks, { type AsyncHook } from 'node:async_hooks';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { unzipSync } from 'fflate';
import { apiClientsOf, DEFAULT_API_CLIENT, ROLE_ARN_PATTERN, type Manifest } from '../../accounts/schema';
import { tasksOf, type State, type StateMachineDefinition, type TaskState } from '../../modules/workflow/asl';
import { buildApp } from '../../stacks/app';
import { withStacksOnlyForErrors } from '../../stacks/source-maps';
import { planStacks } from '../../stacks/topology';
import { toView, type PaymentRecord, type PaymentView } from '../../contract/records';
import { parsePolicy, type TfJson } from '../../modules/core/terraform-json';
import { OBSERVER_HEADER, startLocalAws, ServiceError, type LocalAws } from './local-aws';
import { Faults, LambdaConcurrency, ModelClock, startExecutionQuota, ThrottledError, TokenBucket, type FaultWindow } from './capacity';

/** Task TimeoutSeconds the engine itself sees: never reached (setTimeout's limit is 2^31-1 ms); the local run times tasks on the model clock. */
const ENGINE_TASK_TIMEOUT_SECONDS = 2_000_000;
/** A client's retries of a request the API shed (429) or failed (5xx), same Idempotency-Key. */
const CLIENT_MAX_ATTEMPTS = 100;
const TERMINAL = new Set(['SETTLED', 'DECLINED', 'REJECTED', 'FAILED']);

/** The sandbox's captures table when a live-gateway (prod) stack runs locally. */
const LOCAL_SANDBOX_TABLE = 'local-sandbox-captures';

/** What a handler may read of Lambda's context object. */
export interface LocalLambdaContext {
  getRemainingTimeInMillis(): number;
}
type Handler = (event: unknown, context?: LocalLambdaContext) => Promise<unknown>;

export interface LocalWorkflowOptions {
  readonly manifest: Manifest;
  /** @default the first workload */
  readonly workload?: string;
  /** @default the workload's primary region */
  readonly region?: string;
  /** The gateway's per-attempt timeout: milliseconds, or `stack` for the stack's own (5 s). @default 300 */
  readonly gatewayTimeoutMs?: number | 'stack';
  /**
   * Function invocations that run on this machine at once; the others holding a Lambda slot
   * wait for their turn. It bounds how much a handler's own wall-clock timers (the gateway
   * timeout) stretch under load; it is no AWS limit. @default 64
   */
  readonly localParallelism?: number;
  /** Another region's local run of the same workload: its local AWS (one DynamoDB: the global table) is shared. */
  readonly shareWith?: LocalWorkflow;
  /** @default 1000 — the account's Lambda concurrency in the region; functions with reserved concurrency (stack) get their own */
  readonly accountConcurrency?: number;
  /**
   * The waits of the definition's Retry are multiplied by this: 1 waits as long as Step
   * Functions would (on the model clock), 0 skips the waits (fine for loads under the limits).
   * A client's wait after a 429 or 5xx is always its Retry-After.
   * @default 0
   */
  readonly waitScale?: number;
  /** Windows in which DynamoDB, S3 and/or SNS answer throttling and 5xx errors (model seconds from when the run is ready). */
  readonly faults?: readonly FaultWindow[];
}

/** One request as `npm run simulate` takes it. */
export interface SimulatedRequest {
  readonly idempotencyKey: string;
  readonly body: unknown;
  /** @default "default" — the API client the request is signed as */
  readonly client?: string;
}

/** What API Gateway passes on of the principal it authenticated (proxy event `requestContext.identity`). */
export interface LocalIdentity {
  readonly userArn: string;
  readonly accountId: string;
}

export interface ExecutionRecord {
  readonly name: string;
  readonly input: string;
  readonly executionArn: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  transitions: number;
  lambdaInvocations: number;
  /** Retries of its Tasks, by error name. */
  readonly retries: Record<string, number>;
  /** Model milliseconds: started, ended, and when a terminal status was written. */
  readonly startedAt: number;
  endedAt?: number;
  decidedAt?: number;
  /** The states entered, in order (Parallel branches interleaved). */
  readonly path: string[];
  error?: string;
  done: Promise<void>;
}

export interface SubmitOutcome {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: { paymentId?: string; status?: string; statusUrl?: string; reason?: string; message?: string };
}

export interface SimulationResult {
  readonly client: string;
  readonly idempotencyKey: string;
  /** The API's answer to the request (202, 400, 403, 422, …). */
  readonly statusCode: number;
  readonly replayed: boolean;
  readonly paymentId: string | null;
  readonly status: string | null;
  readonly reason: string | null;
  readonly charges: number;
  readonly transitions: number;
  readonly lambdaInvocations: number;
  /** Requests the client sent for it (more than 1 when the API shed it or failed: same key each time). */
  readonly attempts: number;
  /** Model milliseconds from the client's first request to the payment's terminal status (null when none). */
  readonly latencyMs: number | null;
  /** Whether its settlement archive exists (SETTLED payments only). */
  readonly archived: boolean;
}

/** Synthesizes the manifest and returns the Terraform JSON (and directory) of one payments stack. */
export function synthPaymentsStack(manifest: Manifest, workloadName?: string, region?: string): { stackName: string; tf: TfJson; stackDir: string; cleanup: () => void } {
  const workload = workloadName === undefined ? manifest.workloads[0] : manifest.workloads.find((w) => w.name === workloadName);
  if (!workload) throw new Error(`no workload ${JSON.stringify(workloadName)} in the manifest (have: ${manifest.workloads.map((w) => w.name).join(', ')})`);
  const r = region ?? workload.primaryRegion;
  if (![workload.primaryRegion, ...workload.replicaRegions].includes(r as never)) throw new Error(`workload ${workload.name} has no region ${r}`);
  const spec = planStacks(manifest).find((s) => s.kind === 'payments' && s.workload === workload.name && s.region === r);
  if (!spec) throw new Error(`no payments stack for ${workload.name} in ${r}`);
  const outdir = mkdtempSync(join(tmpdir(), 'simulate-synth-'));
  // That stack alone (a stack's JSON depends on no other stack object: stacks/parallel-synth.ts), built as `npm run synth` builds it.
  withStacksOnlyForErrors(() => buildApp(manifest, { outdir, only: new Set([spec.name]) }).app.synth());
  const stackDir = join(outdir, 'stacks', spec.name);
  const tf = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as TfJson;
  return { stackName: spec.name, tf, stackDir, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

export class LocalWorkflow {
  readonly executions = new Map<string, ExecutionRecord>();
  readonly published: { TopicArn: string; Message: string; MessageAttributes?: unknown }[] = [];
  readonly deadLetters: { detail: { name: string; status: string; executionArn: string } }[] = [];
  /** What each run of the reconcile function answered. */
  readonly reconciliations: unknown[] = [];
  definition!: StateMachineDefinition;
  stackName!: string;
  private aws!: LocalAws;
  private ownsAws = true;
  /** State machines by ARN, shared by the regions that share one local AWS. */
  private routes = new Map<string, LocalWorkflow>();
  /** Per client: the signer API Gateway reports, and the `aws:PrincipalArn` the resource policy sees. */
  private clients = new Map<string, { identity: LocalIdentity; principalArn: string }>();
  private apiPolicy: { Effect: string; Principal?: unknown; Condition?: Record<string, Record<string, string[]>> }[] = [];
  private handlers = new Map<string, Handler>();
  /** One attempt of each Task state (no retry, no timeout), by state name. */
  private readonly attempts = new Map<string, (input: unknown, execution: ExecutionRecord) => Promise<unknown>>();
  private readonly taskStates = new Map<string, TaskState>();
  /** Task states that invoke a Lambda function (counted per execution). */
  private readonly lambdaStates = new Set<string>();
  private machine!: StateMachine;
  /** The model clock of this machine's run (shared by regions that share a local AWS). */
  clock!: ModelClock;
  faults!: Faults;
  concurrency!: LambdaConcurrency;
  private startBucket!: TokenBucket;
  /** The API's stage throttle and each client's usage-plan throttle (API Gateway, token buckets). */
  private stageBucket?: TokenBucket;
  private readonly clientBuckets = new Map<string, TokenBucket>();
  private throttledResponse: { statusCode: number; headers: Record<string, string> } = { statusCode: 429, headers: {} };
  private waitScale = 0;
  private archive?: { bucket: string; prefix: string };
  /** API answers by status code (429s and 5xx included), for the summary. */
  readonly apiAnswers: Record<number, number> = {};
  stateMachineArn!: string;
  private readonly aborters = new Map<string, () => void>();
  private paymentsTable!: string;
  private countersTable?: string;
  private sandboxTable?: string;
  private topicArn?: string;
  private doc!: DynamoDBDocumentClient;
  private workdir!: string;
  /** The async hooks the functions' bundles installed when loaded (see the file comment). */
  private readonly functionHooks: AsyncHook[] = [];

  /** What process.env held before this run set its variables: restored on stop. */
  private readonly envBefore = new Map<string, string | undefined>();

  /**
   * The handlers read their configuration and the SDK its endpoints from process.env, some of
   * it on every request: a run sets what it needs and gives the previous values back on stop,
   * so a run started and stopped inside another leaves the outer one working.
   */
  private setEnv(vars: Record<string, string>): void {
    for (const [k, v] of Object.entries(vars)) {
      if (!this.envBefore.has(k)) this.envBefore.set(k, process.env[k]);
      process.env[k] = v;
    }
  }

  /** A Lambda handler, invoked under the concurrency limit, on this machine's turn, on the model clock. */
  private invoke(fnName: string, event: unknown, context?: LocalLambdaContext): Promise<unknown> {
    const handler = this.handlers.get(fnName)!;
    return this.concurrency.invoke(fnName, () => this.machineTurn(() => this.clock.work(() => handler(event, context))));
  }

  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private localParallelism = 64;

  /** Runs `fn` once fewer than `localParallelism` invocations run on this machine. */
  private async machineTurn<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.localParallelism) await new Promise<void>((r) => this.waiting.push(r));
    else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  private fn(suffix: string): string {
    return [...this.handlers.keys()].find((n) => n.endsWith(suffix))!;
  }

  static async start(options: LocalWorkflowOptions): Promise<LocalWorkflow> {
    const w = new LocalWorkflow();
    try {
      await w.init(options);
    } catch (err) {
      // A start that failed after loading some functions' bundles leaves nothing of theirs on in this process.
      w.turnOffFunctionHooks();
      throw err;
    }
    return w;
  }

  /** Turns off the async hooks the functions' bundles installed (see the file comment). */
  private turnOffFunctionHooks(): void {
    for (const hook of this.functionHooks.splice(0)) hook.disable();
  }

  private async init(options: LocalWorkflowOptions): Promise<void> {
    const synth = synthPaymentsStack(options.manifest, options.workload, options.region);
    this.stackName = synth.stackName;
    const tf = synth.tf;
    // Every stack's default provider is pinned to its one account and region (F-19): the local ARNs use them.
    const provider = (tf.provider?.aws ?? []).find((p) => p.alias === undefined);
    const accounts = provider?.allowed_account_ids;
    const accountId = Array.isArray(accounts) && typeof accounts[0] === 'string' ? accounts[0] : undefined;
    const region = typeof provider?.region === 'string' ? provider.region : undefined;
    if (accountId === undefined || region === undefined) throw new Error(`${this.stackName}: the default AWS provider names no allowed account or no region`);
    const res = tf.resource ?? {};
    const one = (type: string) => Object.values(res[type] ?? {})[0] ?? {};

    // Terraform references → the local ARN / name of the resource they point at.
    const resolveRef = (expr: string): string => {
      const m = /^\$\{(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}$/.exec(expr);
      if (!m) throw new Error(`cannot resolve ${expr} locally`);
      const [, data, type, id, attr] = m;
      const cfg = (data ? tf.data : tf.resource)?.[type]?.[id] ?? {};
      const name = String(cfg.name ?? cfg.function_name ?? id);
      if (type === 'aws_lambda_function' && attr === 'arn') return `arn:aws:lambda:${region}:${accountId}:function:${cfg.function_name}`;
      if (type === 'aws_sns_topic' && attr === 'arn') return `arn:aws:sns:${region}:${accountId}:${name}`;
      if (type === 'aws_secretsmanager_secret' && attr === 'arn') return `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-local`;
      // Key ARNs exist only once AWS creates the key; locally nothing encrypts, any well-formed ARN serves.
      if ((type === 'aws_kms_alias' && attr === 'target_key_arn') || ((type === 'aws_kms_key' || type === 'aws_kms_replica_key') && attr === 'arn')) {
        return `arn:aws:kms:${region}:${accountId}:key/mrk-00000000000000000000000000000000`;
      }
      if (attr === 'name') return name;
      throw new Error(`cannot resolve ${expr} locally`);
    };
    const resolveAll = (text: string) => text.replace(/\$\{[^}]+\}/g, (e) => resolveRef(e));

    const sm = one('aws_sfn_state_machine');
    this.definition = JSON.parse(resolveAll(String(sm.definition))) as StateMachineDefinition;
    this.stateMachineArn = `arn:aws:states:${region}:${accountId}:stateMachine:${sm.name}`;

    // The API's clients (manifest) and the resource policy the stack gives the API.
    const workload = options.manifest.workloads.find((w) => this.stackName === `payments-${w.name}-${region}`)!;
    for (const c of apiClientsOf(workload)) this.clients.set(c.name, signerOf(c.principals[0]!));
    this.apiPolicy = Object.values(res.aws_api_gateway_rest_api_policy ?? {}).flatMap((p) => {
      const parsed = parsePolicy(p.policy);
      if (!parsed.ok) throw new Error(`API policy: ${parsed.reason}`);
      return parsed.statements as typeof this.apiPolicy;
    });

    this.waitScale = options.waitScale ?? 0;
    this.localParallelism = options.localParallelism ?? 64;
    if (!(this.localParallelism >= 1)) throw new Error('localParallelism must be 1 or more');
    if (!(this.waitScale >= 0)) throw new Error('waitScale must be 0 or more');
    if (options.shareWith) {
      this.aws = options.shareWith.aws;
      this.routes = options.shareWith.routes;
      this.clock = options.shareWith.clock;
      this.faults = options.shareWith.faults;
      this.ownsAws = false;
    } else {
      this.clock = new ModelClock();
      this.faults = new Faults(this.clock);
      const routes = this.routes;
      const route = (arn: string) => {
        const target = routes.get(arn);
        if (!target) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
        return target;
      };
      this.aws = await startLocalAws({
        startExecution: (r) => route(r.stateMachineArn).startExecution(r),
        publish: (m) => {
          const target = [...routes.values()].find((w) => w.topicArn === m.TopicArn);
          if (!target) throw new ServiceError('NotFound', `Topic does not exist: ${m.TopicArn}`);
          target.published.push(m);
        },
        fault: (service) => this.faults.check(service),
      });
    }
    const quota = startExecutionQuota(region);
    this.startBucket = new TokenBucket(this.clock, quota.size, quota.perSecond);
    this.readApiThrottles(tf);
    this.routes.set(this.stateMachineArn, this);
    this.setEnv({
      AWS_REGION: region,
      // s3rver's built-in credentials (the other local services take any).
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_DYNAMODB: this.aws.dynamodbEndpoint,
      AWS_ENDPOINT_URL_S3: this.aws.s3Endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: this.aws.apiEndpoint,
      AWS_ENDPOINT_URL_SFN: this.aws.apiEndpoint,
      AWS_ENDPOINT_URL_SNS: this.aws.apiEndpoint,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    });
    const ddb = new DynamoDBClient({ region, endpoint: this.aws.dynamodbEndpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    this.doc = DynamoDBDocumentClient.from(ddb);
    const s3 = new S3Client({ region, endpoint: this.aws.s3Endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } /* s3rver's built-in credentials */ });
    // This run's own reads and setup (records, captures, archives) are no traffic of the
    // workload: the fault switch lets them through.
    for (const c of [ddb, s3] as { middlewareStack: { add: (m: unknown, o: unknown) => void } }[])
      c.middlewareStack.add(
        (next: (a: { request: { headers: Record<string, string> } }) => unknown) => (args: { request: { headers: Record<string, string> } }) => {
          args.request.headers[OBSERVER_HEADER] = '1';
          return next(args);
        },
        { step: 'build', name: 'localObserver' },
      );
    // The state machine's own service calls: one request per attempt (Step Functions does not
    // retry inside a Task; the Task's Retry does).
    const once = { region, maxAttempts: 1, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } };
    const sfnDdb = new DynamoDBClient({ ...once, endpoint: this.aws.dynamodbEndpoint });
    const sfnS3 = new S3Client({ ...once, endpoint: this.aws.s3Endpoint, forcePathStyle: true });
    const sfnSns = new SNSClient({ ...once, endpoint: this.aws.apiEndpoint });
    this.serviceClients = [sfnDdb, sfnS3, sfnSns];

    // Load every function's bundle from the zip the stack deploys, with the stack's environment.
    this.workdir = mkdtempSync(join(tmpdir(), 'lambda-bundles-'));
    const functionsByArn = new Map<string, string>();
    const reservedConcurrency = new Map<string, number>();
    let liveReplaced = false;
    for (const [id, cfg] of Object.entries(res.aws_lambda_function ?? {})) {
      const vars = { ...((cfg.environment as { variables?: Record<string, string> })?.variables ?? {}) };
      if (vars.GATEWAY_MODE === 'live') {
        // The card network has no local implementation: the sandbox gateway stands in for it.
        delete vars.GATEWAY_ENDPOINT;
        delete vars.GATEWAY_SECRET_ARN;
        vars.GATEWAY_MODE = 'sandbox';
        vars.SANDBOX_TABLE = LOCAL_SANDBOX_TABLE;
        if (!liveReplaced) process.stderr.write(`${this.stackName}: live payment gateway replaced by the sandbox gateway for the local run\n`);
        liveReplaced = true;
      }
      const env = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, resolveAll(v)]));
      if (env.GATEWAY_TIMEOUT_MS !== undefined && options.gatewayTimeoutMs !== 'stack') env.GATEWAY_TIMEOUT_MS = String(options.gatewayTimeoutMs ?? 300);
      if (env.PAYMENTS_TABLE) this.paymentsTable = env.PAYMENTS_TABLE;
      if (env.SANDBOX_TABLE) this.sandboxTable = env.SANDBOX_TABLE;
      // The counters table is regional in AWS (one per region, never replicated): a region that shares another's local DynamoDB gets its own.
      if (env.COUNTERS_TABLE) env.COUNTERS_TABLE = this.countersTable = this.ownsAws ? env.COUNTERS_TABLE : `${env.COUNTERS_TABLE}-${region}`;
      if (env.EVENTS_TOPIC_ARN) this.topicArn = env.EVENTS_TOPIC_ARN;
      this.setEnv(env);
      const zip = readFileSync(join(synth.stackDir, String(cfg.filename)));
      const dir = join(this.workdir, id);
      mkdirSync(dir, { recursive: true });
      for (const [name, data] of Object.entries(unzipSync(zip))) writeFileSync(join(dir, name), data);
      const [file, exportName] = String(cfg.handler).split('.');
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle's path is known only at run time
      const mod = recordingAsyncHooks(this.functionHooks, () => require(join(dir, `${file}.js`)) as Record<string, Handler>);
      this.handlers.set(String(cfg.function_name), mod[exportName]);
      const reserved = Number(cfg.reserved_concurrent_executions ?? -1);
      if (reserved >= 0) reservedConcurrency.set(String(cfg.function_name), reserved);
      functionsByArn.set(resolveRef(`\${aws_lambda_function.${id}.arn}`), String(cfg.function_name));
    }
    synth.cleanup();
    this.concurrency = new LambdaConcurrency(options.accountConcurrency ?? 1000, reservedConcurrency);

    // A region that shares another's local AWS finds the tables there (the payments table is one global table).
    if (this.ownsAws)
      await ddb.send(
        new CreateTableCommand({
          TableName: this.paymentsTable,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'paymentId', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'paymentId', AttributeType: 'S' }],
        }),
      );
    if (this.countersTable) {
      await ddb.send(
        new CreateTableCommand({
          TableName: this.countersTable,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'counterKey', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'counterKey', AttributeType: 'S' }],
        }),
      );
    }
    if (this.sandboxTable && this.ownsAws) {
      await ddb.send(
        new CreateTableCommand({
          TableName: this.sandboxTable,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'idempotencyKey', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'idempotencyKey', AttributeType: 'S' }],
        }),
      );
    }

    // Any other table of this stack (regional ones, such as the re-drive table), as the stack defines it.
    if (this.ownsAws)
      for (const cfg of Object.values(res.aws_dynamodb_table ?? {})) {
        const name = String(cfg.name);
        if (name === this.paymentsTable || name === this.sandboxTable || name === this.countersTable) continue;
        const attrs = (cfg.attribute as { name: string; type: string }[] | undefined) ?? [];
        await ddb.send(
          new CreateTableCommand({
            TableName: name,
            BillingMode: 'PAY_PER_REQUEST',
            KeySchema: [{ AttributeName: String(cfg.hash_key), KeyType: 'HASH' }],
            AttributeDefinitions: attrs.filter((a) => a.name === cfg.hash_key).map((a) => ({ AttributeName: a.name, AttributeType: a.type as 'S' })),
          }),
        );
      }

    for (const [stateName, task] of tasksOf(this.definition)) {
      this.taskStates.set(stateName, task);
      const fnName = functionsByArn.get(task.Resource);
      if (fnName !== undefined) {
        this.lambdaStates.add(stateName);
        this.attempts.set(stateName, async (input) => {
          const out = await this.invoke(fnName, structuredClone(input)).catch((err: unknown) => {
            // Lambda's own refusal reaches Step Functions as Lambda.<error>; the handler's errors keep their names.
            if (err instanceof ThrottledError) err.name = `Lambda.${err.name}`;
            throw err;
          });
          return JSON.parse(JSON.stringify(out ?? null));
        });
        continue;
      }
      const renamed = (service: string) => (err: unknown) => {
        const e = new Error((err as Error).message);
        e.name = `${service}.${(err as Error).name}`;
        throw e;
      };
      const service = <T>(call: () => Promise<T>): Promise<T> => this.clock.work(call);
      if (task.Resource === 'arn:aws:states:::dynamodb:updateItem') {
        this.attempts.set(stateName, async (input, execution) => {
          const { $metadata: _m, ...out } = await service(() => sfnDdb.send(new UpdateItemCommand(input as never))).catch(renamed('DynamoDB'));
          const status = (input as { ExpressionAttributeValues?: Record<string, { S?: string }> }).ExpressionAttributeValues?.[':status']?.S;
          if (status !== undefined && TERMINAL.has(status)) execution.decidedAt ??= this.clock.now();
          return JSON.parse(JSON.stringify(out));
        });
      } else if (task.Resource === 'arn:aws:states:::dynamodb:putItem') {
        this.attempts.set(stateName, async (input) => {
          const { $metadata: _m, ...out } = await service(() => sfnDdb.send(new PutItemCommand(input as never))).catch(renamed('DynamoDB'));
          return JSON.parse(JSON.stringify(out));
        });
      } else if (task.Resource === 'arn:aws:states:::sns:publish') {
        this.attempts.set(stateName, async (input) => {
          const i = input as { TopicArn: string; Message: unknown; MessageAttributes?: Record<string, { DataType: string; StringValue: string }> };
          const message = typeof i.Message === 'string' ? i.Message : JSON.stringify(i.Message);
          const { $metadata: _m, ...out } = await service(() => sfnSns.send(new PublishCommand({ TopicArn: i.TopicArn, Message: message, MessageAttributes: i.MessageAttributes }))).catch(
            renamed('SNS'),
          );
          return JSON.parse(JSON.stringify(out));
        });
      } else if (task.Resource === 'arn:aws:states:::aws-sdk:s3:putObject') {
        const params = task.Parameters as { Bucket?: string; 'Key.$'?: string };
        const bucket = String(params.Bucket);
        const prefix = /^States\.Format\('([^{']*)\{\}/.exec(String(params['Key.$'] ?? ''))?.[1];
        if (stateName === 'Archive' && prefix !== undefined) this.archive = { bucket, prefix };
        await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: unknown) => {
          if ((err as Error).name !== 'BucketAlreadyOwnedByYou' && (err as Error).name !== 'BucketAlreadyExists') throw err;
        });
        this.attempts.set(stateName, async (input) => {
          const { $metadata: _m, ...out } = await service(() => sfnS3.send(new PutObjectCommand(input as PutObjectCommandInput))).catch(renamed('S3'));
          return JSON.parse(JSON.stringify(out));
        });
      } else {
        throw new Error(`task ${stateName}: no local implementation of ${task.Resource}`);
      }
    }
    // The engine runs the flow (Choice, Parallel, paths, Catch); Retry and every timeout are the local run's, on the model clock.
    const engineCopy = (states: Record<string, State>): Record<string, State> =>
      Object.fromEntries(
        Object.entries(states).map(([name, st]) => {
          if (st.Type === 'Task') {
            const { Retry: _r, ...rest } = st;
            return [name, { ...rest, TimeoutSeconds: ENGINE_TASK_TIMEOUT_SECONDS }];
          }
          if (st.Type === 'Parallel') return [name, { ...st, Branches: st.Branches.map((b) => ({ ...b, States: engineCopy(b.States) })) }];
          return [name, st];
        }),
      );
    const { TimeoutSeconds: _t, ...top } = this.definition;
    validatedMachine(this.definition); // the synthesized definition itself is valid
    this.machine = validatedMachine({ ...top, States: engineCopy(this.definition.States) });
    this.s3 = s3;
    // Fault windows count from now: the run is ready for requests.
    for (const w of options.faults ?? []) this.faults.add(w);
  }

  private serviceClients: { destroy(): void }[] = [];

  /** API Gateway's throttles from the stack: the stage's method settings and each client's usage plan; the THROTTLED gateway response. */
  private readApiThrottles(tf: TfJson): void {
    const res = tf.resource ?? {};
    const bucket = (rate: unknown, burst: unknown) => (Number(rate) > 0 && Number(burst) > 0 ? new TokenBucket(this.clock, Number(burst), Number(rate)) : undefined);
    for (const ms of Object.values(res.aws_api_gateway_method_settings ?? {})) {
      const settings = [ms.settings].flat()[0] as { throttling_rate_limit?: number; throttling_burst_limit?: number } | undefined;
      this.stageBucket = bucket(settings?.throttling_rate_limit, settings?.throttling_burst_limit) ?? this.stageBucket;
    }
    const apiName = String(Object.values(res.aws_api_gateway_rest_api ?? {})[0]?.name ?? '');
    for (const plan of Object.values(res.aws_api_gateway_usage_plan ?? {})) {
      const name = String(plan.name ?? '');
      const t = [plan.throttle_settings].flat()[0] as { rate_limit?: number; burst_limit?: number } | undefined;
      const b = bucket(t?.rate_limit, t?.burst_limit);
      if (b && name.startsWith(`${apiName}-`)) this.clientBuckets.set(name.slice(apiName.length + 1), b);
    }
    for (const gr of Object.values(res.aws_api_gateway_gateway_response ?? {})) {
      if (gr.response_type !== 'THROTTLED') continue;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries((gr.response_parameters as Record<string, string> | undefined) ?? {})) {
        const h = /^gatewayresponse\.header\.(.+)$/.exec(k);
        if (h && /^'.*'$/.test(v)) headers[h[1]!.toLowerCase()] = v.slice(1, -1);
      }
      this.throttledResponse = { statusCode: Number(gr.status_code ?? 429), headers };
    }
  }

  /** One attempt and, as the Task's Retry says, the next ones: the first retrier naming the error decides (ASL). */
  private async runTask(stateName: string, input: unknown, execution: ExecutionRecord): Promise<unknown> {
    const task = this.taskStates.get(stateName)!;
    const attempt = this.attempts.get(stateName)!;
    const used = task.Retry.map(() => 0);
    for (;;) {
      const timeout = this.clock.timer(task.TimeoutSeconds * 1000);
      try {
        const work = attempt(input, execution);
        work.catch(() => undefined); // a timed-out attempt may still fail later: nobody waits for it any more
        return await Promise.race([
          work,
          timeout.done.then(() => {
            const e = new Error(`${stateName}: no answer within ${task.TimeoutSeconds} s of its own work`);
            e.name = 'States.Timeout';
            throw e;
          }),
        ]);
      } catch (err) {
        const name = (err as Error).name;
        const i = task.Retry.findIndex((r) => r.ErrorEquals.includes(name) || r.ErrorEquals.includes('States.ALL') || (name !== 'States.Timeout' && r.ErrorEquals.includes('States.TaskFailed')));
        const retrier = task.Retry[i];
        if (!retrier || used[i]! >= retrier.MaxAttempts || execution.status !== 'RUNNING') throw err;
        const interval = Math.min(retrier.IntervalSeconds * retrier.BackoffRate ** used[i]!, retrier.MaxDelaySeconds ?? Infinity);
        used[i]!++;
        execution.retries[name] = (execution.retries[name] ?? 0) + 1;
        execution.transitions++;
        if (this.lambdaStates.has(stateName)) execution.lambdaInvocations++;
        await this.clock.sleep(1000 * this.waitScale * (retrier.JitterStrategy === 'FULL' ? Math.random() * interval : interval));
      } finally {
        timeout.cancel();
      }
    }
  }

  s3!: S3Client;

  /** Step Functions' StartExecution semantics for a Standard workflow: the name is unique; same name + same input is idempotent. */
  async startExecution(req: { stateMachineArn: string; name: string; input: string }): Promise<{ executionArn: string; startDate: number }> {
    if (req.stateMachineArn !== this.stateMachineArn) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${req.stateMachineArn}'`);
    if (!this.startBucket.take()) throw new ServiceError('ThrottlingException', 'Rate exceeded');
    const existing = this.executions.get(req.name);
    if (existing) {
      if (existing.input !== req.input) throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
      return { executionArn: existing.executionArn, startDate: Date.now() / 1000 };
    }
    const executionArn = this.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${req.name}`;
    const record: ExecutionRecord = {
      name: req.name,
      input: req.input,
      executionArn,
      status: 'RUNNING',
      transitions: 0,
      lambdaInvocations: 0,
      retries: {},
      path: [],
      startedAt: this.clock.now(),
      done: Promise.resolve(),
    };
    this.executions.set(req.name, record);
    const taskHandlers = Object.fromEntries([...this.taskStates.keys()].map((state) => [state, (input: unknown) => this.runTask(state, input, record)]));
    const run = this.machine.run(JSON.parse(req.input), {
      overrides: { taskResourceLocalHandlers: taskHandlers as never },
      context: { Execution: { Id: executionArn, Name: req.name } },
    });
    let timedOut = false;
    // The execution's TimeoutSeconds, on the model clock.
    const deadline = this.clock.timer((this.definition.TimeoutSeconds ?? 31_536_000) * 1000);
    deadline.done.then(
      () => {
        if (record.status !== 'RUNNING') return;
        timedOut = true;
        run.abort();
      },
      () => undefined,
    );
    this.aborters.set(req.name, () => run.abort());
    const counting = (async () => {
      for await (const ev of run.eventLogs) {
        if (ev.type === 'StateEntered') {
          record.path.push(ev.state.name);
          record.transitions++;
          if (this.lambdaStates.has(ev.state.name)) record.lambdaInvocations++;
        }
      }
    })();
    record.done = run.result.then(
      async () => {
        deadline.cancel();
        record.status = 'SUCCEEDED';
        record.endedAt = this.clock.now();
        this.aborters.delete(req.name);
        await counting;
      },
      async (err: unknown) => {
        deadline.cancel();
        const name = (err as Error)?.name ?? '';
        record.status = timedOut || name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : name === 'ExecutionAbortedError' ? 'ABORTED' : 'FAILED';
        record.error = (err as Error)?.message;
        record.endedAt = this.clock.now();
        this.aborters.delete(req.name);
        await counting.catch(() => undefined);
        // The EventBridge rule: to the dead-letter queue and to the failure recorder (F-06),
        // which EventBridge and Lambda retry until it has run (its own failures are not this payment's).
        const event = { time: new Date().toISOString(), detail: { name: req.name, status: record.status, executionArn } };
        this.deadLetters.push(event);
        const failureFn = [...this.handlers.keys()].find((n) => n.endsWith('-failure'));
        for (let i = 0; failureFn && i < 20; i++) {
          try {
            await this.invoke(failureFn, event);
            break;
          } catch {
            await this.clock.sleep(1000 * Math.max(this.waitScale, 0.001) * 2 ** Math.min(i, 6));
          }
        }
      },
    );
    return { executionArn, startDate: Date.now() / 1000 };
  }

  /**
   * API Gateway's IAM authorization of a client's request: the client's principal (manifest)
   * against the API's synthesized resource policy. Undefined when the API lets it through;
   * the 403 API Gateway answers otherwise, before any function runs.
   */
  authorize(client: string): { identity: LocalIdentity } | { refused: SubmitOutcome } {
    const signer = this.clients.get(client);
    const refused = { refused: { statusCode: 403, headers: {}, body: { message: `User is not authorized to access this resource (${client} is no API client of ${this.stackName})` } } };
    if (!signer) return refused;
    const { identity, principalArn } = signer;
    const values: Record<string, string> = { 'aws:PrincipalArn': principalArn, 'aws:PrincipalAccount': identity.accountId };
    const allowed = this.apiPolicy.some(
      (st) => st.Effect === 'Allow' && [(st.Principal as { AWS?: string[] })?.AWS ?? []].flat().some((p) => p === principalArn || p === `arn:aws:iam::${identity.accountId}:root`),
    );
    const denied = this.apiPolicy.some((st) => st.Effect === 'Deny' && conditionsHold(st.Condition ?? {}, values));
    return allowed && !denied ? { identity } : refused;
  }

  /** The local DynamoDB of this run (shared with the regions that share it). */
  get dynamodbEndpoint(): string {
    return this.aws.dynamodbEndpoint;
  }

  /** The API's clients (manifest names). */
  get clientNames(): string[] {
    return [...this.clients.keys()];
  }

  /** Stops a running execution as StopExecution would: it ends ABORTED and the EventBridge rule takes it to the failure function. */
  async abort(name: string): Promise<void> {
    const execution = this.executions.get(name);
    if (!execution || execution.status !== 'RUNNING') throw new Error(`no running execution ${name}`);
    this.aborters.get(name)!();
    await execution.done;
  }

  /** Calls the submit function as API Gateway's Lambda proxy integration would, for a request signed as `client`. */
  async submit(idempotencyKey: string, body: unknown, client: string = DEFAULT_API_CLIENT): Promise<SubmitOutcome> {
    const outcome = await this.submitOnce(idempotencyKey, body, client);
    this.apiAnswers[outcome.statusCode] = (this.apiAnswers[outcome.statusCode] ?? 0) + 1;
    return outcome;
  }

  private async submitOnce(idempotencyKey: string, body: unknown, client: string): Promise<SubmitOutcome> {
    const auth = this.authorize(client);
    if ('refused' in auth) return auth.refused;
    // API Gateway sheds load before any function runs: the client's usage plan, then the stage's throttle.
    const bucket = [this.clientBuckets.get(client), this.stageBucket].find((b) => b !== undefined && !b.take());
    if (bucket)
      return { statusCode: this.throttledResponse.statusCode, headers: { 'retry-after': String(bucket.secondsToNext()), ...this.throttledResponse.headers }, body: { message: 'Too Many Requests' } };
    let res: { statusCode: number; headers?: Record<string, string>; body: string };
    try {
      res = (await this.invoke(this.fn('-submit'), {
        resource: '/payments',
        path: '/payments',
        httpMethod: 'POST',
        headers: { 'Idempotency-Key': idempotencyKey, 'Content-Type': 'application/json' },
        requestContext: { identity: auth.identity },
        body: JSON.stringify(body ?? null),
      })) as typeof res;
    } catch (err) {
      // Lambda refused the invocation (throttled): API Gateway answers 500; the function failed: 502.
      if (err instanceof ThrottledError) return { statusCode: 500, headers: {}, body: { message: 'Internal server error' } };
      return { statusCode: 502, headers: {}, body: { message: 'Internal server error' } };
    }
    return { statusCode: res.statusCode, headers: Object.fromEntries(Object.entries(res.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])), body: JSON.parse(res.body) };
  }

  /** Calls the status function as `GET /payments/{paymentId}` would, for a request signed as `client`. */
  async status(paymentId: string, client: string = DEFAULT_API_CLIENT): Promise<{ statusCode: number; body: PaymentView & { message?: string } }> {
    const auth = this.authorize(client);
    if ('refused' in auth) return { statusCode: 403, body: auth.refused.body as never };
    const res = (await this.invoke(this.fn('-status'), {
      resource: '/payments/{paymentId}',
      httpMethod: 'GET',
      pathParameters: { paymentId },
      headers: {},
      requestContext: { identity: auth.identity },
    })) as {
      statusCode: number;
      body: string;
    };
    return { statusCode: res.statusCode, body: JSON.parse(res.body) };
  }

  /** Runs the reconcile function once, as its schedule does, and returns its summary. */
  async reconcile(context?: LocalLambdaContext): Promise<unknown> {
    const summary = await this.invoke(this.fn('-reconcile'), { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, context);
    this.reconciliations.push(summary);
    return summary;
  }

  async waitForAll(): Promise<void> {
    for (;;) {
      const pending = [...this.executions.values()].map((e) => e.done);
      await Promise.all(pending);
      if (pending.length === this.executions.size) return;
    }
  }

  async record(paymentId: string): Promise<PaymentRecord | undefined> {
    return (await this.doc.send(new GetCommand({ TableName: this.paymentsTable, Key: { paymentId }, ConsistentRead: true }))).Item as PaymentRecord | undefined;
  }

  /** How many captures the sandbox gateway holds for a payment (its idempotency key at the gateway: the payment id). */
  async charges(paymentId: string): Promise<number> {
    if (!this.sandboxTable) return 0;
    const item = (await this.doc.send(new GetCommand({ TableName: this.sandboxTable, Key: { idempotencyKey: paymentId }, ConsistentRead: true }))).Item;
    return Number(item?.captures ?? 0);
  }

  /** How many requests the sandbox gateway has seen for a payment's key (charges and retries alike). */
  async gatewayAttempts(paymentId: string): Promise<number> {
    if (!this.sandboxTable) return 0;
    const item = (await this.doc.send(new GetCommand({ TableName: this.sandboxTable, Key: { idempotencyKey: paymentId }, ConsistentRead: true }))).Item;
    return Number(item?.attempts ?? 0);
  }

  /** How many deliveries wait in the re-drive table (0 when the stack has none). */
  async redriveBacklog(): Promise<number> {
    const table = (this.definition.States.QueueArchiveRedrive as TaskState | undefined)?.Parameters?.TableName;
    if (typeof table !== 'string') return 0;
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new ScanCommand({ TableName: table, Select: 'COUNT', ConsistentRead: true, ExclusiveStartKey: start }));
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return count;
  }

  /**
   * The payments whose settlement archive exists (the Archive state's bucket and prefix): of
   * `paymentIds`, each looked up (HeadObject), or else all of them, listed. s3rver lists at most
   * 1,000 keys a page, in directory order rather than key order, so a marker may skip keys
   * (and its v2 continuation tokens need a cipher Node 22 no longer has): past 1,000, name them.
   */
  async archivedPayments(paymentIds?: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    const archive = this.archive;
    if (!archive) return out;
    if (paymentIds === undefined) {
      const page = await this.s3.send(new ListObjectsCommand({ Bucket: archive.bucket, Prefix: archive.prefix }));
      if (page.IsTruncated) throw new Error('more than 1,000 settlement archives: name the payments to look up');
      for (const o of page.Contents ?? []) if (o.Key?.endsWith('.json')) out.add(o.Key.slice(archive.prefix.length, -'.json'.length));
      return out;
    }
    const queue = [...new Set(paymentIds)];
    const worker = async () => {
      for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
        const found = await this.s3.send(new HeadObjectCommand({ Bucket: archive.bucket, Key: `${archive.prefix}${id}.json` })).then(
          () => true,
          (err: unknown) => {
            if ((err as Error).name === 'NotFound' || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
            throw err;
          },
        );
        if (found) out.add(id);
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    return out;
  }

  /**
   * A client's request: sent again with the same Idempotency-Key while the API sheds it (429)
   * or fails (5xx), after its Retry-After (1 s when it names none) and an exponentially growing
   * jitter on top.
   */
  private async sendAsClient(r: SimulatedRequest): Promise<{ answer: SubmitOutcome; attempts: number; firstAt: number }> {
    const firstAt = this.clock.now();
    for (let attempt = 1; ; attempt++) {
      const answer = await this.submit(r.idempotencyKey, r.body, r.client ?? DEFAULT_API_CLIENT);
      if ((answer.statusCode !== 429 && answer.statusCode < 500) || attempt >= CLIENT_MAX_ATTEMPTS) return { answer, attempts: attempt, firstAt };
      // The API's Retry-After is its throttle's refill, part of the capacity model: always waited, on the model clock.
      const retryAfter = Number(answer.headers['retry-after'] ?? 1) || 1;
      await this.clock.sleep(1000 * (retryAfter + Math.random() * Math.min(8, 2 ** (attempt - 1))));
    }
  }

  /**
   * Submits every request at once (as clients would: a shed request is sent again), waits for
   * every execution and for the end of any fault window, runs reconciliation once (and waits
   * for any execution it starts), and reports each request.
   */
  async simulate(requests: readonly SimulatedRequest[]): Promise<SimulationResult[]> {
    const submitted = await Promise.all(requests.map((r) => this.sendAsClient(r)));
    await this.waitForAll();
    const faultsEnd = this.faults.endsAtSeconds * 1000 - this.clock.now();
    if (faultsEnd > 0) await this.clock.sleep(faultsEnd);
    await this.reconcile();
    await this.waitForAll();
    const archived = await this.archivedPayments(submitted.map((x) => x.answer.body.paymentId).filter((p): p is string => p !== undefined));
    return Promise.all(
      requests.map(async (r, i) => {
        const { answer, attempts, firstAt } = submitted[i]!;
        const paymentId = answer.body.paymentId ?? null;
        const rec = paymentId ? await this.record(paymentId) : undefined;
        const view = rec ? toView(rec) : undefined;
        const exec = paymentId ? this.executions.get(paymentId) : undefined;
        // A request the API refuses (400, 403, 422) is no payment: REJECTED with the API's reason.
        const refused = answer.statusCode >= 400 && answer.statusCode < 500 && answer.statusCode !== 429 ? answer.body : undefined;
        const status = view?.status ?? (refused ? (refused.status ?? 'REJECTED') : null);
        const decidedAt = exec?.decidedAt ?? (status !== null && TERMINAL.has(status) ? exec?.endedAt : undefined);
        return {
          client: r.client ?? DEFAULT_API_CLIENT,
          idempotencyKey: r.idempotencyKey,
          statusCode: answer.statusCode,
          replayed: answer.headers['idempotent-replayed'] === 'true',
          paymentId,
          status,
          reason: view?.reason ?? (refused ? (refused.reason ?? (answer.statusCode === 403 ? 'forbidden' : null)) : answer.statusCode >= 400 ? `http_${answer.statusCode}` : null),
          charges: paymentId ? await this.charges(paymentId) : 0,
          transitions: exec?.transitions ?? 0,
          lambdaInvocations: exec?.lambdaInvocations ?? 0,
          attempts,
          latencyMs: decidedAt === undefined ? null : Math.round(decidedAt - firstAt),
          archived: paymentId !== null && archived.has(paymentId),
        };
      }),
    );
  }

  async stop(): Promise<void> {
    await this.waitForAll().catch(() => undefined);
    // First: nothing that fails below may leave the functions' hooks on.
    this.turnOffFunctionHooks();
    this.routes.delete(this.stateMachineArn);
    this.doc.destroy();
    this.s3.destroy();
    for (const c of this.serviceClients) c.destroy();
    if (this.ownsAws) this.clock.stop();
    if (this.ownsAws) await this.aws.stop();
    rmSync(this.workdir, { recursive: true, force: true });
    for (const [k, v] of this.envBefore) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** `load()`, with every async hook created while it runs added to `hooks`. */
function recordingAsyncHooks<T>(hooks: AsyncHook[], load: () => T): T {
  const createHook = asyncHooks.createHook;
  asyncHooks.createHook = (callbacks) => {
    const hook = createHook(callbacks);
    hooks.push(hook);
    return hook;
  };
  try {
    return load();
  } finally {
    asyncHooks.createHook = createHook;
  }
}

/**
 * The signer API Gateway reports for a principal (a session of the role; for an account
 * principal, of a role in that account) and its `aws:PrincipalArn`: the role's ARN, path included.
 */
function signerOf(principal: string): { identity: LocalIdentity; principalArn: string } {
  const role = ROLE_ARN_PATTERN.exec(principal);
  if (role) return { identity: { userArn: `arn:aws:sts::${role[1]}:assumed-role/${role[2]}/local-session`, accountId: role[1]! }, principalArn: principal };
  return { identity: { userArn: `arn:aws:sts::${principal}:assumed-role/local-caller/local-session`, accountId: principal }, principalArn: `arn:aws:iam::${principal}:role/local-caller` };
}

/** Evaluates the condition operators the API's resource policy uses; any other one is an error, not a guess. */
function conditionsHold(condition: Record<string, Record<string, string | string[]>>, values: Record<string, string>): boolean {
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const list = [expected].flat();
      if (operator === 'StringNotEquals') return !list.includes(values[key] ?? '');
      if (operator === 'StringEquals') return list.includes(values[key] ?? '');
      throw new Error(`the local run cannot evaluate condition operator ${operator} of the API's resource policy`);
    }),
  );
}

export interface SimulationSummary {
  readonly requests: number;
  readonly payments: number;
  readonly byStatus: Record<string, number>;
  /** Payments by `status reason` (a reason only where there is one). */
  readonly byReason: Record<string, number>;
  readonly charges: number;
  /** Settled payments whose settlement archive was written. */
  readonly archived: number;
  /** Requests the clients sent again after a 429 or 5xx (same key). */
  readonly resent: number;
  readonly durationMs: number;
  readonly paymentsPerSecond: number;
}

export function summarize(results: readonly SimulationResult[], durationMs: number): SimulationSummary {
  const byStatus: Record<string, number> = {};
  const byReason: Record<string, number> = {};
  for (const r of results) {
    byStatus[String(r.status)] = (byStatus[String(r.status)] ?? 0) + 1;
    const k = r.reason === null ? String(r.status) : `${r.status} ${r.reason}`;
    byReason[k] = (byReason[k] ?? 0) + 1;
  }
  const payments = new Set(results.map((r) => r.paymentId).filter((p) => p !== null)).size;
  const charged = new Map(results.filter((r) => r.paymentId !== null).map((r) => [r.paymentId, r.charges]));
  const archived = new Set(results.filter((r) => r.archived && r.status === 'SETTLED').map((r) => r.paymentId)).size;
  return {
    requests: results.length,
    payments,
    byStatus,
    byReason,
    charges: [...charged.values()].reduce((a, b) => a + b, 0),
    archived,
    resent: results.reduce((a, r) => a + r.attempts - 1, 0),
    durationMs: Math.round(durationMs),
    paymentsPerSecond: Math.round((payments / (durationMs / 1000)) * 10) / 10,
  };
}

/** Definitions the state machine validator has accepted in this process, by their JSON. */
const acceptedDefinitions = new Set<string>();

/**
 * The engine's state machine for `definition`, validated by aws-local-stepfunctions' validator
 * (which throws on an invalid definition) the first time this process meets that definition;
 * a later local run of the same definition skips the validator, whose verdict cannot change.
 */
function validatedMachine(definition: object): StateMachine {
  const text = JSON.stringify(definition);
  const machine = new StateMachine(definition as never, { validationOptions: acceptedDefinitions.has(text) ? { noValidate: true } : { checkArn: false } });
  acceptedDefinitions.add(text);
  return machine;
}
