/**
 * Policy evaluation with @cloud-copilot/iam-simulate (a devDependency: this tool runs on a
 * developer's machine or in CI, and is never bundled into anything deployed), with a cache.
 *
 * Many evaluations are the same question asked in another account: the same role policies
 * (they differ only by account id), the same action, a resource that matches exactly the
 * same policy patterns. The cache key is therefore built from the inputs with the caller's
 * account id replaced by a marker, and from the resource ARN reduced to what can change the
 * answer: the set of `Resource`/`NotResource` patterns of the policies it matches, and its
 * shape (service, resource type), which the simulator uses to check the action applies.
 */
import { asShipped, validated } from './simulator-memo';
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { Context } from './actions';
import type { PolicyDocument } from './model';

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface Request {
  readonly principal: string;
  readonly principalAccount: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Context;
  readonly identity: readonly PolicyDocument[];
  readonly boundary?: PolicyDocument;
  readonly resourcePolicy?: PolicyDocument;
}

interface Interned {
  readonly id: number;
  readonly patterns: RegExp[];
  /** Condition keys the document's statements test, lower-cased (IAM compares them case-insensitively). */
  readonly conditionKeys: Set<string>;
}

/** Stands for the caller's account id in cache keys. */
const ACCOUNT_MARK = '<account>';

export class PolicySimulator {
  /** Evaluations asked for, and how many of them ran the simulator (cache misses). */
  evaluations = 0;
  simulations = 0;
  private readonly cache = new Map<string, Promise<Decision>>();
  private readonly docs = new Map<string, WeakMap<object, Interned>>();
  private readonly ids = new Map<string, number>();

  /** `cache: false` runs the simulator for every evaluation, as the package ships it (to show that neither this cache nor simulator-memo.ts changes an answer). */
  constructor(private readonly options: { readonly cache?: boolean } = {}) {}

  async decide(req: Request): Promise<Decision> {
    this.evaluations++;
    if (this.options.cache === false) {
      this.simulations++;
      return asShipped(() => this.run(req));
    }
    const acct = req.principalAccount;
    const norm = (s: string) => s.split(acct).join(ACCOUNT_MARK);
    // Each document cut down to the statements that can apply to this request: the same answer, a smaller and more often equal question.
    const identity = req.identity.map((d) => this.forAction(d, req.action)).filter((d): d is PolicyDocument => d !== undefined);
    const boundary = req.boundary ? (this.forAction(req.boundary, req.action) ?? req.boundary) : undefined;
    const forRoles = req.resourcePolicy ? this.forRoles(req.resourcePolicy) : undefined;
    const resourcePolicy = forRoles ? this.forAction(forRoles, req.action) : undefined;
    const docs = [...identity.map((d) => this.intern(d, acct)), boundary ? this.intern(boundary, acct) : undefined, resourcePolicy ? this.intern(resourcePolicy, acct) : undefined];
    const arn = norm(req.resource);
    const matched = docs.map((d) => (d ? d.patterns.map((p) => (p.test(arn) ? '1' : '0')).join('') : '-')).join('|');
    // Only the context keys some statement tests can change the answer (aws:RequestedRegion, say, when no policy names it).
    const tested = (k: string) => docs.some((d) => d?.conditionKeys.has(k.toLowerCase()));
    const context = Object.entries(req.context)
      .filter(([k]) => tested(k))
      .sort(([a], [b]) => a.localeCompare(b));
    const key = [docs.map((d) => (d ? d.id : '-')).join(','), norm(req.principal), req.action, shape(arn), matched, norm(JSON.stringify(context))].join('\n');
    const hit = this.cache.get(key);
    if (hit) return hit;
    this.simulations++;
    const pending = this.run({ ...req, identity, ...(boundary ? { boundary } : {}), resourcePolicy });
    this.cache.set(key, pending);
    return pending;
  }

  private readonly pruned = new WeakMap<object, { doc?: PolicyDocument }>();

  /**
   * A resource policy without the statements that can never apply to a role: those whose
   * only principals are services (`cloudwatch.amazonaws.com`…). Undefined when nothing is left,
   * which IAM treats as no resource policy (and KMS, like no key policy, as no grant).
   */
  private forRoles(doc: PolicyDocument): PolicyDocument | undefined {
    const hit = this.pruned.get(doc);
    if (hit) return hit.doc;
    const statements = ([] as Record<string, unknown>[]).concat(doc.Statement as Record<string, unknown>[]).filter((st) => {
      const principal = st.Principal ?? st.NotPrincipal;
      return principal === '*' || (typeof principal === 'object' && principal !== null && 'AWS' in principal) || st.NotPrincipal !== undefined;
    });
    const kept = statements.length > 0 ? { ...doc, Statement: statements } : undefined;
    this.pruned.set(doc, { doc: kept });
    return kept;
  }

  private readonly sliced = new WeakMap<object, Map<string, { doc?: PolicyDocument }>>();

  /**
   * The statements of a document whose `Action` covers the action (and every `NotAction`
   * statement); undefined when none does. A statement that does not name the action plays
   * no part in its evaluation, so the cut changes no answer.
   */
  private forAction(doc: PolicyDocument, action: string): PolicyDocument | undefined {
    let perDoc = this.sliced.get(doc);
    if (!perDoc) this.sliced.set(doc, (perDoc = new Map()));
    const hit = perDoc.get(action);
    if (hit) return hit.doc;
    const statements = ([] as Record<string, unknown>[])
      .concat(doc.Statement as Record<string, unknown>[])
      .filter((st) => st.NotAction !== undefined || ([] as string[]).concat((st.Action ?? []) as string | string[]).some((a) => actionPattern(a).test(action)));
    const kept = statements.length > 0 ? { ...doc, Statement: statements } : undefined;
    perDoc.set(action, { doc: kept });
    return kept;
  }

