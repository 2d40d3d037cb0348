/**
 * Evaluates a run-time call the way AWS would, with the IAM policy simulator: the calling
 * role's identity policies AND the permissions boundary it carries, AND the policy on the
 * other side (key policy, bucket policy, queue policy, topic policy, the function's
 * permissions), across accounts where the call crosses one. Every document comes from the
 * synthesized Terraform JSON, references resolved by `TfIndex`.
 */
import type { Manifest } from '../../../accounts/schema';
import { frozenDocument } from '../../../tools/permissions/simulator-memo';
import { explain, type Explained, type PolicyDocument } from '../../support/iam-sim';
import type { Located, TfIndex } from '../../support/tf-refs';
import type { Principal, RuntimeCall } from './calls';

export interface RoleDocuments {
  readonly role: Located;
  readonly identity: PolicyDocument[];
  /** The boundary the role carries, resolved to its synthesized document; undefined when it carries none. */
  readonly boundary?: PolicyDocument;
  readonly boundaryArn?: string;
}

export interface Verdict extends Explained {
  readonly call: RuntimeCall;
  readonly resourceAccount: string;
  readonly resourcePolicy: string;
}

export class RuntimeEvaluator {
  private readonly roles = new Map<string, RoleDocuments>();
  private readonly resourcePolicies = new Map<string, { label: string; document?: PolicyDocument }>();
  private readonly aliases = new Map<string, string[]>();
  private readonly managed = new Map<string, PolicyDocument>();
  private readonly boundaries = new Map<string, { arn: string; document: PolicyDocument }>();
  /** What the simulator said, by request: the tests ask some requests again (a role's own boundary is its account's). */
  private readonly explained = new Map<string, Promise<Explained>>();
  /** A number for each document, for the keys of `explained` (every document here is frozen when read, so it stands for its text). */
  private readonly documentIds = new WeakMap<object, number>();
  private documentsSeen = 0;

  constructor(
    private readonly ix: TfIndex,
    private readonly manifest: Manifest,
  ) {}

  /** The role whose ARN is `arn`, with its inline policies and boundary, from whichever stack creates it. */
  roleDocuments(arn: string): RoleDocuments {
    const hit = this.roles.get(arn);
    if (hit) return hit;
    const role = this.ix.find('aws_iam_role').find((r) => this.ix.attribute(r, 'arn') === arn);
    if (!role) throw new Error(`no stack creates the role ${arn}`);
    const ix = this.ix;
    const identity = ix
      .find('aws_iam_role_policy', role.stack)
      .filter((p) => typeof p.cfg.role === 'string' && p.cfg.role.startsWith(`\${aws_iam_role.${role.id}.`))
      .map((p) => this.document(role.stack, p.cfg.policy));
    for (const inline of role.cfg.inline_policy ?? []) identity.push(this.document(role.stack, inline.policy));
    const attachments = ix.find('aws_iam_role_policy_attachment', role.stack).filter((a) => String(a.cfg.role).startsWith(`\${aws_iam_role.${role.id}.`));
    for (const a of attachments) identity.push(this.managedPolicy(ix.value(role.stack, a.cfg.policy_arn)));
    const boundaryArn = role.cfg.permissions_boundary ? ix.value(role.stack, role.cfg.permissions_boundary) : undefined;
    const docs: RoleDocuments = { role, identity, boundaryArn, boundary: boundaryArn ? this.managedPolicy(boundaryArn) : undefined };
    this.roles.set(arn, docs);
    return docs;
  }

  /** A policy document of `stack` (its JSON text, references resolved), frozen: the simulator's work on it is kept by identity. */
  private document(stack: string, text: unknown): PolicyDocument {
    return frozenDocument(this.ix.resolveJson<PolicyDocument>(stack, String(text)));
  }

