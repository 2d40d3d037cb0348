/**
 * The mutation catalogue: realistic mistakes a person makes in a construct, applied to the
 * synthesized Terraform JSON of a whole organisation (what `npm run synth` writes), each with
 * the guardrail rule that must catch it. Every mutation finds its target by resource type and
 * construct, never by an account id or a name of one manifest, so the catalogue runs on any
 * organisation; a mutation whose target is missing fails loudly instead of passing.
 */
import type { Manifest } from '../../accounts/schema';
import type { Organisation, TfJson } from '../../modules/guardrails';
import { parsePolicy } from '../../modules/core/terraform-json';
import { isObject, strings } from '../../modules/guardrails/tf';

export type Area = 'IAM' | 'KMS' | 'S3' | 'DynamoDB' | 'Lambda' | 'Step Functions' | 'API Gateway' | 'SNS/SQS' | 'CloudWatch Logs' | 'Providers/backend';

type Json = Record<string, unknown>;

export interface Target {
  readonly stack: string;
  /** Terraform address the finding must name: `aws_kms_key.x`, `provider.aws`, `terraform.backend.s3`. */
  readonly address: string;
}

/** The synthesized organisation a mutation edits: stacks are cloned on first write, so every mutation starts from the same synth. */
export class Workspace {
  readonly changed = new Map<string, TfJson>();

  constructor(
    private readonly base: ReadonlyMap<string, TfJson>,
    readonly manifest: Manifest,
    readonly organisation: Organisation,
  ) {}

  /** An account id of no organisation account (derived, so it differs from every manifest's). */
  get outsider(): string {
    const taken = new Set(this.organisation.accountIds);
    for (let n = 999999999999; ; n -= 111111111111) if (!taken.has(String(n))) return String(n);
  }

  private tf(stack: string): TfJson {
    let tf = this.changed.get(stack);
    if (!tf) {
      tf = structuredClone(this.base.get(stack)!);
      this.changed.set(stack, tf);
    }
    return tf;
  }

  private environmentOf(tf: TfJson): unknown {
    const p = (tf.provider?.aws ?? [])[0];
    const tags = Array.isArray(p?.default_tags) ? (p.default_tags[0] as Json | undefined)?.tags : undefined;
    return isObject(tags) ? tags.environment : undefined;
  }

  /** The first resource of `type` (stacks in name order, prod stacks first) whose logical name matches and that `where` accepts; its config is writable. */
  resource(type: string, name: RegExp = /./, where: (config: Json, stack: string) => boolean = () => true): Target & { config: Json; name: string } {
    const stacks = [...this.base.keys()].sort((a, b) => Number(this.environmentOf(this.base.get(b)!) === 'prod') - Number(this.environmentOf(this.base.get(a)!) === 'prod') || a.localeCompare(b));
    for (const stack of stacks) {
      for (const [n, config] of Object.entries(this.base.get(stack)!.resource?.[type] ?? {})) {
        if (name.test(n) && where(config, stack)) return { stack, address: `${type}.${n}`, name: n, config: this.tf(stack).resource![type]![n]! };
      }
    }
    throw new Error(`mutation does not apply: no ${type} matching ${name} in this organisation's synth`);
  }

  /** The default AWS provider of the first stack (prod first); writable. */
  provider(): Target & { config: Json } {
    const { stack } = this.resource('aws_dynamodb_table');
    return { stack, address: 'provider.aws', config: this.tf(stack).provider!.aws![0]! };
  }

  /** The account a stack's default provider is pinned to. */
  accountOf(stack: string): string {
    return strings(this.base.get(stack)!.provider?.aws?.[0]?.allowed_account_ids)[0]!;
  }

  /** The stack's S3 backend configuration; writable. */
  backend(stack: string): Record<string, Json> {
    const terraform = this.tf(stack).terraform as { backend: Record<string, Json> };
    return terraform.backend;
  }
}

/** Edits the policy document a resource holds as a JSON string (parsed afresh: the guardrails' parsed policies are shared and frozen). */
export function editPolicy(config: Json, arg: string, edit: (statements: Json[]) => Json[] | void): void {
  const parsed = parsePolicy(config[arg]);
  if (!parsed.ok) throw new Error(`mutation does not apply: ${arg} is not a literal policy (${parsed.reason})`);
  const statements = parsed.statements as Json[];
  const next = edit(statements) ?? statements;
  config[arg] = JSON.stringify({ Version: parsed.version ?? '2012-10-17', Statement: next });
}

