/**
 * The synthesized stacks of one organisation as one index: where each resource lives
 * (stack, account from the pinned provider, region from its provider alias) and the
 * value each Terraform reference will have after apply, built from the resource's
 * synthesized attributes. Values AWS assigns at apply time (key ids, API ids, the random
 * suffix of a secret ARN) get a well-formed placeholder that is stable per resource, so
 * every document that names the same resource names it the same way.
 *
 * A reference this index does not know fails with its name: a policy is never evaluated
 * with an unresolved `${…}` in it.
 */
import { createHash } from 'node:crypto';
import type { Synthesized, TfJson } from './synth';

export type Cfg = Record<string, any>;

export interface Located {
  readonly stack: string;
  readonly type: string;
  readonly id: string;
  readonly cfg: Cfg;
  readonly account: string;
  readonly region: string;
}

const hex = (seed: string, n: number) => createHash('sha256').update(seed).digest('hex').slice(0, n);
const REMOTE_OUTPUT = /\$\{data\.terraform_remote_state\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_]+)\}/g;
const REF = /\$\{((?:data\.)?[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}/g;

export class TfIndex {
  private readonly byRef = new Map<string, Located>();
  private readonly all: Located[] = [];

  constructor(readonly synth: Synthesized) {
    for (const [stack, tf] of synth.stacks) {
      const providers = (tf.provider?.aws ?? []) as Cfg[];
      const where = (cfg: Cfg) => {
        const alias = typeof cfg.provider === 'string' && cfg.provider.startsWith('aws.') ? cfg.provider.slice(4) : undefined;
        const p = alias ? providers.find((x) => x.alias === alias) : providers.find((x) => x.alias === undefined);
        if (!p) throw new Error(`${stack}: no provider ${cfg.provider ?? '(default)'}`);
        return { account: String((p.allowed_account_ids as string[])[0]), region: String(p.region) };
      };
      for (const [kind, blocks] of [
        ['', tf.resource],
        ['data.', tf.data],
      ] as const) {
        for (const [type, resources] of Object.entries(blocks ?? {})) {
          for (const [id, cfg] of Object.entries(resources)) {
            const loc: Located = { stack, type: `${kind}${type}`, id, cfg: cfg as Cfg, ...where(cfg as Cfg) };
            this.byRef.set(`${stack}|${kind}${type}.${id}`, loc);
            this.all.push(loc);
          }
        }
      }
    }
  }

  stack(name: string): TfJson {
    const tf = this.synth.stacks.get(name);
    if (!tf) throw new Error(`no stack ${name}`);
    return tf;
  }

  /** Every resource (or data source) of a type, in every stack or in one. */
  find(type: string, stack?: string): Located[] {
    return this.all.filter((r) => r.type === type && (stack === undefined || r.stack === stack));
  }

  /** The resource a `${type.id.attr}` reference of `stack` points to. */
  located(stack: string, ref: string): Located {
    const m = /^\$\{((?:data\.)?[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.[a-z_]+\}$/.exec(ref);
    const loc = m ? this.byRef.get(`${stack}|${m[1]}.${m[2]}`) : undefined;
    if (!loc) throw new Error(`${stack}: unknown reference ${ref}`);
    return loc;
  }

  /** Replaces every reference in `text` (a policy, a definition, an attribute) with its value. */
  resolve(stack: string, text: string): string {
    return text
      .replace(REMOTE_OUTPUT, (_all, id: string, output: string) => this.remoteOutput(stack, id, output))
      .replace(REF, (_all, type: string, id: string, attr: string) => {
        const loc = this.byRef.get(`${stack}|${type}.${id}`);
        if (!loc) throw new Error(`${stack}: unknown reference \${${type}.${id}.${attr}}`);
        return this.attribute(loc, attr);
      });
  }

  resolveJson<T = any>(stack: string, text: string): T {
    return JSON.parse(this.resolve(stack, text)) as T;
  }

  /** A value that is either literal or one reference, resolved. */
  value(stack: string, v: unknown): string {
    if (typeof v !== 'string') throw new Error(`${stack}: expected a string, got ${JSON.stringify(v)}`);
    return this.resolve(stack, v);
  }

  /**
   * An output of another stack read through `terraform_remote_state`: the stack whose S3
   * backend is the state the data source names, and the output's value there.
   */
  private remoteOutput(stack: string, id: string, output: string): string {
    const state = this.byRef.get(`${stack}|data.terraform_remote_state.${id}`);
    if (!state) throw new Error(`${stack}: unknown remote state ${id}`);
    const config = state.cfg.config as Cfg;
    const source = [...this.synth.stacks].find(([, tf]) => {
      const backend = ((tf.terraform?.backend ?? {}) as Cfg).s3 as Cfg | undefined;
      return backend?.bucket === config.bucket && backend?.key === config.key;
    });
    if (!source) throw new Error(`${stack}: no stack keeps its state at s3://${config.bucket}/${config.key}`);
    const value = source[1].output?.[output]?.value;
    if (typeof value !== 'string') throw new Error(`${stack}: stack ${source[0]} has no output ${output}`);
    return this.resolve(source[0], value);
  }

  /** The value an attribute of a resource will have. */
  attribute(r: Located, attr: string): string {
    const { account: a, region } = r;
    const c = r.cfg;
    const lit = (name: string) => this.value(r.stack, c[name]);
    switch (`${r.type}.${attr}`) {
      case 'aws_kms_key.arn':
        return `arn:aws:kms:${region}:${a}:key/${this.keyId(r)}`;
      case 'aws_kms_key.key_id':
      case 'aws_kms_replica_key.key_id':
        return this.keyId(r);
      case 'aws_kms_replica_key.arn':
        return `arn:aws:kms:${region}:${a}:key/${this.keyId(r)}`;
      case 'aws_kms_alias.arn':
        return `arn:aws:kms:${region}:${a}:${lit('name')}`;
      case 'data.aws_kms_alias.target_key_arn':
      case 'data.aws_kms_alias.arn': {
        const alias = lit('name').startsWith('arn:') ? lit('name') : `arn:aws:kms:${region}:${a}:${lit('name')}`;
        return attr === 'arn' ? alias : this.kmsKeyArn(alias);
      }
      case 'data.aws_kms_key.arn':
      case 'data.aws_kms_key.id': {
        // key_id may be a key id, key ARN, alias name or alias ARN (resolved in the account and region it names).
        const id = lit('key_id');
        if (id.startsWith('arn:')) return this.kmsKeyArn(id);
        return this.kmsKeyArn(`arn:aws:kms:${region}:${a}:${id.startsWith('alias/') ? id : `key/${id}`}`);
      }
      case 'aws_secretsmanager_secret.arn':
      case 'aws_secretsmanager_secret.id':
        return `arn:aws:secretsmanager:${region}:${a}:secret:${lit('name')}-${hex(`${a}${lit('name')}`, 6)}`;
      case 'aws_sns_topic.arn':
      case 'aws_sns_topic.id':
        return `arn:aws:sns:${region}:${a}:${lit('name')}`;
      case 'aws_sqs_queue.arn':
        return `arn:aws:sqs:${region}:${a}:${lit('name')}`;
      case 'aws_sqs_queue.url':
      case 'aws_sqs_queue.id':
        return `https://sqs.${region}.amazonaws.com/${a}/${lit('name')}`;
      case 'aws_cloudwatch_event_rule.arn':
        return `arn:aws:events:${region}:${a}:rule/${lit('name')}`;
      case 'aws_cloudwatch_event_rule.name':
      case 'aws_cloudwatch_event_rule.id':
        return lit('name');
      case 'aws_lambda_function.arn':
        return `arn:aws:lambda:${region}:${a}:function:${lit('function_name')}`;
      case 'aws_lambda_function.invoke_arn':
        return `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${this.attribute(r, 'arn')}/invocations`;
      case 'aws_cloudwatch_log_group.arn':
        return `arn:aws:logs:${region}:${a}:log-group:${lit('name')}`;
      case 'aws_api_gateway_rest_api.id':
        return hex(`${a}${region}${lit('name')}`, 10);
      case 'aws_api_gateway_rest_api.execution_arn':
        return `arn:aws:execute-api:${region}:${a}:${this.attribute(r, 'id')}`;
      case 'aws_iam_role.arn':
        return `arn:aws:iam::${a}:role/${lit('name')}`;
      case 'aws_iam_role.id':
        return lit('name');
      case 'aws_iam_policy.arn':
        return `arn:aws:iam::${a}:policy/${lit('name')}`;
      case 'aws_s3_bucket.id':
        return lit('bucket');
      case 'aws_s3_bucket.arn':
        return `arn:aws:s3:::${lit('bucket')}`;
      case 'aws_dynamodb_table.arn':
        return `arn:aws:dynamodb:${region}:${a}:table/${lit('name')}`;
      case 'aws_sfn_state_machine.arn':
        return `arn:aws:states:${region}:${a}:stateMachine:${lit('name')}`;
      default:
        // Attributes that echo a configured argument (name, function_name, stage_name, http_method, …).
        if (typeof c[attr] === 'string') return lit(attr);
        throw new Error(`${r.stack}: no value for ${r.type}.${r.id}.${attr}`);
    }
  }

  /** A key's id: multi-region keys share one `mrk-` id with their replicas. */
  private keyId(r: Located): string {
    if (r.type === 'aws_kms_replica_key') {
      const primary = this.located(r.stack, r.cfg.primary_key_arn);
      return this.keyId(primary);
    }
    const h = hex(`${r.account}|${r.stack}|${r.id}`, 32);
    return r.cfg.multi_region ? `mrk-${h}` : `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }

  /** The key a key ARN or alias ARN names (aliases resolved in the account and region the ARN names). */
  kmsKeyArn(arnOrAlias: string): string {
    const m = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):(alias\/.+|key\/.+)$/.exec(arnOrAlias);
    if (!m) throw new Error(`not a KMS key or alias ARN: ${arnOrAlias}`);
    const [, region, account, rest] = m;
    if (rest!.startsWith('key/')) return arnOrAlias;
    const alias = this.find('aws_kms_alias').find((x) => x.account === account && x.region === region && x.cfg.name === rest);
    if (!alias) throw new Error(`no stack creates ${rest} in ${account} ${region}`);
    return this.attribute(this.located(alias.stack, alias.cfg.target_key_id), 'arn');
  }

  /** The key resource (primary or replica) whose ARN is `keyArn`. */
  kmsKey(keyArn: string): Located {
    const key = [...this.find('aws_kms_key'), ...this.find('aws_kms_replica_key')].find((k) => this.attribute(k, 'arn') === keyArn);
    if (!key) throw new Error(`no stack creates the key ${keyArn}`);
    return key;
  }

  /** Alias names that point to the key (what KMS puts in kms:ResourceAliases). */
  aliasesOf(keyArn: string): string[] {
    return this.find('aws_kms_alias')
      .filter((al) => this.attribute(this.located(al.stack, al.cfg.target_key_id), 'arn') === keyArn)
      .map((al) => String(al.cfg.name));
  }

  /** The bucket named `name`, wherever it is created. */
  bucket(name: string): Located {
    const b = this.find('aws_s3_bucket').find((x) => x.cfg.bucket === name);
    if (!b) throw new Error(`no stack creates the bucket ${name}`);
    return b;
  }

  /** The resource of `type` that references `target` in its `field` (a bucket's policy, a queue's policy, …). */
  attached(type: string, field: string, target: Located): Located[] {
    return this.find(type, target.stack).filter((x) => typeof x.cfg[field] === 'string' && refersTo(x.cfg[field], target));
  }
}

function refersTo(value: string, target: Located): boolean {
  return value.startsWith(`\${${target.type}.${target.id}.`);
}
