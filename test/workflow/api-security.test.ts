/**
 * What the submit and status functions refuse, store and answer, executed: the SYNTHESIZED
 * payments stack of the example manifest's dev workload, with the browser origin
 * `https://shop.example.com` named for CORS, run locally (tools/local/local-workflow.ts).
 * Requests are handed to the functions as API Gateway's proxy integration hands them, with
 * the content type, raw body, stage and path a request through the API would have.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ServiceError } from '../../tools/local/local-aws';
import { LocalWorkflow, type LocalIdentity } from '../../tools/local/local-workflow';
import { MAX_REQUEST_BODY_BYTES } from '../../lambdas/submit/request-guard';
import { paymentIdFor } from '../../contract/payment';
import { paymentRequests } from '../support/requests';
import { exampleManifest, parseManifest } from '../support/synth';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const SHOP = 'https://shop.example.com';
let local: LocalWorkflow;
let table: string;
const { key, valid } = paymentRequests('sec');

type Handler = (event: unknown) => Promise<{ statusCode: number; headers?: Record<string, string>; body: string }>;
interface Answer {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

/** The submit or status function as the local run loaded it (its deployed bundle and environment). */
const fn = (suffix: string): Handler => [...(local as unknown as { handlers: Map<string, Handler> }).handlers.entries()].find(([n]) => n.endsWith(`-${suffix}`))![1];
/** The signer API Gateway reports for the example's `default` client (its own account). */
const identity = (): LocalIdentity => {
  const account = exampleManifest().workloads[0]!.accountId;
  return { userArn: `arn:aws:sts::${account}:assumed-role/shop/session`, accountId: account };
};

/** POST /payments through the API's stage `v1`, as the proxy integration passes it on. */
async function post(idempotencyKey: string, body: string | null, headers: Record<string, string> = { 'Content-Type': 'application/json' }, extra: Record<string, unknown> = {}): Promise<Answer> {
  const res = await fn('submit')({
    resource: '/payments',
    path: '/payments',
    httpMethod: 'POST',
    headers: { 'Idempotency-Key': idempotencyKey, ...headers },
    requestContext: { identity: identity(), stage: 'v1', path: '/v1/payments' },
    body,
    isBase64Encoded: false,
    ...extra,
  });
  return { statusCode: res.statusCode, headers: res.headers ?? {}, body: JSON.parse(res.body) };
}

/** Every item of the payments table, as text: what a reader of the table would see. */
async function tableText(): Promise<string> {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1', endpoint: local.dynamodbEndpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  const items = (await doc.send(new ScanCommand({ TableName: table }))).Items ?? [];
  doc.destroy();
  return JSON.stringify(items);
}

beforeAll(async () => {
  const input = structuredClone(exampleManifest()) as unknown as { workloads: { api?: unknown }[] };
  input.workloads[0]!.api = { corsOrigins: [SHOP] };
  local = await LocalWorkflow.start({ manifest: parseManifest(input) });
  table = (local as unknown as { paymentsTable: string }).paymentsTable;
}, 60_000);
afterAll(async () => local?.stop());

