/**
 * Who may reach whom across accounts: which principals may assume which roles (trust policies,
 * and identity policies allowing `sts:AssumeRole` on a role), and which accounts each key,
 * bucket, topic, queue or API grants (resource policies). The review draws only the edges the
 * change adds or removes, grouped by account, as a Mermaid diagram (GitHub renders it).
 * Principals of the resource's own account and AWS services are left out: the picture is about
 * accounts reaching each other (and `*`, anyone, which is always drawn).
 */
import { resourcesIn } from './diff';
import { parsePolicy } from './policy';
import { policiesOf, policyCategory } from './security';
import type { StackInfo, TfJson } from './types';

export interface TrustEdge {
  /** `role <name>`, `account root`, `anyone`. */
  readonly from: string;
  /** Account id of the principal; `*` for anyone. */
  readonly fromAccount: string;
  /** `role <name>`, `key <description>`, `bucket <name>`… */
  readonly to: string;
  readonly toAccount: string;
  /** `may assume`, or the services whose actions the resource grants (`kms`, `s3`). */
  readonly what: string;
  readonly stack: string;
}

export const edgeKey = (e: TrustEdge) => JSON.stringify([e.fromAccount, e.from, e.toAccount, e.to, e.what]);

const ARN = /^arn:aws[\w-]*:(?:iam|sts)::(\d{12}):(.+)$/;

function principalNode(p: string): { account: string; label: string } | undefined {
  if (p === '*') return { account: '*', label: 'anyone' };
  if (!p.startsWith('AWS:')) return undefined; // services and federated principals: not accounts
  const v = p.slice(4);
  if (/^\d{12}$/.test(v)) return { account: v, label: 'account root' };
  const m = ARN.exec(v);
  if (!m) return undefined; // a reference resolved at apply time: no account to draw
  const rest = m[2]!;
  if (rest === 'root') return { account: m[1]!, label: 'account root' };
  const role = /^(?:role|assumed-role)\/(?:.*\/)?([^/]+?)(?:\/.*)?$/.exec(rest);
  return { account: m[1]!, label: role ? `role ${role[1]}` : rest };
}

