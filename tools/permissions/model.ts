/**
 * Reads synthesized Terraform JSON the way the provider will meet it: which pinned provider
 * (account, region, role per `access_role`) each resource belongs to, and what its
 * attributes will be once references are resolved. Names are literal in this project's
 * JSON; identifiers AWS assigns at apply time (key ids, API ids) become well-formed
 * stand-ins in the right account and region, stable per resource address.
 *
 * Across stacks it indexes what an evaluation needs from elsewhere: each access role's
 * identity policies and permissions boundary (from the stack that creates the role), the
 * resource policies (key, bucket, topic, queue) by the ARN they protect, and which key each
 * KMS alias names.
 */
import { createHash } from 'node:crypto';
import { parsePolicy as parseTfPolicy, type TfBlockConfig, type TfJson } from '../../modules/core/terraform-json';
import { rowFor, type ActionRow, type ResourceInput } from './actions';

export type Block = TfBlockConfig;

export type PolicyDocument = { Version?: string; Statement: unknown };

export const ACCESS_ROLE_KEYS = ['deploy', 'plan', 'bootstrap'] as const;
export type AccessRoleKey = (typeof ACCESS_ROLE_KEYS)[number];

export interface PinnedProvider {
  readonly alias?: string;
  readonly region: string;
  readonly accountId: string;
  /** The role ARN the provider assumes for each value of `access_role`. */
  readonly roles: Partial<Record<AccessRoleKey, string>>;
  readonly defaultTags: Record<string, string>;
}

export interface Node {
  readonly stack: string;
  readonly kind: 'resource' | 'data';
  readonly type: string;
  readonly name: string;
  readonly address: string;
  readonly raw: Block;
  readonly provider: PinnedProvider;
  readonly row: ActionRow | undefined;
}

const REFERENCE = /\$\{(data\.)?(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}/g;
const SINGLE_REFERENCE = /^\$\{(data\.)?(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}$/;
const ROLE_MAP_ENTRY = /"(deploy|plan|bootstrap)"\s*=\s*"(arn:aws:iam::\d{12}:role\/[^"]+)"/g;

/** The providers of a stack, each pinned to one account and region. */
export function providersOf(stack: string, tf: TfJson): PinnedProvider[] {
  return (tf.provider?.aws ?? []).map((p) => {
    const accounts = p.allowed_account_ids as string[] | undefined;
    if (!accounts || accounts.length !== 1) throw new Error(`${stack}: a provider is not pinned to exactly one account (allowed_account_ids)`);
    if (typeof p.region !== 'string') throw new Error(`${stack}: a provider has no literal region`);
    const roleArn = String(((p.assume_role as Block[] | undefined)?.[0] ?? {}).role_arn ?? '');
    const roles: Partial<Record<AccessRoleKey, string>> = {};
    for (const m of roleArn.matchAll(ROLE_MAP_ENTRY)) roles[m[1] as AccessRoleKey] = m[2]!;
    const defaultTags = (((p.default_tags as Block[] | undefined)?.[0] ?? {}).tags ?? {}) as Record<string, string>;
    return { ...(typeof p.alias === 'string' ? { alias: p.alias } : {}), region: p.region, accountId: accounts[0]!, roles, defaultTags };
  });
}

const hex = (input: string, n: number): string => createHash('sha256').update(input).digest('hex').slice(0, n);

/** One stack's resources with lazily resolved attributes. */
export class StackModel {
  readonly providers: PinnedProvider[];
  readonly nodes: Node[] = [];
  private readonly byAddress = new Map<string, Node>();
  private readonly attrs = new Map<string, Record<string, string>>();
  private readonly resolving = new Set<string>();