/** The statement with this Sid; throws when the policy has none (the mutation would not apply). */
export function sid(statements: Json[], id: string): Json {
  const s = statements.find((x) => x.Sid === id);
  if (!s) throw new Error(`mutation does not apply: no statement ${id} (has ${statements.map((x) => String(x.Sid)).join(', ')})`);
  return s;
}

const hasSid = (config: Json, arg: string, id: string) => {
  const parsed = parsePolicy(config[arg]);
  return parsed.ok && parsed.statements.some((s) => s.Sid === id);
};
const trustNames = (config: Json, kind: string, value: RegExp) => {
  const parsed = parsePolicy(config.assume_role_policy);
  return parsed.ok && parsed.statements.some((s) => isObject(s.Principal) && strings(s.Principal[kind]).some((p) => value.test(p)));
};

const FUNCTION_POLICY = /_(validate|charge|fraud|submit)_execution-role_policy_/;
const STATE_MACHINE_POLICY = /_state-machine_execution-role_policy_/;

export interface Mutation {
  readonly id: string;
  readonly area: Area;
  readonly mistake: string;
  /** The rule that must report it. */
  readonly rule: string;
  /** Whether the mistake is one of the six a new user tried (they must fail the synth). */
  readonly tried?: boolean;
  apply(w: Workspace): Target;
}

const add =
  (statement: (w: Workspace, stack: string) => Json) =>
  (config: Json, w: Workspace, stack: string, arg = 'policy') =>
    editPolicy(config, arg, (s) => [...s, statement(w, stack)]);