  private intern(doc: PolicyDocument, account: string): Interned {
    let perAccount = this.docs.get(account);
    if (!perAccount) this.docs.set(account, (perAccount = new WeakMap()));
    const hit = perAccount.get(doc);
    if (hit) return hit;
    const statements = ([] as Record<string, unknown>[]).concat(doc.Statement as Record<string, unknown>[]);
    const list = (r: unknown): string[] => (r === undefined ? [] : ([] as string[]).concat(r as string | string[]));
    const literal = statements.flatMap((st) => [...list(st.Resource), ...list(st.NotResource)]);
    const patterns = literal.map((p) => globToRegExp(p.split(account).join(ACCOUNT_MARK)));
    // The id ignores what the resource patterns say (which of them match is part of the cache key), unless a
    // pattern holds a policy variable, whose value depends on the request.
    let slot = 0;
    const slots = (r: unknown) => (r === undefined ? undefined : list(r).map((p) => (p.includes('${') ? p : `#${slot++}`)));
    const text = JSON.stringify({ ...doc, Statement: statements.map((st) => ({ ...st, Resource: slots(st.Resource), NotResource: slots(st.NotResource) })) })
      .split(account)
      .join(ACCOUNT_MARK);
    let id = this.ids.get(text);
    if (id === undefined) this.ids.set(text, (id = this.ids.size));
    const conditionKeys = new Set(
      statements.flatMap((st) => Object.values((st.Condition ?? {}) as Record<string, Record<string, unknown>>).flatMap((keys) => Object.keys(keys).map((k) => k.toLowerCase()))),
    );
    const interned = { id, patterns, conditionKeys };
    perAccount.set(doc, interned);
    return interned;
  }

  private async run(req: Request): Promise<Decision> {
    const simulation: Simulation = {
      request: {
        principal: req.principal,
        action: req.action,
        resource: { resource: req.resource, accountId: req.principalAccount },
        contextVariables: { ...req.context },
      },
      identityPolicies: req.identity.map((policy, i) => ({ name: `identity-${i}`, policy: validated(policy, 'identity') })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: req.resourcePolicy ? validated(req.resourcePolicy, 'resource') : undefined,
      permissionBoundaryPolicies: req.boundary ? [{ name: 'boundary', policy: validated(req.boundary, 'identity') }] : undefined,
    };
    const result = await runSimulation(simulation, {});
    if (result.resultType === 'error' && isRestApiCollection(req, result.errors)) return runUnsafeSimulation(simulation, {});
    if (result.resultType === 'error') throw new Error(`the simulator rejected ${req.action} on ${req.resource}: ${JSON.stringify(result.errors)}`);
    // `*` on an action that has resource types asks "is it allowed on some resource?", which is not what IAM
    // evaluates for a real request: the action table must name the ARN.
    if (result.resultType === 'wildcard') throw new Error(`${req.action} has resource types: the action table must give its ARN, not "*"`);
    return result.overallResult as Decision;
  }
}

/**
 * The Service Authorization Reference gives API Gateway's collection resource types
 * (`Deployments`, `Models`, `Stages`) two ARN formats in one field, one for HTTP APIs and one
 * for REST APIs; the simulator's data matches neither, so it cannot type a create call on
 * `/restapis/<id>/deployments`, `/models` or `/stages`. Those calls, and only those, are
 * evaluated without the resource-type check (the policies are still evaluated in full).
 */
function isRestApiCollection(req: Request, errors: unknown): boolean {
  return (
    (errors as { message?: string }).message === 'no.resource.types' &&
    req.action === 'apigateway:POST' &&
    /^arn:aws:apigateway:[a-z0-9-]+::\/restapis\/[^/]+\/(deployments|models|stages)$/.test(req.resource)
  );
}

const actionPatterns = new Map<string, RegExp>();
/** IAM action matching: `*` and `?` wildcards, case-insensitive. */
function actionPattern(pattern: string): RegExp {
  let re = actionPatterns.get(pattern);
  if (!re)
    actionPatterns.set(
      pattern,
      (re = new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
        'i',
      )),
    );
  return re;
}

/** IAM ARN matching: `*` any run of characters, `?` one character, case-sensitive. */
function globToRegExp(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
}

/**
 * What of an ARN the simulator uses beyond pattern matching: its service and resource type.
 * API Gateway's resource types are paths, kept whole but for the ARN inside a `/tags/` path
 * (API ids are the same stand-ins in every stack); for other services the first segment of a
 * resource that has one (`table/…`, `function:…`; a topic, queue or bucket name has none)
 * and the number of separators tell a table from a stream, a function from a version, a
 * bucket from an object.
 */
function shape(arn: string): string {
  if (arn === '*') return '*';
  const parts = arn.split(':');
  const service = parts[2] ?? '';
  const resource = parts.slice(5).join(':');
  if (service === 'apigateway') return `${service}:${resource.replace(/^\/tags\/.*$/, '/tags/*')}`;
  const first = /[/:]/.test(resource) ? resource.split(/[/:]/)[0]! : '';
  return `${service}:${first}#${(resource.match(/\//g) ?? []).length}#${(resource.match(/:/g) ?? []).length}`;
}