  constructor(
    readonly name: string,
    readonly tf: TfJson,
    private readonly org: OrgIndex,
  ) {
    this.providers = providersOf(name, tf);
    const defaultProvider = this.providers.find((p) => p.alias === undefined);
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, blocks] of Object.entries(tf[kind] ?? {})) {
        for (const [name, raw] of Object.entries(blocks)) {
          const ref = typeof raw.provider === 'string' ? raw.provider : 'aws';
          const alias = ref === 'aws' ? undefined : ref.replace(/^aws\./, '');
          const provider = alias === undefined ? defaultProvider : this.providers.find((p) => p.alias === alias);
          if (!provider) throw new Error(`${this.name}: ${type}.${name} uses provider ${ref}, which the stack does not configure`);
          const address = kind === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
          const node: Node = { stack: this.name, kind, type, name, address, raw, provider, row: rowFor(kind, type) };
          this.nodes.push(node);
          this.byAddress.set(address, node);
        }
      }
    }
  }

  node(address: string): Node | undefined {
    return this.byAddress.get(address);
  }

  /** The attributes a resource exposes to references (`arn`, `id`, `name`…). */
  attributes(node: Node): Record<string, string> {
    const hit = this.attrs.get(node.address);
    if (hit) return hit;
    if (!node.row) return {};
    if (this.resolving.has(node.address)) throw new Error(`${this.name}: reference cycle through ${node.address}`);
    this.resolving.add(node.address);
    try {
      const attrs = node.row.attributes(this.input(node));
      this.attrs.set(node.address, attrs);
      return attrs;
    } finally {
      this.resolving.delete(node.address);
    }
  }

  /** Replaces every `${aws_x.name.attr}` whose value is known; leaves other interpolations as written. */
  resolveString(text: string): string {
    return text.replace(REFERENCE, (whole, data: string | undefined, type: string, name: string, attr: string) => {
      const target = this.byAddress.get(`${data ? 'data.' : ''}${type}.${name}`);
      if (!target) return whole;
      const value = this.attributes(target)[attr];
      return value === undefined ? whole : value;
    });
  }

  resolveDeep(value: unknown): unknown {
    if (typeof value === 'string') return this.resolveString(value);
    if (Array.isArray(value)) return value.map((v) => this.resolveDeep(v));
    if (value && typeof value === 'object')
      return Object.fromEntries(
        Object.entries(value)
          .filter(([k]) => k !== '//')
          .map(([k, v]) => [k, this.resolveDeep(v)]),
      );
    return value;
  }

  /** The resource a single-reference attribute (`"${aws_x.name.attr}"`) points to. */
  referenced(node: Node, key: string): Node | undefined {
    const raw = node.raw[key];
    if (typeof raw !== 'string') return undefined;
    const m = SINGLE_REFERENCE.exec(raw);
    return m ? this.byAddress.get(`${m[1] ? 'data.' : ''}${m[2]}.${m[3]}`) : undefined;
  }

  input(node: Node): ResourceInput {
    const str = (key: string): string | undefined => {
      const dot = key.indexOf('.');
      if (dot > 0) {
        // `role.permissions_boundary`: follow the reference in `role` to that resource's attribute.
        const target = this.referenced(node, key.slice(0, dot));
        return target ? this.input(target).str(key.slice(dot + 1)) : undefined;
      }
      const v = node.raw[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v === 'string') return this.resolveString(v);
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      return undefined;
    };
    return {
      address: node.address,
      accountId: node.provider.accountId,
      region: node.provider.region,
      str,
      need: (key) => {
        const v = str(key);
        if (v === undefined) throw new Error(`${this.name}: ${node.address} has no ${key}`);
        return v;
      },
      value: (key) => this.resolveDeep(node.raw[key]),
      placeholder: (kind) => placeholder(node, kind),
      referencedArn: (key) => {
        const target = this.referenced(node, key);
        return target ? this.attributes(target).arn : undefined;
      },
      aliasTarget: (aliasName) => this.org.aliasTarget(node.provider.accountId, node.provider.region, aliasName),
    };
  }
}

/**
 * Stand-ins for identifiers AWS assigns. They depend on the resource's address and not on
 * its stack, so the same construct in two workloads gets the same stand-in (the account and
 * region in its ARN still differ), which lets identical evaluations be answered once.
 */
function placeholder(node: Node, kind: 'key' | 'mrk' | 'apigw' | 'secret-suffix' | 'uuid'): string {
  const h = hex(`${node.address}/${kind}`, 32);
  switch (kind) {
    case 'key':
    case 'uuid':
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
    case 'mrk':
      return `mrk-${h}`;
    case 'apigw':
      return h.slice(0, 10);
    case 'secret-suffix':
      return h.slice(0, 6);
  }
}

