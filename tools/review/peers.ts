/**
 * New stacks compared with a peer: a stack that is new in the change is compared with the
 * stack of the same kind (and, for payments stacks, the same place: primary or replica) of a
 * workload that already exists, as the base has it. Before the comparison both are
 * abstracted: the workload's account id, its name and its regions become placeholders, and
 * cdktf's hash suffixes (`_1A2B3C4D`, which depend on the construct path and so on the region)
 * are dropped from addresses and references. What remains different is a deviation: listed
 * in full, and classed broadening or narrowing against the peer with the same rules as any
 * other change (security.ts). Of several peers, the one with the fewest deviations is chosen;
 * a broadening only in the new stack is a deviation from every peer, so it is always listed.
 */
import { changedPaths, diffResources, flatten, resourcesIn } from './diff';
import { securityFindings } from './security';
import type { SecurityFinding, StackInfo, TfJson } from './types';

export interface SettingDeviation {
  readonly address: string;
  readonly path: string;
  /** JSON of the peer's value (abstracted); undefined when the peer lacks it. */
  readonly peer?: string;
  readonly value?: string;
}

export interface PeerComparison {
  readonly stack: string;
  readonly kind: string;
  readonly workload?: string;
  /** The peer (its base version); undefined when no existing workload has a stack of this kind. */
  readonly peer?: string;
  /** Equal to the peer once account, name and regions are abstracted. */
  readonly equal: boolean;
  /** Resources (abstracted addresses) the new stack has and the peer does not, and the reverse. */
  readonly onlyInNew: readonly string[];
  readonly onlyInPeer: readonly string[];
  /** Security deviations, classed against the peer (addresses abstracted). */
  readonly findings: readonly SecurityFinding[];
  /** Other attribute differences, outside policies. */
  readonly settings: readonly SettingDeviation[];
}

const HASH = /_[0-9A-F]{8}(?=$|[.}\]"',\s\\])/g;
const REGION = /[a-z]{2}(?:-[a-z]+)+-\d/;

interface Abstraction {
  readonly text: (s: string) => string;
}

/** The placeholders of one stack: its account, its workload's name and regions (primary first, replicas in manifest order). */
function abstraction(info: StackInfo, specs: readonly StackInfo[]): Abstraction {
  const mine = specs.filter((s) => s.workload !== undefined && s.workload === info.workload && s.kind === 'payments');
  const primary = mine.find((s) => s.primary === true)?.region ?? info.region;
  const replicas = mine.filter((s) => s.primary === false).map((s) => s.region);
  const shared = [...new Set(specs.filter((s) => s.workload === undefined).map((s) => s.accountId))];
  const regions: [string, string][] = [[primary, '<primary-region>'], ...replicas.map((r, i): [string, string] => [r, `<replica-region-${i + 1}>`])];
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const token = (s: string) => new RegExp(`(?<![A-Za-z0-9])${escape(s)}(?![A-Za-z0-9])`, 'g');
  const subs: [RegExp, string][] = [[new RegExp(escape(info.accountId), 'g'), '<account>'], ...(info.workload ? [[token(info.workload), '<workload>'] as [RegExp, string]] : [])];
  // Regions also appear without dashes, inside identifiers (a statement id `DecryptSourceeuwest1`).
  for (const [r, p] of regions) subs.push([token(r), p], [new RegExp(escape(r.replace(/-/g, '')), 'g'), p]);
  // A region written beside a shared account's id (the log archive's bucket `…-<id>-<region>`, a key ARN
  // `…:<region>:<id>:…`) is that account's region, not the workload's: it is kept as it is.
  const guards = shared.flatMap((id) => [new RegExp(`${id}-(${REGION.source})`, 'g'), new RegExp(`(${REGION.source}):${id}`, 'g')]);
  return {
    text: (s: string) => {
      let out = s;
      for (const g of guards) out = out.replace(g, (m) => m.replace(/-/g, '\u0001'));
      for (const [re, p] of subs) out = out.replace(re, p);
      return out.replace(/\u0001/g, '-').replace(HASH, '');
    },
  };
}

/** The stack's abstraction as a text function (for grouping one change made in many stacks). */
export function abstractText(info: StackInfo, specs: readonly StackInfo[]): (s: string) => string {
  return abstraction(info, specs).text;
}

function abstractValue(v: unknown, a: Abstraction): unknown {
  if (typeof v === 'string') return a.text(v);
  if (Array.isArray(v)) return v.map((x) => abstractValue(x, a));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, abstractValue(x, a)]));
  return v;
}

