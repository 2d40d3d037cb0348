/**
 * What each Lambda handler sends to AWS, two ways that must agree:
 * - `HANDLER_CALLS`, the table: per handler, each SDK command it sends, the IAM action
 *   that command needs, and the environment variable that names the resource;
 * - `sentCommands`, read from the source: every `new <X>Command(…)` of an `@aws-sdk/*`
 *   import in the handler's `index.ts` and everything it imports from the repository.
 * Adding a handler or a command is one entry here; a command in the source that the table
 * lacks (or the other way round) fails the run-time permission test by name. Libraries that
 * send AWS calls themselves (Powertools' idempotency persistence layer) are listed with the
 * calls they send; an AWS-calling package the scanner does not know stops it, by name.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';
import { LAMBDAS_DIR, type HandlerName } from '../../../modules/workflow/lambda-bundle';
import { paymentIdFor } from '../../../contract/payment';
import { velocityWindowKey } from '../../../contract/records';

/** The kind of resource an environment variable names, and how its ARN is formed. */
export type ResourceKind = 'dynamodb-table' | 'secret' | 'state-machine' | 'sns-topic' | 's3-archive';

export interface HandlerCall {
  /** The SDK package the command class is imported from. */
  readonly sdk: string;
  readonly command: string;
  /** The IAM action the command is authorised as (Service Authorization Reference). */
  readonly action: string;
  /** Environment variable of the function holding the resource's name or ARN. */
  readonly env: string;
  readonly kind: ResourceKind;
  /**
   * Set when the code sends the command only in some configurations: the call is made by a
   * deployed function only if its environment sets `env` (the sandbox captures table exists
   * only where the gateway runs in sandbox mode, the gateway secret only where it is live).
   */
  readonly onlyWhenSet?: true;
  /** A DynamoDB item call: a partition key of the items the code addresses (`dynamodb:LeadingKeys`). @default none given */
  readonly leadingKey?: string;
}

/**
 * Classes outside the AWS SDK that send AWS calls of their own, with the IAM actions of the
 * calls they send (read from the library's source). A handler that constructs one lists each
 * action, e.g. `...libraryCalls('@aws-lambda-powertools/idempotency/dynamodb', 'DynamoDBPersistenceLayer', 'IDEMPOTENCY_TABLE')`.
 */
export const CALLING_LIBRARIES: Record<string, Record<string, { kind: ResourceKind; actions: string[] }>> = {
  '@aws-lambda-powertools/idempotency/dynamodb': {
    DynamoDBPersistenceLayer: { kind: 'dynamodb-table', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] },
  },
};

/** Every call a calling library's class sends, on the resource named by `env`. */
export function libraryCalls(sdk: string, command: string, env: string): HandlerCall[] {
  const lib = CALLING_LIBRARIES[sdk]?.[command];
  if (!lib) throw new Error(`${sdk} ${command} is not a known calling library`);
  return lib.actions.map((action) => ({ sdk, command, action, env, kind: lib.kind }));
}

/** Packages handlers import that make no AWS call of their own. */
const QUIET_PACKAGES = [/^@aws-lambda-powertools\/(logger|metrics|tracer|commons)(\/|$)/, /^@aws-lambda-powertools\/idempotency(\/(cache|middleware|types|persistence))?$/, /^aws-lambda$/, /^node:/];

/** Document-client commands and the action each is authorised as (a transaction: one entry per item action it holds). */
const DOCUMENT_COMMANDS = {
  GetCommand: 'dynamodb:GetItem',
  PutCommand: 'dynamodb:PutItem',
  UpdateCommand: 'dynamodb:UpdateItem',
  DeleteCommand: 'dynamodb:DeleteItem',
  QueryCommand: 'dynamodb:Query',
  ScanCommand: 'dynamodb:Scan',
  BatchGetCommand: 'dynamodb:BatchGetItem',
  BatchWriteCommand: 'dynamodb:BatchWriteItem',
} as const;

const ddb = (command: keyof typeof DOCUMENT_COMMANDS, env: string, onlyWhenSet?: true, leadingKey?: string): HandlerCall => ({
  sdk: '@aws-sdk/lib-dynamodb',
  command,
  action: DOCUMENT_COMMANDS[command],
  env,
  kind: 'dynamodb-table',
  ...(onlyWhenSet ? { onlyWhenSet } : {}),
  ...(leadingKey ? { leadingKey } : {}),
});

/** A payment record's partition key, as `paymentIdFor` makes them. */
/** A velocity window's partition key, as the fraud screen makes it. */
export const A_WINDOW_KEY = velocityWindowKey('mer_123', 'tok_success');
export const A_PAYMENT_ID = paymentIdFor('default', 'an-idempotency-key');

/** What the gateway adapter sends: the live credential (live stacks only) or the sandbox's captures table (sandbox stacks only). */
const GATEWAY_CALLS: readonly HandlerCall[] = [
  { sdk: '@aws-sdk/client-secrets-manager', command: 'GetSecretValueCommand', action: 'secretsmanager:GetSecretValue', env: 'GATEWAY_SECRET_ARN', kind: 'secret', onlyWhenSet: true },
  ddb('GetCommand', 'SANDBOX_TABLE', true),
  ddb('UpdateCommand', 'SANDBOX_TABLE', true),
];

