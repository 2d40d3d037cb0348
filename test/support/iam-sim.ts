/**
 * A thin, typed wrapper around @cloud-copilot/iam-simulate (AGPL: test-only, never
 * imported from code that is deployed or bundled).
 *
 * Every simulated request gives its context keys explicitly (aws:SecureTransport,
 * kms:ViaService, aws:PrincipalOrgID, …): the simulator does not invent them, and a
 * test that forgets one tests nothing (F-25).
 */
import { frozenDocument, isFrozenDocument, validated } from '../../tools/permissions/simulator-memo';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

export type PolicyDocument = { Version?: string; Statement: unknown[] | unknown };
export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface SimRequest {
  /** ARN of the calling principal (role ARN, account root, service principal ARN). */
  readonly principal: string;
  readonly action: string;
  /** ARN of the resource acted on. */
  readonly resource: string;
  /** Account that owns the resource. */
  readonly resourceAccount: string;
  readonly context?: Record<string, string | string[]>;
  /** The principal's identity policies (role inline and managed policies). @default [] */
  readonly identityPolicies?: readonly PolicyDocument[];
  /** The resource's policy (key policy, bucket policy, trust policy). @default none */
  readonly resourcePolicy?: PolicyDocument;
  /** Permission boundary of the calling principal. @default none */
  readonly permissionBoundary?: PolicyDocument;
}

/** The decision and what each policy said on its own (for messages that name the policy that denied). */
export interface Explained {
  readonly decision: Decision;
  /** The principal's identity policies together. */
  readonly identity: string;
  /** The resource policy, or `none` when the request had none. */
  readonly resource: string;
  /** The permissions boundary, or `none`. */
  readonly boundary: string;
  /** Context keys the simulator dropped as not applicable to the action. */
  readonly ignoredContextKeys: string[];
}

/** Runs one request through the simulator; throws if the simulator rejects the input (bad policy, bad action). */
export async function simulate(req: SimRequest): Promise<Decision> {
  return (await explain(req)).decision;
}

/**
 * Like `simulate`, and says which policy allowed or denied. `kms:EncryptionContext:*`
 * conditions are evaluated here (see `withEncryptionContext`), the rest by the simulator.
 */
export async function explain(req: SimRequest): Promise<Explained> {
  const ctx = req.context ?? {};
  const pre = (doc: PolicyDocument) => withEncryptionContextOnce(doc, ctx);
  const simulation: Simulation = {
    request: {
      principal: req.principal,
      action: req.action,
      resource: { resource: req.resource, accountId: req.resourceAccount },
      contextVariables: Object.fromEntries(Object.entries(ctx).filter(([k]) => !isEncryptionContextKey(k))),
    },
    identityPolicies: (req.identityPolicies ?? []).map((policy, i) => ({ name: `identity-${i}`, policy: validated(pre(policy), 'identity') })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: req.resourcePolicy ? validated(pre(req.resourcePolicy), 'resource') : undefined,
    permissionBoundaryPolicies: req.permissionBoundary ? [{ name: 'boundary', policy: validated(pre(req.permissionBoundary), 'identity') }] : undefined,
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    throw new Error(`simulator rejected ${req.action} on ${req.resource}: ${JSON.stringify(result.errors)}`);
  }
  if (process.env.IAM_SIM_DEBUG) process.stderr.write(`${req.action} ${req.resource}: ${JSON.stringify(result, null, 1)}\n`);
  const single = result as unknown as { result?: { analysis?: Record<string, { result?: string } | undefined>; ignoredContextKeys?: string[] } };
  const analysis = single.result?.analysis ?? {};
  return {
    decision: result.overallResult as Decision,
    identity: analysis.identityAnalysis?.result ?? 'none',
    resource: req.resourcePolicy ? (analysis.resourceAnalysis?.result ?? 'none') : 'none',
    boundary: req.permissionBoundary ? (analysis.permissionBoundaryAnalysis?.result ?? 'none') : 'none',
    ignoredContextKeys: single.result?.ignoredContextKeys ?? [],
  };
}

const isEncryptionContextKey = (key: string) => /^kms:EncryptionContext:/i.test(key);

const withContext = new WeakMap<object, Map<string, PolicyDocument>>();

/**
 * `withEncryptionContext`, worked out once per frozen document (see `frozenDocument`) and
 * encryption context: only the request's `kms:EncryptionContext:*` keys change what it gives.
 * The document given back is frozen too, so the simulator's validation of it is found again.
 */
function withEncryptionContextOnce(doc: PolicyDocument, context: Record<string, string | string[]>): PolicyDocument {
  if (!isFrozenDocument(doc)) return withEncryptionContext(doc, context);
  let known = withContext.get(doc);
  if (!known) withContext.set(doc, (known = new Map()));
  const key = JSON.stringify(Object.entries(context).filter(([k]) => isEncryptionContextKey(k)));
  let hit = known.get(key);
  if (!hit) known.set(key, (hit = frozenDocument(withEncryptionContext(doc, context))));
  return hit;
}

/**
 * The simulator cannot evaluate `kms:EncryptionContext:<key>`: it drops the key from the
 * request as not applicable to the action, so any condition on it fails whatever the
 * request gives. This evaluates those conditions exactly, from the request's context,
 * before the simulator sees the document: a statement whose encryption-context conditions
 * hold keeps its other conditions; one whose conditions do not hold cannot apply and is
 * left out (conditions of a statement are ANDed, so this is the same decision). Only the
 * operators our documents use are supported; any other throws.
 */
export function withEncryptionContext(doc: PolicyDocument, context: Record<string, string | string[]>): PolicyDocument {
  const statements = ([] as Record<string, any>[]).concat(doc.Statement as Record<string, any>[]);
  const kept: Record<string, any>[] = [];
  for (const st of statements) {
    if (!st.Condition) {
      kept.push(st);
      continue;
    }
    let holds = true;
    const rest: Record<string, Record<string, unknown>> = {};
    for (const [op, keys] of Object.entries(st.Condition as Record<string, Record<string, unknown>>)) {
      for (const [key, expected] of Object.entries(keys)) {
        if (!isEncryptionContextKey(key)) {
          (rest[op] ??= {})[key] = expected;
          continue;
        }
        const actual = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
        holds &&= encryptionContextMatches(op, [expected].flat() as string[], actual === undefined ? undefined : String([actual].flat()[0]));
      }
    }
    if (!holds) continue;
    const { Condition: _dropped, ...without } = st;
    kept.push(Object.keys(rest).length > 0 ? { ...without, Condition: rest } : without);
  }
  return { ...doc, Statement: kept };
}

function encryptionContextMatches(op: string, expected: string[], actual: string | undefined): boolean {
  if (expected.some((v) => v.includes('${'))) throw new Error(`policy variables in ${op} on an encryption-context key are not supported here`);
  const glob = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
  switch (op) {
    case 'StringEquals':
    case 'ArnEquals':
      return actual !== undefined && expected.includes(actual);
    case 'StringLike':
      return actual !== undefined && expected.some((p) => glob(p).test(actual));
    case 'ArnLike': {
      // Each of an ARN's six colon-separated parts is matched on its own: a wildcard never spans a colon.
      const parts = (arn: string) => {
        const p = arn.split(':');
        return [...p.slice(0, 5), p.slice(5).join(':')];
      };
      return (
        actual !== undefined &&
        expected.some((p) => {
          const [want, have] = [parts(p), parts(actual)];
          return want.length === have.length && want.every((w, i) => glob(w).test(have[i]!));
        })
      );
    }
    default:
      throw new Error(`condition operator ${op} on an encryption-context key is not supported here`);
  }
}