describe('card data never gets in: refused before anything is stored', () => {
  test.each([
    ['text/plain', 'text/plain'],
    ['form data', 'application/x-www-form-urlencoded'],
    ['JSON with another charset', 'application/json; charset=iso-8859-1'],
    ['no content type', undefined],
  ])('given a valid JSON body sent as %s, when submitted, then 415 and no record', async (_label, contentType) => {
    const k = key('ctype');
    const headers: Record<string, string> = contentType === undefined ? {} : { 'Content-Type': contentType };
    const answer = await post(k, JSON.stringify(valid()), headers);
    expect([answer.statusCode, answer.body.reason]).toEqual([415, 'invalid_body']);
    expect(await local.record(paymentIdFor('default', k))).toBeUndefined();
  });

  test('given application/json with charset=utf-8, when submitted, then the payment is accepted', async () => {
    const answer = await post(key('utf8'), JSON.stringify(valid()), { 'content-type': 'Application/JSON; charset=UTF-8' });
    expect(answer.statusCode).toBe(202);
  });

  test.each([
    ['null', 'null'],
    ['an array', '[]'],
    ['a number', '42'],
    ['a string', '"tok_success"'],
    ['no JSON', '{"amount":'],
    ['an empty body', ''],
  ])('given %s as the body, when submitted, then 400 invalid_body and no record', async (_label, body) => {
    const k = key('shape');
    const answer = await post(k, body);
    expect([answer.statusCode, answer.body.reason]).toEqual([400, 'invalid_body']);
    expect(await local.record(paymentIdFor('default', k))).toBeUndefined();
  });

  test('given a card number as the name of an unknown key, when submitted, then 400 unknown_field and the number is stored nowhere, not even as a key', async () => {
    const pan = '4111111111111111';
    const k = key('pankey');
    const answer = await post(k, JSON.stringify({ ...valid(), [pan]: 0 }));
    expect([answer.statusCode, answer.body.reason]).toEqual([400, 'unknown_field']);
    expect(JSON.stringify(answer.body)).not.toContain(pan);
    expect(await local.record(paymentIdFor('default', k))).toBeUndefined();
    expect(await tableText()).not.toContain(pan);
  });

  test.each([
    ['a token', { paymentMethod: { type: 'card', token: 'tok_4111111111111111' } }, 'invalid_payment_method'],
    ['a customer id', { customerId: 'cus_4111111111111111' }, 'invalid_customer_id'],
    ['a merchant id', { merchantId: 'mer_5555555555554444' }, 'invalid_merchant_id'],
    ['a description', { description: 'card 4000 0566 5566 5556 exp 12/29' }, 'invalid_description'],
    ['a description, followed by its security code', { description: 'pay with 4111-1111-1111-1111-123' }, 'invalid_description'],
    ['an amount', { amount: 4111111111111111 }, 'invalid_amount'],
  ])('given a card number in %s, when submitted, then 400 with the reason of that field and nothing stored or started', async (_label, over, reason) => {
    const k = key('pan');
    const executions = local.executions.size;
    const answer = await post(k, JSON.stringify(valid(over)));
    expect([answer.statusCode, answer.body.reason]).toEqual([400, reason]);
    expect(await local.record(paymentIdFor('default', k))).toBeUndefined();
    expect(local.executions.size).toBe(executions);
  });

  test('given digits that are no card number (a 16-digit order number failing Luhn, a phone number), when submitted, then the payment is accepted', async () => {
    const answer = await post(key('digits'), JSON.stringify(valid({ description: 'order 4111111111111112, call +44 20 7946 0958' })));
    expect(answer.statusCode).toBe(202);
  });

  test('given a body one byte over the bound (whitespace padding a valid body), when submitted, then 413 and no record', async () => {
    const k = key('big');
    const text = JSON.stringify(valid());
    const padded = text.slice(0, -1) + ' '.repeat(MAX_REQUEST_BODY_BYTES - text.length + 1) + '}';
    expect(Buffer.byteLength(padded)).toBe(MAX_REQUEST_BODY_BYTES + 1);
    const answer = await post(k, padded);
    expect([answer.statusCode, answer.body.reason]).toEqual([413, 'invalid_body']);
    expect(await local.record(paymentIdFor('default', k))).toBeUndefined();
  });

  test('given the largest body the contract allows (500 astral characters sent as escapes), when submitted, then it is within the bound and settles', async () => {
    const k = key('maxdesc');
    const description = '\u{1F4B3}'.repeat(500);
    const text = JSON.stringify(valid({ description })).replace(/[\u{10000}-\u{10FFFF}]/gu, (c) => `\\u${c.charCodeAt(0).toString(16)}\\u${c.charCodeAt(1).toString(16)}`);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_REQUEST_BODY_BYTES);
    const answer = await post(k, text);
    await local.waitForAll();
    expect(answer.statusCode).toBe(202);
    // counted in code points, as the API's model counts it: 500 cards, not 1000 UTF-16 units
    expect((await local.record(paymentIdFor('default', k)))?.status).toBe('SETTLED');
  });

  test('given a description of 501 astral characters, when run, then REJECTED invalid_description', async () => {
    const k = key('longdesc');
    await post(k, JSON.stringify(valid({ description: '\u{1F4B3}'.repeat(501) })));
    await local.waitForAll();
    expect(await local.record(paymentIdFor('default', k))).toMatchObject({ status: 'REJECTED', reason: 'invalid_description' });
  });
});