export const MUTATIONS: readonly Mutation[] = [
  // ---- IAM: identity policies -----------------------------------------------------------
  {
    id: 'iam-function-dynamodb-star',
    area: 'IAM',
    mistake: '`dynamodb:*` on `*` in a function role',
    rule: 'iam-no-wildcards',
    tried: true,
    apply(w) {
      const t = w.resource('aws_iam_role_policy', FUNCTION_POLICY);
      add(() => ({ Sid: 'Debug', Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }))(t.config, w, t.stack);
      return t;
    },
  },
  {
    id: 'iam-function-every-secret',
    area: 'IAM',
    mistake: 'a function may read every secret (`arn:aws:secretsmanager:*:*:secret:*`)',
    rule: 'iam-resource-account-region',
    tried: true,
    apply(w) {
      const t = w.resource('aws_iam_role_policy', FUNCTION_POLICY);
      add(() => ({ Sid: 'Secrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: 'arn:aws:secretsmanager:*:*:secret:*' }))(t.config, w, t.stack);
      return t;
    },
  },
  {
    id: 'iam-function-queue-outside',
    area: 'IAM',
    mistake: 'a function sends to a queue in an account outside the organisation',
    rule: 'iam-resource-account-region',
    apply(w) {
      const t = w.resource('aws_iam_role_policy', FUNCTION_POLICY);
      add((ws) => ({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:${ws.manifest.deployment.region}:${ws.outsider}:exports` }))(t.config, w, t.stack);
      return t;
    },
  },
  {
    id: 'iam-state-machine-any-region',
    area: 'IAM',
    mistake: 'the state machine may invoke the project functions of every region',
    rule: 'iam-resource-account-region',
    apply(w) {
      const t = w.resource('aws_iam_role_policy', STATE_MACHINE_POLICY);
      const account = w.accountOf(t.stack);
      add(() => ({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: `arn:aws:lambda:*:${account}:function:${w.manifest.project}-*` }))(t.config, w, t.stack);
      return t;
    },
  },
  {
    id: 'iam-function-notaction',
    area: 'IAM',
    mistake: 'everything but IAM granted with NotAction',
    rule: 'iam-no-wildcards',
    apply(w) {
      const t = w.resource('aws_iam_role_policy', FUNCTION_POLICY);
      add(() => ({ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: 'arn:aws:s3:::*' }))(t.config, w, t.stack);
      return t;
    },
  },
  {
    id: 'iam-passrole-anything',
    area: 'IAM',
    mistake: 'iam:PassRole on every role',
    rule: 'iam-no-wildcards',
    apply(w) {
      const t = w.resource('aws_iam_role_policy', STATE_MACHINE_POLICY);
      add(() => ({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }))(t.config, w, t.stack);
      return t;
    },
  },
  // ---- IAM: trust policies --------------------------------------------------------------
  {
    id: 'trust-loses-org-id',
    area: 'IAM',
    mistake: "a cross-account role's trust loses its aws:PrincipalOrgID condition",
    rule: 'trust-principal-org-id',
    tried: true,
    apply(w) {
      const t = w.resource('aws_iam_role', /_deploy_role_/, (c) => trustNames(c, 'AWS', /:role\//));
      editPolicy(t.config, 'assume_role_policy', (s) => s.map(({ Condition: _dropped, ...rest }) => rest));
      return t;
    },
  },
  {
    id: 'trust-other-org-id',
    area: 'IAM',
    mistake: "a cross-account role's trust names another organisation's id",
    rule: 'trust-principal-org-id',
    apply(w) {
      const t = w.resource('aws_iam_role', /_plan_role_/, (c) => trustNames(c, 'AWS', /:role\//));
      editPolicy(t.config, 'assume_role_policy', (s) => s.map((x) => ({ ...x, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-someoneelse1' } } })));
      return t;
    },
  },
  {
    id: 'trust-outside-account',
    area: 'IAM',
    mistake: 'the plan role also trusts a consultant account outside the organisation',
    rule: 'principal-in-organisation',
    apply(w) {
      const t = w.resource('aws_iam_role', /_plan_role_/, (c) => trustNames(c, 'AWS', /:role\//));
      editPolicy(t.config, 'assume_role_policy', (s) => s.map((x) => ({ ...x, Principal: { AWS: [...strings((x.Principal as Json).AWS), `arn:aws:iam::${w.outsider}:root`] } })));
      return t;
    },
  },
  {
    id: 'trust-state-machine-unscoped',
    area: 'IAM',
    mistake: "the state machine role's trust loses aws:SourceAccount/aws:SourceArn",
    rule: 'principal-in-organisation',
    apply(w) {
      const t = w.resource('aws_iam_role', /_state-machine_execution-role_/);
      editPolicy(t.config, 'assume_role_policy', (s) => s.map(({ Condition: _dropped, ...rest }) => rest));
      return t;
    },
  },
  {
    id: 'trust-replication-outside-source',
    area: 'IAM',
    mistake: 'the replication role may be assumed by S3 for an account outside the organisation',
    rule: 'principal-in-organisation',
    apply(w) {
      const t = w.resource('aws_iam_role', /_replication_role_/);
      editPolicy(t.config, 'assume_role_policy', (s) => s.map((x) => ({ ...x, Condition: { ...(x.Condition as Json), StringEquals: { 'aws:SourceAccount': w.outsider } } })));
      return t;
    },
  },
  {
    id: 'trust-oidc-outside',
    area: 'IAM',
    mistake: "a CI role trusts another account's GitHub identity provider",
    rule: 'principal-in-organisation',
    apply(w) {
      const t = w.resource('aws_iam_role', /^github_/, (c) => trustNames(c, 'Federated', /oidc-provider/));
      editPolicy(t.config, 'assume_role_policy', (s) =>
        s.map((x) => ({ ...x, Principal: { Federated: strings((x.Principal as Json).Federated).map((f) => f.replace(/::\d{12}:/, `::${w.outsider}:`)) } })),
      );
      return t;
    },
  },
  {
    id: 'trust-function-anyone',
    area: 'IAM',
    mistake: 'a function role trusts `*` to try it from a laptop',
    rule: 'resource-policy-open-principal',
    apply(w) {
      const t = w.resource('aws_iam_role', /_(validate|charge)_execution-role_/);
      editPolicy(t.config, 'assume_role_policy', (s) => [...s, { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }]);
      return t;
    },
  },
  // ---- KMS ------------------------------------------------------------------------------
  {
    id: 'kms-decrypt-outside',
    area: 'KMS',
    mistake: "the data key's policy gives kms:Decrypt to an account outside the organisation, no condition",
    rule: 'principal-in-organisation',
    tried: true,
    apply(w) {
      const t = w.resource('aws_kms_key', /^data_key_primary/);
      add(() => ({ Sid: 'PartnerReads', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${w.outsider}:root` }, Action: 'kms:Decrypt', Resource: '*' }))(t.config, w, t.stack);
      return t;
    },
  },
  {
    id: 'kms-star',
    area: 'KMS',
    mistake: 'the account root gets kms:* on the data key',
    rule: 'iam-no-wildcards',
    apply(w) {
      const t = w.resource('aws_kms_key', /^data_key_primary/);
      editPolicy(t.config, 'policy', (s) => void (sid(s, 'AccountAdministersKey').Action = 'kms:*'));
      return t;
    },
  },
  {
    id: 'kms-rotation-off',
    area: 'KMS',
    mistake: 'key rotation turned off',
    rule: 'kms-key-rotation',
    apply(w) {
      const t = w.resource('aws_kms_key', /^data_key_primary/);
      t.config.enable_key_rotation = false;
      return t;
    },
  },
  {
    id: 'kms-short-deletion-window',
    area: 'KMS',
    mistake: 'a prod key deleted after 7 days',
    rule: 'prod-deletion-protection',
    apply(w) {
      const t = w.resource('aws_kms_key', /^data_key_primary/);
      t.config.deletion_window_in_days = 7;
      return t;
    },
  },
  {
    id: 'kms-events-unscoped',
    area: 'KMS',
    mistake: "EventBridge's use of the data key loses aws:SourceAccount",
    rule: 'principal-in-organisation',
    apply(w) {
      const t = w.resource('aws_kms_key', /^data_key_primary/);
      editPolicy(t.config, 'policy', (s) => void delete sid(s, 'EventBridgeToEncryptedQueue').Condition);
      return t;
    },
  },
  {
    id: 'kms-logs-outside-context',
    area: 'KMS',
    mistake: "CloudWatch Logs may encrypt another account's log groups with the data key",
    rule: 'principal-in-organisation',
    apply(w) {
      const t = w.resource('aws_kms_key', /^data_key_primary/);
      editPolicy(t.config, 'policy', (s) => {
        const x = sid(s, 'CloudWatchLogsEncryptLogGroups');
        x.Condition = JSON.parse(JSON.stringify(x.Condition).replace(/:\d{12}:/, `:${w.outsider}:`));
      });
      return t;
    },
  },
  {
    id: 'kms-replica-admin-outside',
    area: 'KMS',
    mistake: "a replica key's administrator is an account outside the organisation",
    rule: 'principal-in-organisation',
    apply(w) {
      const t = w.resource('aws_kms_replica_key');
      editPolicy(t.config, 'policy', (s) => void (sid(s, 'AccountAdministersKey').Principal = { AWS: `arn:aws:iam::${w.outsider}:root` }));
      return t;
    },
  },
  {
    id: 'secret-aws-managed-key',
    area: 'KMS',
    mistake: 'the gateway secret left on the AWS-managed aws/secretsmanager key',
    rule: 'encryption-secret-cmk',
    apply(w) {
      const t = w.resource('aws_secretsmanager_secret');
      delete t.config.kms_key_id;
      return t;
    },
  },
  // ---- S3 -------------------------------------------------------------------------------
  {
    id: 's3-get-object-anyone',
    area: 'S3',
    mistake: 'a bucket statement allowing s3:GetObject to `*`',
    rule: 'resource-policy-open-principal',
    tried: true,
    apply(w) {
      const t = w.resource('aws_s3_bucket_policy', /_archive_policy_/);
      add(() => ({ Sid: 'Share', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*' }))(t.config, w, t.stack);
      return t;
    },
  },
  {
    id: 's3-log-archive-outside-replicator',
    area: 'S3',
    mistake: 'the log archive accepts replicas from an account outside the organisation',
    rule: 'principal-in-organisation',
    apply(w) {
      const t = w.resource('aws_s3_bucket_policy', /^archive_policy_/, (c) => hasSid(c, 'policy', 'WorkloadReplicationRolesReplicate'));
      editPolicy(t.config, 'policy', (s) => {
        const x = sid(s, 'WorkloadReplicationRolesReplicate');
        x.Principal = { AWS: [...strings((x.Principal as Json).AWS), `arn:aws:iam::${w.outsider}:root`] };
      });
      return t;
    },
  },
  {
    id: 's3-log-delivery-unscoped',
    area: 'S3',
    mistake: 'S3 server access log delivery loses its source conditions',
    rule: 'principal-in-organisation',
    apply(w) {
      const t = w.resource('aws_s3_bucket_policy', /_access-logs_policy_/);
      editPolicy(t.config, 'policy', (s) => void delete sid(s, 'S3ServerAccessLogDelivery').Condition);
      return t;
    },
  },
  {
    id: 's3-state-bucket-outside',
    area: 'S3',
    mistake: 'the state bucket lets an account outside the organisation read state',
    rule: 'principal-in-organisation',
    apply(w) {
      const t = w.resource('aws_s3_bucket_policy', /^state_bucket_policy/);
      editPolicy(t.config, 'policy', (s) => void (sid(s, 'ManagementAccountState').Principal = { AWS: `arn:aws:iam::${w.outsider}:root` }));
      return t;
    },
  },
  {
    id: 's3-tls-deny-dropped',
    area: 'S3',
    mistake: 'the TLS-only statement removed from a bucket policy',
    rule: 'bucket-tls-only',
    apply(w) {
      const p = w.resource('aws_s3_bucket_policy', /_archive_policy_/);
      editPolicy(p.config, 'policy', (s) => s.filter((x) => x.Sid !== 'DenyInsecureTransport'));
      const bucket = w.resource('aws_s3_bucket', new RegExp(`^${p.name.replace(/_policy_.*$/, '')}_bucket_`), (_c, stack) => stack === p.stack);
      return bucket;
    },
  },
  {
    id: 's3-public-access-block-off',
    area: 'S3',
    mistake: 'block_public_policy turned off',
    rule: 'bucket-public-access-block',
    apply(w) {
      const pab = w.resource('aws_s3_bucket_public_access_block', /_archive_public-access_/);
      pab.config.block_public_policy = false;
      return w.resource('aws_s3_bucket', new RegExp(`^${pab.name.replace(/_public-access_.*$/, '')}_bucket_`), (_c, stack) => stack === pab.stack);
    },
  },
  {
    id: 's3-versioning-suspended',
    area: 'S3',
    mistake: 'versioning suspended on the archive',
    rule: 'bucket-versioning',
    apply(w) {
      const v = w.resource('aws_s3_bucket_versioning', /_archive_versioning_/);
      (Array.isArray(v.config.versioning_configuration) ? (v.config.versioning_configuration[0] as Json) : (v.config.versioning_configuration as Json)).status = 'Suspended';
      return w.resource('aws_s3_bucket', new RegExp(`^${v.name.replace(/_versioning_.*$/, '')}_bucket_`), (_c, stack) => stack === v.stack);
    },
  },
  {
    id: 's3-force-destroy',
    area: 'S3',
    mistake: 'force_destroy on a prod archive bucket',
    rule: 'prod-deletion-protection',
    apply(w) {
      const t = w.resource('aws_s3_bucket', /_archive_bucket_/);
      t.config.force_destroy = true;
      return t;
    },
  },
  {
    id: 's3-sse-s3',
    area: 'S3',
    mistake: 'the archive encrypted with SSE-S3 instead of the data key',
    rule: 'encryption-bucket-cmk',
    apply(w) {
      const e = w.resource('aws_s3_bucket_server_side_encryption_configuration', /_archive_encryption_/);
      e.config.rule = [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }];
      return w.resource('aws_s3_bucket', new RegExp(`^${e.name.replace(/_encryption_.*$/, '')}_bucket_`), (_c, stack) => stack === e.stack);
    },
  },
  // ---- DynamoDB -------------------------------------------------------------------------
  {
    id: 'dynamodb-pitr-off',
    area: 'DynamoDB',
    mistake: 'point-in-time recovery turned off on the payments table',
    rule: 'table-pitr',
    tried: true,
    apply(w) {
      const t = w.resource('aws_dynamodb_table');
      t.config.point_in_time_recovery = { enabled: false };
      return t;
    },
  },
  {
    id: 'dynamodb-aws-owned-key',
    area: 'DynamoDB',
    mistake: 'the payments table on the AWS-owned key',
    rule: 'encryption-table-cmk',
    apply(w) {
      const t = w.resource('aws_dynamodb_table');
      delete t.config.server_side_encryption;
      return t;
    },
  },
  {
    id: 'dynamodb-no-deletion-protection',
    area: 'DynamoDB',
    mistake: 'deletion protection off on a prod table',
    rule: 'prod-deletion-protection',
    apply(w) {
      const t = w.resource('aws_dynamodb_table');
      t.config.deletion_protection_enabled = false;
      return t;
    },
  },
  {
    id: 'dynamodb-replica-without-key',
    area: 'DynamoDB',
    mistake: 'a replica region without the key replica',
    rule: 'encryption-table-cmk',
    apply(w) {
      const t = w.resource('aws_dynamodb_table', /./, (c) => Array.isArray(c.replica) && c.replica.length > 0);
      delete (t.config.replica as Json[])[0]!.kms_key_arn;
      return t;
    },
  },
  // ---- Lambda ---------------------------------------------------------------------------
  {
    id: 'lambda-old-runtime',
    area: 'Lambda',
    mistake: 'a function moved to nodejs18.x',
    rule: 'lambda-runtime-supported',
    apply(w) {
      const t = w.resource('aws_lambda_function');
      t.config.runtime = 'nodejs18.x';
      return t;
    },
  },
  {
    id: 'lambda-tracing-passthrough',
    area: 'Lambda',
    mistake: 'tracing switched to PassThrough',
    rule: 'lambda-tracing-active',
    apply(w) {
      const t = w.resource('aws_lambda_function');
      t.config.tracing_config = { mode: 'PassThrough' };
      return t;
    },
  },
  {
    id: 'lambda-permission-outside-account',
    area: 'Lambda',
    mistake: 'an account outside the organisation may invoke a function',
    rule: 'principal-in-organisation',
    apply(w) {
      const t = w.resource('aws_lambda_permission');
      Object.assign(t.config, { principal: w.outsider, source_arn: undefined });
      return t;
    },
  },
  {
    id: 'lambda-permission-unscoped-service',
    area: 'Lambda',
    mistake: 'API Gateway may invoke a function without source_arn (any API of any account)',
    rule: 'principal-in-organisation',
    apply(w) {
      const t = w.resource('aws_lambda_permission', /./, (c) => c.principal === 'apigateway.amazonaws.com');
      delete t.config.source_arn;
      return t;
    },
  },
  {
    id: 'lambda-alarms-removed',
    area: 'Lambda',
    mistake: "a function's alarms point at a renamed function",
    rule: 'alarm-coverage',
    apply(w) {
      const fn = w.resource('aws_lambda_function');
      for (const alarm of Object.keys(w.changed.get(fn.stack)!.resource!.aws_cloudwatch_metric_alarm ?? {})) {
        const a = w.resource('aws_cloudwatch_metric_alarm', new RegExp(`^${alarm}$`), (_c, s) => s === fn.stack);
        if (isObject(a.config.dimensions) && a.config.dimensions.FunctionName === fn.config.function_name) a.config.dimensions = { FunctionName: `${String(fn.config.function_name)}-old` };
      }
      return fn;
    },
  },
  {
    id: 'lambda-public-url',
    area: 'Lambda',
    mistake: 'a public function URL added to try a function from a browser',
    rule: 'lambda-url-iam-auth',
    apply(w) {
      const fn = w.resource('aws_lambda_function');
      const tf = w.changed.get(fn.stack)!;
      tf.resource!.aws_lambda_function_url = { ...(tf.resource!.aws_lambda_function_url ?? {}), demo_url: { function_name: `\${${fn.address}.function_name}`, authorization_type: 'NONE' } };
      return { stack: fn.stack, address: 'aws_lambda_function_url.demo_url' };
    },
  },
  // ---- Step Functions -------------------------------------------------------------------
  {
    id: 'sfn-task-without-retry',
    area: 'Step Functions',
    mistake: 'a Task state loses its Retry',
    rule: 'sfn-task-resilience',
    apply(w) {
      const t = w.resource('aws_sfn_state_machine');
      const definition = JSON.parse(String(t.config.definition)) as Json;
      const strip = (states: Json): boolean =>
        Object.values(states).some((s) => {
          if (!isObject(s)) return false;
          if (s.Type === 'Task' && s.Retry) return delete s.Retry;
          return (Array.isArray(s.Branches) ? s.Branches : []).some((b) => isObject(b) && isObject(b.States) && strip(b.States));
        });
      if (!strip(definition.States as Json)) throw new Error('mutation does not apply: no Task with Retry');
      t.config.definition = JSON.stringify(definition);
      return t;
    },
  },
  {
    id: 'sfn-logging-off',
    area: 'Step Functions',
    mistake: 'execution logging level OFF',
    rule: 'sfn-logging-tracing',
    apply(w) {
      const t = w.resource('aws_sfn_state_machine');
      t.config.logging_configuration = { ...(t.config.logging_configuration as Json), level: 'OFF' };
      return t;
    },
  },
  {
    id: 'sfn-tracing-off',
    area: 'Step Functions',
    mistake: 'state machine tracing disabled',
    rule: 'sfn-logging-tracing',
    apply(w) {
      const t = w.resource('aws_sfn_state_machine');
      t.config.tracing_configuration = { enabled: false };
      return t;
    },
  },
  // ---- API Gateway ----------------------------------------------------------------------
  {
    id: 'api-stage-untraced',
    area: 'API Gateway',
    mistake: 'X-Ray off on the API stage',
    rule: 'api-stage-tracing-logging',
    apply(w) {
      const t = w.resource('aws_api_gateway_stage');
      t.config.xray_tracing_enabled = false;
      return t;
    },
  },
  {
    id: 'api-stage-no-access-logs',
    area: 'API Gateway',
    mistake: 'access logging removed from the API stage',
    rule: 'api-stage-tracing-logging',
    apply(w) {
      const t = w.resource('aws_api_gateway_stage');
      delete t.config.access_log_settings;
      return t;
    },
  },
  {
    id: 'api-policy-outside-client',
    area: 'API Gateway',
    mistake: 'an account neither in the organisation nor a manifest client added to the API policy',
    rule: 'principal-in-organisation',
    apply(w) {
      const t = w.resource('aws_api_gateway_rest_api_policy');
      editPolicy(t.config, 'policy', (s) => {
        const x = sid(s, 'ApiClients');
        x.Principal = { AWS: [...strings((x.Principal as Json).AWS), `arn:aws:iam::${w.outsider}:root`] };
      });
      return t;
    },
  },
  {
    id: 'api-method-unauthenticated',
    area: 'API Gateway',
    mistake: 'a method switched to authorization NONE to debug a client',
    rule: 'api-method-authorized',
    apply(w) {
      const t = w.resource('aws_api_gateway_method', /./, (c) => c.http_method === 'POST');
      t.config.authorization = 'NONE';
      return t;
    },
  },
  {
    id: 'api-method-without-key',
    area: 'API Gateway',
    mistake: 'a method that no longer requires the API key (no usage plan throttles it)',
    rule: 'api-method-authorized',
    apply(w) {
      const t = w.resource('aws_api_gateway_method', /./, (c) => c.http_method === 'GET');
      t.config.api_key_required = false;
      return t;
    },
  },
  // ---- SNS / SQS ------------------------------------------------------------------------
  {
    id: 'sns-alarms-from-outside',
    area: 'SNS/SQS',
    mistake: 'the alarm topic accepts CloudWatch alarms of an account outside the organisation',
    rule: 'principal-in-organisation',
    apply(w) {
      const t = w.resource('aws_sns_topic_policy', /^alarm-topic_policy/);
      editPolicy(t.config, 'policy', (s) => {
        const x = sid(s, 'CloudWatchAlarmsOfThisAccountPublish');
        x.Condition = JSON.parse(JSON.stringify(x.Condition).replace(/\d{12}/g, w.outsider));
      });
      return t;
    },
  },
  {
    id: 'sns-publish-anyone',
    area: 'SNS/SQS',
    mistake: 'anyone may publish to the alarm topic',
    rule: 'resource-policy-open-principal',
    apply(w) {
      const t = w.resource('aws_sns_topic_policy', /^alarm-topic_policy/);
      add(() => ({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sns:Publish', Resource: '*' }))(t.config, w, t.stack);
      return t;
    },
  },
  {
    id: 'sns-unencrypted',
    area: 'SNS/SQS',
    mistake: 'a topic without its customer-managed key',
    rule: 'encryption-topic-cmk',
    apply(w) {
      const t = w.resource('aws_sns_topic');
      delete t.config.kms_master_key_id;
      return t;
    },
  },
  {
    id: 'sqs-aws-managed-key',
    area: 'SNS/SQS',
    mistake: 'the dead-letter queue on alias/aws/sqs',
    rule: 'encryption-queue-cmk',
    apply(w) {
      const t = w.resource('aws_sqs_queue');
      t.config.kms_master_key_id = 'alias/aws/sqs';
      return t;
    },
  },
  {
    id: 'sqs-dlq-unscoped',
    area: 'SNS/SQS',
    mistake: 'any EventBridge rule (of any account) may send to the dead-letter queue',
    rule: 'principal-in-organisation',
    apply(w) {
      const t = w.resource('aws_sqs_queue_policy');
      editPolicy(t.config, 'policy', (s) => s.map(({ Condition: _dropped, ...rest }) => rest));
      return t;
    },
  },
  // ---- CloudWatch Logs ------------------------------------------------------------------
  {
    id: 'logs-kept-forever',
    area: 'CloudWatch Logs',
    mistake: 'a log group without retention',
    rule: 'log-group-retention',
    apply(w) {
      const t = w.resource('aws_cloudwatch_log_group');
      delete t.config.retention_in_days;
      return t;
    },
  },
  {
    id: 'logs-unencrypted',
    area: 'CloudWatch Logs',
    mistake: 'a log group without the data key',
    rule: 'encryption-log-group-cmk',
    apply(w) {
      const t = w.resource('aws_cloudwatch_log_group');
      delete t.config.kms_key_id;
      return t;
    },
  },
  {
    id: 'logs-alarm-silenced',
    area: 'CloudWatch Logs',
    mistake: 'an alarm with actions_enabled = false',
    rule: 'alarm-has-actions',
    apply(w) {
      const t = w.resource('aws_cloudwatch_metric_alarm');
      t.config.actions_enabled = false;
      return t;
    },
  },
  // ---- Providers and backend ------------------------------------------------------------
  {
    id: 'provider-unpinned',
    area: 'Providers/backend',
    mistake: 'allowed_account_ids removed from a provider',
    rule: 'provider-pinned-account',
    apply(w) {
      const t = w.provider();
      delete t.config.allowed_account_ids;
      return t;
    },
  },
  {
    id: 'provider-pinned-outside',
    area: 'Providers/backend',
    mistake: 'a provider pinned to an account outside the organisation',
    rule: 'provider-pinned-account',
    apply(w) {
      const t = w.provider();
      t.config.allowed_account_ids = [w.outsider];
      return t;
    },
  },
  {
    id: 'provider-assumes-elsewhere',
    area: 'Providers/backend',
    mistake: "a provider assumes the deployment account's role instead of its own account's",
    rule: 'provider-pinned-account',
    apply(w) {
      const t = w.provider();
      const role = (t.config.assume_role as Json[])[0]!;
      role.role_arn = String(role.role_arn).replace(/iam::\d{12}:/g, `iam::${w.manifest.deployment.accountId}:`);
      return t;
    },
  },
  {
    id: 'provider-static-keys',
    area: 'Providers/backend',
    mistake: 'access keys pasted into a provider',
    rule: 'provider-no-static-credentials',
    apply(w) {
      const t = w.provider();
      Object.assign(t.config, { access_key: 'AKIAEXAMPLEEXAMPLE00', secret_key: 'example/secret/key/not/real' });
      return t;
    },
  },
  {
    id: 'backend-unencrypted',
    area: 'Providers/backend',
    mistake: 'state encryption turned off',
    rule: 'state-backend-encrypted',
    apply(w) {
      const { stack } = w.provider();
      w.backend(stack).s3!.encrypt = false;
      return { stack, address: 'terraform.backend.s3' };
    },
  },
  {
    id: 'backend-local',
    area: 'Providers/backend',
    mistake: 'state moved to a local file for a quick test',
    rule: 'state-backend-encrypted',
    apply(w) {
      const { stack } = w.provider();
      const backend = w.backend(stack);
      delete backend.s3;
      backend.local = { path: 'terraform.tfstate' };
      return { stack, address: 'terraform.backend.local' };
    },
  },
  {
    id: 'backend-unlocked',
    area: 'Providers/backend',
    mistake: 'state locking removed',
    rule: 'state-backend-encrypted',
    apply(w) {
      const { stack } = w.provider();
      delete w.backend(stack).s3!.use_lockfile;
      return { stack, address: 'terraform.backend.s3' };
    },
  },
  {
    id: 'backend-key-outside',
    area: 'Providers/backend',
    mistake: 'state encrypted with a key of an account outside the organisation',
    rule: 'state-backend-encrypted',
    apply(w) {
      const { stack } = w.provider();
      const s3 = w.backend(stack).s3!;
      s3.kms_key_id = String(s3.kms_key_id).replace(/:\d{12}:/, `:${w.outsider}:`);
      return { stack, address: 'terraform.backend.s3' };
    },
  },
];
