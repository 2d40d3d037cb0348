/**
 * Real local implementations of the AWS APIs the workflow calls, on 127.0.0.1 ports
 * picked at run time: dynalite (DynamoDB) and s3rver (S3). Secrets Manager, Step
 * Functions' StartExecution and SNS Publish have no local implementation here: one small
 * HTTP endpoint speaks their protocols (GetSecretValue from an in-memory map, which the
 * local run leaves empty as a deploy does; StartExecution delegated to a callback that runs
 * aws-local-stepfunctions; Publish, query protocol, delegated to a callback that records it),
 * so the handlers' real SDK clients talk to it through `AWS_ENDPOINT_URL_<SERVICE>` like
 * they would to AWS. A fault switch (`fault`) can make DynamoDB, S3 and SNS answer with
 * their throttling and internal errors, as a service under strain does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- dynalite ships no type declarations
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver ships no type declarations
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => { run(): Promise<AddressInfo>; close(): Promise<void>; httpServer: Server };

/** Marks the local run's own reads (records, captures, archives): no fault window refuses them. */
export const OBSERVER_HEADER = 'x-local-observer';

export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface LocalAwsHandlers {
  startExecution(request: { stateMachineArn: string; name: string; input: string }): Promise<{ executionArn: string; startDate: number }>;
  publish(message: { TopicArn: string; Message: string; MessageAttributes?: unknown }): void;
  /** The fault switch: asked before every DynamoDB, S3 and SNS request is answered (tools/local/capacity.ts). */
  fault?(service: 'dynamodb' | 's3' | 'sns'): 'throttle' | 'server' | undefined;
}

export interface LocalAws {
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  /** Speaks Secrets Manager's GetSecretValue and Step Functions' StartExecution. */
  readonly apiEndpoint: string;
  readonly secrets: Map<string, string>;
  stop(): Promise<void>;
}

/**
 * Puts the fault switch in front of a server's own request handler: a refused request is
 * answered the way the service answers when it throttles or fails, and never reaches it.
 */
function withFaults(server: Server, service: 'dynamodb' | 's3', fault: LocalAwsHandlers['fault']): void {
  if (!fault) return;
  const own = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const kind = req.headers[OBSERVER_HEADER] === undefined ? fault(service) : undefined;
    if (kind === undefined) {
      for (const l of own) l.call(server, req, res);
      return;
    }
    req.resume();
    if (service === 'dynamodb') {
      const [status, type] = kind === 'throttle' ? [400, 'ProvisionedThroughputExceededException'] : [500, 'InternalServerError'];
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: `local fault window: ${type}` }));
    } else {
      const [status, code] = kind === 'throttle' ? [503, 'SlowDown'] : [500, 'InternalError'];
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>local fault window: ${code}</Message><RequestId>local</RequestId></Error>`);
    }
  });
}

const listen = (server: Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

export async function startLocalAws(handlers: LocalAwsHandlers): Promise<LocalAws> {
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  withFaults(db, 'dynamodb', handlers.fault);
  const dbPort = await listen(db);
  const s3dir = mkdtempSync(join(tmpdir(), 's3rver-'));
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3dir });
  const s3Address = await s3.run();
  withFaults(s3.httpServer, 's3', handlers.fault);
  const secrets = new Map<string, string>();
  const api = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const text = Buffer.concat(chunks).toString('utf8');
      if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        // SNS speaks the query protocol: form fields in, XML out.
        const form = new URLSearchParams(text);
        const xml = (status: number, payload: string) => {
          res.writeHead(status, { 'content-type': 'text/xml' });
          res.end(payload);
        };
        if (form.get('Action') !== 'Publish')
          return xml(400, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>no local implementation of ${form.get('Action')}</Message></Error></ErrorResponse>`);
        const attributes: Record<string, { DataType: string; StringValue: string }> = {};
        for (let i = 1; form.has(`MessageAttributes.entry.${i}.Name`); i++) {
          attributes[form.get(`MessageAttributes.entry.${i}.Name`)!] = {
            DataType: String(form.get(`MessageAttributes.entry.${i}.Value.DataType`)),
            StringValue: String(form.get(`MessageAttributes.entry.${i}.Value.StringValue`)),
          };
        }
        const kind = handlers.fault?.('sns');
        // SNS's own codes for a throttled request and an internal error (awsQuery error codes).
        if (kind === 'throttle') return xml(429, `<ErrorResponse><Error><Type>Sender</Type><Code>Throttled</Code><Message>local fault window: Throttled</Message></Error></ErrorResponse>`);
        if (kind === 'server') return xml(500, `<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code><Message>local fault window: InternalError</Message></Error></ErrorResponse>`);
        try {
          handlers.publish({ TopicArn: String(form.get('TopicArn')), Message: String(form.get('Message')), MessageAttributes: attributes });
        } catch (err) {
          return xml(404, `<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>${(err as Error).message}</Message></Error></ErrorResponse>`);
        }
        return xml(200, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>local-${Date.now()}</MessageId></PublishResult></PublishResponse>`);
      }
      const body = JSON.parse(text || '{}') as Record<string, string>;
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      const fail = (err: unknown) => (err instanceof ServiceError ? send(400, { __type: err.type, message: err.message }) : send(500, { __type: 'InternalFailure', message: String(err) }));
      if (target === 'secretsmanager.GetSecretValue') {
        const value = secrets.get(body.SecretId);
        if (value === undefined) return fail(new ServiceError('ResourceNotFoundException', `Secrets Manager can't find the specified secret ${body.SecretId}`));
        return send(200, { ARN: body.SecretId, Name: body.SecretId, SecretString: value, VersionId: 'local' });
      }
      if (target === 'AWSStepFunctions.StartExecution') {
        // Step Functions answers a throttled StartExecution 400 ThrottlingException (the SDK retries it).
        handlers.startExecution({ stateMachineArn: body.stateMachineArn, name: body.name, input: body.input }).then((out) => send(200, out), fail);
        return;
      }
      fail(new ServiceError('UnknownOperationException', `no local implementation of ${target}`));
    });
  });
  const apiPort = await listen(api);
  const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    dynamodbEndpoint: `http://127.0.0.1:${dbPort}`,
    s3Endpoint: `http://127.0.0.1:${s3Address.port}`,
    apiEndpoint: `http://127.0.0.1:${apiPort}`,
    secrets,
    async stop() {
      api.closeAllConnections();
      await Promise.all([close(db), s3.close(), close(api)]);
      rmSync(s3dir, { recursive: true, force: true });
    },
  };
}