describe('answers', () => {
  test('given an accepted payment, then statusUrl is the path the client called, stage included, and GET there finds it', async () => {
    const answer = await post(key('url'), JSON.stringify(valid()));
    const paymentId = String(answer.body.paymentId);
    expect(answer.body.statusUrl).toBe(`/v1/payments/${paymentId}`);
    const [, stage, resource, id] = String(answer.body.statusUrl).split('/');
    const view = await fn('status')({ resource: `/${resource}/{paymentId}`, httpMethod: 'GET', pathParameters: { paymentId: id }, headers: {}, requestContext: { identity: identity(), stage } });
    expect(view.statusCode).toBe(200);
  });

  test('given a request through a custom domain (no stage in its path), then statusUrl has no stage either', async () => {
    const answer = await post(key('domain'), JSON.stringify(valid()), { 'Content-Type': 'application/json' }, { requestContext: { identity: identity(), stage: 'v1', path: '/payments' } });
    expect(answer.body.statusUrl).toBe(`/payments/${String(answer.body.paymentId)}`);
  });

  test('given a request from a page of another origin, then neither submit nor status sends any CORS header', async () => {
    const answer = await post(key('evil'), JSON.stringify(valid()), { 'Content-Type': 'application/json', Origin: 'https://evil.example.net' });
    expect(answer.statusCode).toBe(202);
    expect(Object.keys(answer.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const view = await fn('status')({
      httpMethod: 'GET',
      pathParameters: { paymentId: answer.body.paymentId },
      headers: { origin: 'https://evil.example.net' },
      requestContext: { identity: identity() },
    });
    expect(Object.keys(view.headers ?? {}).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  test('given a request from the named origin, then that origin (never *) is allowed, and only for that answer', async () => {
    const answer = await post(key('shop'), JSON.stringify(valid()), { 'Content-Type': 'application/json', Origin: SHOP });
    expect(answer.headers['access-control-allow-origin']).toBe(SHOP);
    expect(answer.headers.vary).toBe('Origin');
    const refused = await post(key('shop2'), 'null', { 'Content-Type': 'application/json', origin: SHOP });
    expect([refused.statusCode, refused.headers['access-control-allow-origin']]).toEqual([400, SHOP]);
  });
});

describe('never charged twice when starting the execution fails', () => {
  test('given StartExecution that starts the execution but answers with an error, when the client retries with the same key, then 202, one execution, one charge, SETTLED', async () => {
    const k = key('lost');
    const body = JSON.stringify(valid());
    const real = local.startExecution.bind(local);
    let failures = 0;
    local.startExecution = async (req) => {
      const out = await real(req);
      if (failures++ === 0) throw new ServiceError('InternalFailure', 'the answer was lost after the execution started');
      return out;
    };
    try {
      const first = await post(k, body);
      expect([first.statusCode, first.headers['retry-after']]).toEqual([503, '1']);
      const paymentId = paymentIdFor('default', k);
      // the record stays: the execution did start
      expect(await local.record(paymentId)).toBeDefined();
      const retry = await post(k, body);
      await local.waitForAll();
      expect([retry.statusCode, retry.body.paymentId]).toEqual([202, paymentId]);
      expect([...local.executions.keys()].filter((n) => n === paymentId)).toHaveLength(1);
      expect((await local.record(paymentId))?.status).toBe('SETTLED');
      expect(await local.charges(paymentId)).toBe(1);
    } finally {
      local.startExecution = real;
    }
  });

  test('given StartExecution that fails without starting, when the client retries with the same key, then the retry starts it: 202 and SETTLED once', async () => {
    const k = key('notstarted');
    const body = JSON.stringify(valid());
    const real = local.startExecution.bind(local);
    local.startExecution = async () => {
      throw new ServiceError('InternalFailure', 'not started');
    };
    const first = await post(k, body).finally(() => (local.startExecution = real));
    expect(first.statusCode).toBe(503);
    const retry = await post(k, body);
    await local.waitForAll();
    const paymentId = paymentIdFor('default', k);
    expect([retry.statusCode, retry.headers['idempotent-replayed']]).toEqual([202, 'true']);
    expect((await local.record(paymentId))?.status).toBe('SETTLED');
    expect(await local.charges(paymentId)).toBe(1);
  });
});