/** The stack's resources with addresses and values abstracted (other blocks are the stack's plumbing: provider, backend). */
export function abstractStack(tf: TfJson | undefined, info: StackInfo, specs: readonly StackInfo[]): TfJson {
  const a = abstraction(info, specs);
  const resource: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const r of resourcesIn(tf).values()) {
    const [type, ...rest] = a.text(r.address).split('.');
    const name = rest.join('.');
    (resource[type!] ??= {})[name] = abstractValue(r.config, a) as Record<string, unknown>;
  }
  return { resource } as TfJson;
}

/** How far apart two abstracted stacks are: resources added or removed, plus attribute paths that differ. */
function distance(peer: TfJson, mine: TfJson): number {
  return diffResources('', peer, mine).reduce((n, r) => n + (r.action === 'update' || r.action === 'replace' ? r.changedPaths.length : 10), 0);
}

export interface PeerInput {
  readonly info: StackInfo;
  readonly tf: TfJson;
  readonly headSpecs: readonly StackInfo[];
  /** Existing stacks (base versions) with their base specs. */
  readonly base: { readonly specs: readonly StackInfo[]; readonly stacks: ReadonlyMap<string, TfJson> };
  /** Workloads that exist on both sides (only their stacks are peers). */
  readonly existingWorkloads: ReadonlySet<string>;
}

export function comparePeer(input: PeerInput): PeerComparison {
  const { info } = input;
  const head = { stack: info.name, kind: info.kind, ...(info.workload !== undefined ? { workload: info.workload } : {}) };
  const candidates = input.base.specs.filter(
    (s) => s.kind === info.kind && s.workload !== undefined && input.existingWorkloads.has(s.workload) && s.primary === info.primary && input.base.stacks.has(s.name),
  );
  const mine = abstractStack(input.tf, info, input.headSpecs);
  let best: { name: string; tf: TfJson; d: number } | undefined;
  for (const c of candidates) {
    const tf = abstractStack(input.base.stacks.get(c.name), c, input.base.specs);
    const d = distance(tf, mine);
    if (!best || d < best.d) best = { name: c.name, tf, d };
    if (d === 0) break;
  }
  if (!best) return { ...head, equal: false, onlyInNew: [...resourcesIn(mine).keys()], onlyInPeer: [], findings: securityFindings(info.name, undefined, mine), settings: [] };
  const changes = diffResources(info.name, best.tf, mine);
  const findings = securityFindings(info.name, best.tf, mine);
  const pb = resourcesIn(best.tf);
  const pa = resourcesIn(mine);
  const settings: SettingDeviation[] = [];
  for (const r of changes.filter((c) => c.action === 'update' || c.action === 'replace')) {
    for (const path of r.changedPaths) {
      if (findings.some((f) => f.address === r.address && (path === f.attribute || path.startsWith(`${f.attribute}.`) || path.startsWith(`${f.attribute}[`)))) continue;
      const peerValue = valueAt(pb.get(r.address)?.config, path);
      const value = valueAt(pa.get(r.address)?.config, path);
      settings.push(...jsonLeaves(r.address, path, peerValue, value));
    }
  }
  return {
    ...head,
    peer: best.name,
    equal: changes.length === 0,
    onlyInNew: changes.filter((c) => c.action === 'create').map((c) => c.address),
    onlyInPeer: changes.filter((c) => c.action === 'delete').map((c) => c.address),
    findings,
    settings,
  };
}

/** A setting that holds a JSON document (a request model's schema, a dashboard) is compared leaf by leaf inside it. */
function jsonLeaves(address: string, path: string, peer: string | undefined, value: string | undefined): SettingDeviation[] {
  const doc = (v: string | undefined) => {
    try {
      const s = v === undefined ? undefined : (JSON.parse(v) as unknown);
      const d = typeof s === 'string' ? (JSON.parse(s) as unknown) : undefined;
      return typeof d === 'object' && d !== null ? d : undefined;
    } catch {
      return undefined;
    }
  };
  const p = doc(peer);
  const v = doc(value);
  if (!p || !v) return [{ address, path, ...(peer !== undefined ? { peer } : {}), ...(value !== undefined ? { value } : {}) }];
  const fp = flatten(p);
  const fv = flatten(v);
  return changedPaths(p, v).map((inner) => ({ address, path: `${path} → ${inner}`, ...(fp.has(inner) ? { peer: fp.get(inner)! } : {}), ...(fv.has(inner) ? { value: fv.get(inner)! } : {}) }));
}

/** JSON of the leaf at a flattened path (`a.b[0].c`). */
function valueAt(config: Record<string, unknown> | undefined, path: string): string | undefined {
  let cur: unknown = config;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (cur === undefined || cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur === undefined ? undefined : JSON.stringify(cur);
}