const START_EXECUTION: HandlerCall = { sdk: '@aws-sdk/client-sfn', command: 'StartExecutionCommand', action: 'states:StartExecution', env: 'STATE_MACHINE_ARN', kind: 'state-machine' };

/** Per handler, every AWS call its code can make. */
export const HANDLER_CALLS: Record<HandlerName, readonly HandlerCall[]> = {
  validate: [],
  // The fraud screen addresses only velocity windows: keys the contract makes from a merchant and a card.
  fraud: [ddb('GetCommand', 'COUNTERS_TABLE', undefined, A_WINDOW_KEY), ddb('PutCommand', 'COUNTERS_TABLE', undefined, A_WINDOW_KEY)],
  charge: [
    ...GATEWAY_CALLS,
    // The claim of the charge (RECEIVED → CHARGING) before the gateway is called.
    ddb('UpdateCommand', 'PAYMENTS_TABLE'),
  ],
  submit: [
    ddb('PutCommand', 'PAYMENTS_TABLE', undefined, A_PAYMENT_ID),
    // Read back the first request's record when the conditional put does not return it.
    ddb('GetCommand', 'PAYMENTS_TABLE', undefined, A_PAYMENT_ID),
    START_EXECUTION,
  ],
  reconcile: [
    ...GATEWAY_CALLS,
    ddb('ScanCommand', 'PAYMENTS_TABLE'),
    ddb('UpdateCommand', 'PAYMENTS_TABLE'),
    START_EXECUTION,
    { sdk: '@aws-sdk/client-sns', command: 'PublishCommand', action: 'sns:Publish', env: 'EVENTS_TOPIC_ARN', kind: 'sns-topic' },
    { sdk: '@aws-sdk/client-s3', command: 'PutObjectCommand', action: 's3:PutObject', env: 'ARCHIVE_BUCKET', kind: 's3-archive' },
    ddb('PutCommand', 'REDRIVE_TABLE'),
  ],
  status: [ddb('GetCommand', 'PAYMENTS_TABLE')],
  failure: [ddb('UpdateCommand', 'PAYMENTS_TABLE')],
};

export interface SentCommand {
  readonly sdk: string;
  readonly command: string;
  /** Repository-relative file that sends it. */
  readonly file: string;
}

/** Every SDK command constructed in the handler's source and the repository files it imports. */
export function sentCommands(handler: HandlerName): SentCommand[] {
  return commandsSentFrom(join(LAMBDAS_DIR, handler, 'index.ts'));
}

/** Every AWS-calling construction in `entry` and the files it imports by relative path. */
export function commandsSentFrom(entry: string): SentCommand[] {
  const out: SentCommand[] = [];
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const sdkImports = new Map<string, string>();
    for (const st of source.statements) {
      if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
      const from = st.moduleSpecifier.text;
      if (from.startsWith('.')) {
        const base = resolve(dirname(file), from);
        const target = [`${base}.ts`, join(base, 'index.ts')].find(existsSync);
        if (!target) throw new Error(`${file}: cannot find the module ${from}`);
        visit(target);
      } else if (from.startsWith('@aws-sdk/')) {
        const named = st.importClause?.namedBindings;
        if (named && ts.isNamedImports(named)) {
          for (const el of named.elements) {
            const typeOnly = st.importClause?.isTypeOnly || el.isTypeOnly;
            // Commands are what is sent; clients send only commands; exceptions are thrown. An aggregated
            // client (`new DynamoDB().getItem()`) would call AWS without a command: the scanner cannot see it.
            if (!typeOnly && !/(Command|Client|Exception)$/.test(el.name.text)) throw new Error(`${file}: cannot tell which AWS calls ${el.name.text} from ${from} makes; send commands instead`);
            sdkImports.set(el.name.text, from);
          }
        }
      } else if (CALLING_LIBRARIES[from]) {
        const named = st.importClause?.namedBindings;
        if (named && ts.isNamedImports(named)) for (const el of named.elements) if (CALLING_LIBRARIES[from]![el.name.text]) sdkImports.set(el.name.text, from);
      } else if (!QUIET_PACKAGES.some((re) => re.test(from)) && !st.importClause?.isTypeOnly && /aws/i.test(from)) {
        throw new Error(`${file}: cannot tell which AWS calls ${from} makes; add it to CALLING_LIBRARIES or, if it makes none, to QUIET_PACKAGES`);
      }
    }
    const walk = (node: ts.Node) => {
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression)) {
        const name = node.expression.text;
        const sdk = sdkImports.get(name);
        if (sdk && (name.endsWith('Command') || CALLING_LIBRARIES[sdk]?.[name])) out.push({ sdk, command: name, file: relative(resolve(LAMBDAS_DIR, '..'), file) });
      }
      ts.forEachChild(node, walk);
    };
    walk(source);
  };
  visit(entry);
  return out;
}