function literal(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' && !v.includes('${') ? v : undefined;
}

/** A readable name for the resource a policy belongs to. */
function resourceLabel(type: string, config: Record<string, unknown>, all: Map<string, { type: string; config: Record<string, unknown> }>): string {
  const kind = type.replace(/^aws_/, '').replace(/_policy$/, '');
  const ref = (v: unknown) => {
    const m = /^\$\{([\w-]+\.[\w-]+)\.\w+\}$/.exec(typeof v === 'string' ? v : '');
    return m ? all.get(m[1]!)?.config : undefined;
  };
  const name =
    literal(config.name) ??
    literal(config.bucket) ??
    literal(config.function_name) ??
    literal(config.description) ??
    literal(ref(config.bucket)?.bucket) ??
    literal(ref(config.arn)?.name) ??
    literal(ref(config.rest_api_id)?.name) ??
    literal(ref(config.queue_url)?.name) ??
    literal(ref(config.target_key_id)?.description);
  return `${kind.replace(/_/g, ' ')} ${name ?? '(unnamed)'}`;
}

/** Every cross-account edge of one stack. */
export function trustEdges(stack: string, tf: TfJson | undefined, info: StackInfo): TrustEdge[] {
  const all = resourcesIn(tf);
  const out: TrustEdge[] = [];
  const roleName = (v: unknown) => {
    const m = /^\$\{aws_iam_role\.([\w-]+)\.(?:name|id)\}$/.exec(typeof v === 'string' ? v : '');
    return literal(m ? all.get(`aws_iam_role.${m[1]}`)?.config.name : v);
  };
  for (const r of all.values()) {
    for (const [path, text] of policiesOf(r.config)) {
      const policy = parsePolicy(text);
      if (!policy) continue;
      const category = policyCategory(r.type, path);
      for (const s of policy.statements) {
        if (s.effect !== 'Allow') continue;
        if (category === 'trust') {
          const role = `role ${literal(r.config.name) ?? r.address}`;
          for (const p of s.principal ?? []) {
            const n = principalNode(p);
            if (n && n.account !== info.accountId) out.push({ from: n.label, fromAccount: n.account, to: role, toAccount: info.accountId, what: 'may assume', stack });
          }
        } else if (category === 'iam-permission') {
          if (!(s.action ?? []).some((a) => /^sts:(AssumeRole|\*)$/i.test(a) || a === '*')) continue;
          const from = r.type === 'aws_iam_role' ? literal(r.config.name) : roleName(r.config.role);
          if (!from) continue;
          for (const target of s.resource ?? []) {
            const n = principalNode(`AWS:${target}`);
            if (n && n.account !== info.accountId) out.push({ from: `role ${from}`, fromAccount: info.accountId, to: n.label, toAccount: n.account, what: 'may assume', stack });
          }
        } else {
          const what = [...new Set((s.action ?? s.notAction ?? ['*']).map((a) => a.split(':')[0]!.toLowerCase()))].sort().join(', ');
          for (const p of s.principal ?? []) {
            const n = principalNode(p);
            if (!n || n.account === info.accountId) continue;
            const when = n.account === '*' && s.condition.size ? ` when ${[...s.condition.keys()].map((k) => k.split(' ')[1]).join(', ')}` : '';
            out.push({ from: `${n.label}${when}`, fromAccount: n.account, to: resourceLabel(r.type, r.config, all), toAccount: info.accountId, what, stack });
          }
        }
      }
    }
  }
  return out;
}

export interface TrustChange {
  readonly added: readonly TrustEdge[];
  readonly removed: readonly TrustEdge[];
}

export function trustChange(
  base: { stacks: ReadonlyMap<string, TfJson>; info: (name: string) => StackInfo },
  head: { stacks: ReadonlyMap<string, TfJson>; info: (name: string) => StackInfo },
): TrustChange {
  const collect = (side: typeof base) => {
    const m = new Map<string, TrustEdge>();
    for (const [name, tf] of side.stacks) for (const e of trustEdges(name, tf, side.info(name))) if (!m.has(edgeKey(e))) m.set(edgeKey(e), e);
    return m;
  };
  const b = collect(base);
  const h = collect(head);
  const order = (xs: TrustEdge[]) => xs.sort((x, y) => (edgeKey(x) < edgeKey(y) ? -1 : edgeKey(x) > edgeKey(y) ? 1 : 0));
  return { added: order([...h.values()].filter((e) => !b.has(edgeKey(e)))), removed: order([...b.values()].filter((e) => !h.has(edgeKey(e)))) };
}

const quote = (s: string) => `"${s.replace(/"/g, '#quot;')}"`;

/** A Mermaid flowchart of the edges, subgraphs per account; at most `max` edges (the rest counted by the caller). */
export function mermaid(change: TrustChange, accountLabel: (id: string) => string, max = 40): { text: string; drawn: number } {
  const edges = [...change.added.map((e) => ({ e, sign: '+' })), ...change.removed.map((e) => ({ e, sign: '−' }))].slice(0, max);
  const nodes = new Map<string, { id: string; account: string; label: string }>();
  const node = (account: string, label: string) => {
    const key = `${account} ${label}`;
    if (!nodes.has(key)) nodes.set(key, { id: `n${nodes.size}`, account, label });
    return nodes.get(key)!.id;
  };
  const lines = edges.map(({ e, sign }) => {
    const from = node(e.fromAccount, e.from);
    const to = node(e.toAccount, e.to);
    return sign === '+' ? `  ${from} -->|${quote(`+ ${e.what}`)}| ${to}` : `  ${from} -.->|${quote(`− ${e.what}`)}| ${to}`;
  });
  const accounts = [...new Set([...nodes.values()].map((n) => n.account))].sort();
  const groups = accounts.flatMap((a, i) => [
    `  subgraph a${i}[${quote(a === '*' ? 'anyone' : accountLabel(a))}]`,
    ...[...nodes.values()].filter((n) => n.account === a).map((n) => `    ${n.id}[${quote(n.label)}]`),
    '  end',
  ]);
  return { text: ['```mermaid', 'flowchart LR', ...groups, ...lines, '```'].join('\n'), drawn: edges.length };
}