  /** A customer-managed policy of the project, found by ARN in the stacks of its account. */
  managedPolicy(arn: string): PolicyDocument {
    const hit = this.managed.get(arn);
    if (hit) return hit;
    const m = /^arn:aws:iam::(\d{12}):policy\/(.+)$/.exec(arn);
    if (!m) throw new Error(`not a customer-managed policy ARN: ${arn}`);
    const policy = this.ix.find('aws_iam_policy').find((p) => p.account === m[1] && p.cfg.name === m[2]);
    if (!policy) throw new Error(`no stack creates the policy ${arn}`);
    const document = this.document(policy.stack, policy.cfg.policy);
    this.managed.set(arn, document);
    return document;
  }

  /** The permissions boundary every deploy-created role of `account` must carry, as synthesized. */
  accountBoundary(account: string): { arn: string; document: PolicyDocument } {
    const hit = this.boundaries.get(account);
    if (hit) return hit;
    const candidates = this.ix.find('aws_iam_role').filter((r) => r.account === account && r.cfg.name === `${this.manifest.project}-deploy` && r.cfg.permissions_boundary);
    if (candidates.length !== 1) throw new Error(`account ${account}: expected one deploy role with a boundary, found ${candidates.length}`);
    const arn = this.ix.value(candidates[0]!.stack, candidates[0]!.cfg.permissions_boundary);
    const boundary = { arn, document: this.managedPolicy(arn) };
    this.boundaries.set(account, boundary);
    return boundary;
  }

  /** The account that owns the resource an ARN names. */
  resourceAccount(arn: string): string {
    if (arn.startsWith('arn:aws:s3:::')) return this.ix.bucket(arn.slice('arn:aws:s3:::'.length).split('/')[0]!).account;
    const account = arn.split(':')[4];
    if (!account || !/^\d{12}$/.test(account)) throw new Error(`cannot tell the account of ${arn}`);
    return account;
  }

  /** The resource-based policy on the other side of a call, if that resource has one; with a label for messages. */
  resourcePolicy(arn: string): { label: string; document?: PolicyDocument } {
    const hit = this.resourcePolicies.get(arn);
    if (hit) return hit;
    const found = this.findResourcePolicy(arn);
    this.resourcePolicies.set(arn, found);
    return found;
  }

  private findResourcePolicy(arn: string): { label: string; document?: PolicyDocument } {
    const ix = this.ix;
    const service = arn.split(':')[2];
    switch (service) {
      case 'kms': {
        const key = ix.kmsKey(arn);
        return { label: `key policy of ${arn}`, document: this.document(key.stack, key.cfg.policy) };
      }
      case 's3': {
        const bucket = ix.bucket(arn.slice('arn:aws:s3:::'.length).split('/')[0]!);
        const [policy] = ix.attached('aws_s3_bucket_policy', 'bucket', bucket);
        return { label: `bucket policy of ${bucket.cfg.bucket}`, document: policy ? this.document(bucket.stack, policy.cfg.policy) : undefined };
      }
      case 'sqs': {
        const queue = ix.find('aws_sqs_queue').find((q) => ix.attribute(q, 'arn') === arn);
        const [policy] = queue ? ix.attached('aws_sqs_queue_policy', 'queue_url', queue) : [];
        return { label: `queue policy of ${arn}`, document: policy ? this.document(policy.stack, policy.cfg.policy) : undefined };
      }
      case 'sns': {
        const topic = ix.find('aws_sns_topic').find((t) => ix.attribute(t, 'arn') === arn);
        const [policy] = topic ? ix.attached('aws_sns_topic_policy', 'arn', topic) : [];
        return { label: `topic policy of ${arn}`, document: policy ? this.document(policy.stack, policy.cfg.policy) : undefined };
      }
      case 'lambda': {
        // What Lambda's AddPermission writes for each aws_lambda_permission (source ARN as ArnLike AWS:SourceArn).
        const fn = ix.find('aws_lambda_function').find((f) => ix.attribute(f, 'arn') === arn);
        const perms = fn ? ix.attached('aws_lambda_permission', 'function_name', fn) : [];
        const statements = perms.map((p) => {
          const principal = String(p.cfg.principal);
          const condition: Record<string, Record<string, string>> = {};
          if (p.cfg.source_arn) condition.ArnLike = { 'AWS:SourceArn': ix.value(p.stack, p.cfg.source_arn) };
          if (p.cfg.source_account) condition.StringEquals = { 'AWS:SourceAccount': String(p.cfg.source_account) };
          return {
            Sid: String(p.cfg.statement_id),
            Effect: 'Allow',
            Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
            Action: String(p.cfg.action),
            Resource: arn,
            ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
          };
        });
        return { label: `permissions of function ${arn}`, document: statements.length > 0 ? frozenDocument({ Version: '2012-10-17', Statement: statements }) : undefined };
      }
      default:
        return { label: 'none' };
    }
  }