export interface RolePolicies {
  readonly roleArn: string;
  readonly identity: PolicyDocument[];
  /** The boundary the role names, and its document when a synthesized stack creates it. */
  readonly boundaryArn?: string;
  readonly boundary?: PolicyDocument;
  /** The stack that creates the role. */
  readonly stack: string;
}

const parsePolicy = (text: string, where: string): PolicyDocument => {
  const parsed = parseTfPolicy(text);
  if (!parsed.ok) throw new Error(`${where}: policy is not literal JSON once references are resolved (${parsed.reason})`);
  return { Version: parsed.version, Statement: parsed.statements };
};

/** What evaluations need from other stacks: roles' policies, resource policies, alias targets. */
export class OrgIndex {
  readonly stacks: StackModel[];
  private roles?: Map<string, RolePolicies>;
  private resourcePolicies?: Map<string, PolicyDocument>;
  private aliases?: Map<string, string>;

  constructor(stacks: ReadonlyMap<string, TfJson>) {
    this.stacks = [...stacks.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, tf]) => new StackModel(name, tf, this));
  }

  private each(type: string, kind: 'resource' | 'data' = 'resource'): [StackModel, Node][] {
    return this.stacks.flatMap((s) => s.nodes.filter((n) => n.type === type && n.kind === kind).map((n) => [s, n] as [StackModel, Node]));
  }

  /** Identity policies and boundary of a role, as synthesized by the stack that creates it. */
  role(roleArn: string): RolePolicies | undefined {
    if (!this.roles) {
      this.roles = new Map();
      const policies = new Map(this.each('aws_iam_policy').map(([s, n]) => [s.attributes(n).arn!, parsePolicy(s.input(n).need('policy'), `${s.name} ${n.address}`)] as const));
      const inline = this.each('aws_iam_role_policy');
      for (const [s, n] of this.each('aws_iam_role')) {
        const arn = s.attributes(n).arn!;
        const name = s.attributes(n).name!;
        const identity = inline.filter(([ps, pn]) => ps === s && ps.input(pn).str('role') === name).map(([ps, pn]) => parsePolicy(ps.input(pn).need('policy'), `${ps.name} ${pn.address}`));
        const boundaryArn = s.input(n).str('permissions_boundary');
        const boundary = boundaryArn ? policies.get(boundaryArn) : undefined;
        this.roles.set(arn, { roleArn: arn, identity, ...(boundaryArn ? { boundaryArn } : {}), ...(boundary ? { boundary } : {}), stack: s.name });
      }
    }
    return this.roles.get(roleArn);
  }

  /** The resource policy (key, bucket, topic, queue policy) that protects an ARN, if any stack writes one. */
  resourcePolicy(arn: string): PolicyDocument | undefined {
    if (!this.resourcePolicies) {
      const map = new Map<string, PolicyDocument>();
      const add = (s: StackModel, n: Node, target: string | undefined, text: string | undefined) => {
        if (target && text) map.set(target, parsePolicy(text, `${s.name} ${n.address}`));
      };
      for (const type of ['aws_kms_key', 'aws_kms_replica_key']) for (const [s, n] of this.each(type)) add(s, n, s.attributes(n).arn, s.input(n).str('policy'));
      for (const [s, n] of this.each('aws_s3_bucket_policy')) add(s, n, `arn:aws:s3:::${s.input(n).need('bucket')}`, s.input(n).str('policy'));
      for (const [s, n] of this.each('aws_sns_topic_policy')) add(s, n, s.input(n).need('arn'), s.input(n).str('policy'));
      for (const [s, n] of this.each('aws_sqs_queue_policy')) {
        const target = s.referenced(n, 'queue_url');
        add(s, n, target ? s.attributes(target).arn : undefined, s.input(n).str('policy'));
      }
      this.resourcePolicies = map;
    }
    return this.resourcePolicies.get(arn);
  }

  aliasTarget(accountId: string, region: string, aliasName: string): string | undefined {
    if (!this.aliases) {
      this.aliases = new Map();
      for (const [s, n] of this.each('aws_kms_alias')) {
        const target = s.attributes(n).target_key_arn;
        if (target) this.aliases.set(`${n.provider.accountId}|${n.provider.region}|${s.input(n).need('name')}`, target);
      }
    }
    return this.aliases.get(`${accountId}|${region}|${aliasName}`);
  }
}