  private idOf(document: PolicyDocument | undefined): number | null {
    if (document === undefined) return null;
    let id = this.documentIds.get(document);
    if (id === undefined) this.documentIds.set(document, (id = this.documentsSeen++));
    return id;
  }

  /** Context keys every request of the principal carries. */
  private principalContext(p: Principal): Record<string, string | string[]> {
    if (p.kind === 'service') return { 'aws:PrincipalServiceName': p.service, 'aws:PrincipalIsAWSService': 'true', 'aws:SecureTransport': 'true' };
    return { 'aws:PrincipalArn': p.arn, 'aws:PrincipalAccount': p.account, 'aws:PrincipalOrgID': this.manifest.organization.id, 'aws:PrincipalIsAWSService': 'false', 'aws:SecureTransport': 'true' };
  }

  /**
   * The call evaluated against its principal's identity policies and boundary (a role) and
   * the resource's policy. `boundary` overrides the role's own: `'account'` evaluates with the
   * account's boundary whether or not the role carries it yet.
   */
  async evaluate(call: RuntimeCall, options: { boundary?: 'carried' | 'account' } = {}): Promise<Verdict> {
    const resourceAccount = call.resource === '*' ? (call.principal.kind === 'role' ? call.principal.account : '') : this.resourceAccount(call.resource);
    const rp = call.resource === '*' ? { label: 'none' } : this.resourcePolicy(call.resource);
    const context: Record<string, string | string[]> = { ...this.principalContext(call.principal), ...call.context };
    if (call.action.startsWith('kms:') && call.resource !== '*') {
      if (!this.aliases.has(call.resource)) this.aliases.set(call.resource, this.ix.aliasesOf(call.resource));
      context['kms:ResourceAliases'] = this.aliases.get(call.resource)!;
    }
    let identityPolicies: PolicyDocument[] = [];
    let permissionBoundary: PolicyDocument | undefined;
    let principal: string;
    if (call.principal.kind === 'role') {
      const docs = this.roleDocuments(call.principal.arn);
      identityPolicies = docs.identity;
      permissionBoundary = options.boundary === 'account' ? this.accountBoundary(call.principal.account).document : docs.boundary;
      principal = call.principal.arn;
    } else {
      principal = call.principal.service;
    }
    const request = { principal, action: call.action, resource: call.resource, resourceAccount, context, identityPolicies, resourcePolicy: rp.document, permissionBoundary };
    const key = JSON.stringify([principal, call.action, call.resource, resourceAccount, context, identityPolicies.map((d) => this.idOf(d)), this.idOf(rp.document), this.idOf(permissionBoundary)]);
    if (!this.explained.has(key)) this.explained.set(key, explain(request));
    const result = await this.explained.get(key)!;
    return { ...result, call, resourceAccount, resourcePolicy: rp.document ? rp.label : 'none' };
  }
}

/** One line per verdict: principal, action, resource, and what each policy said. */
export function describeVerdict(v: Verdict): string {
  const who = v.call.principal.kind === 'role' ? v.call.principal.arn : v.call.principal.service;
  const parts = [
    `identity policy: ${v.call.principal.kind === 'service' ? 'n/a (service principal)' : v.identity}`,
    `boundary: ${v.boundary}`,
    `${v.resourcePolicy === 'none' ? 'resource policy: none' : `${v.resourcePolicy}: ${v.resource}`}`,
  ];
  return `${v.decision}: ${who} ${v.call.action} on ${v.call.resource} [${parts.join('; ')}] — ${v.call.origin}${v.call.note ? ` (note: ${v.call.note})` : ''}`;
}
