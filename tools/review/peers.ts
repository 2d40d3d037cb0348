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

/**
 * The placeholders of one stack: its account, its workload's name and regions (primary first,
 * replicas in manifest order). With `keepSharedRegions`, a region that is also the deployment's
 * or the log archive's stays as it is: the log archive's region written into a workload's policy
 * (`s3.<region>.amazonaws.com` for the archive key) is the archive's, whatever the workload's
 * regions are, and two values equal either way are equal.
 */
function abstraction(info: StackInfo, specs: readonly StackInfo[], keepSharedRegions = false): Abstraction {
  const mine = specs.filter((s) => s.workload !== undefined && s.workload === info.workload && s.kind === 'payments');
  const primary = mine.find((s) => s.primary === true)?.region ?? info.region;
  const replicas = mine.filter((s) => s.primary === false).map((s) => s.region);
  const sharedStacks = specs.filter((s) => s.workload === undefined);
  const shared = [...new Set(sharedStacks.map((s) => s.accountId))];
  const sharedRegions = new Set(sharedStacks.map((s) => s.region));
  const regions = ([[primary, '<primary-region>'], ...replicas.map((r, i) => [r, `<replica-region-${i + 1}>`])] as [string, string][]).filter(([r]) => !keepSharedRegions || !sharedRegions.has(r));
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const token = (s: string) => new RegExp(`(?<![A-Za-z0-9])${escape(s)}(?![A-Za-z0-9])`, 'g');
  const subs: [RegExp, string][] = [[new RegExp(escape(info.accountId), 'g'), '<account>'], ...(info.workload ? [[token(info.workload), '<workload>'] as [RegExp, string]] : [])];
  // Regions also appear without dashes, inside identifiers (a statement id `DecryptSourceeuwest1`).
  for (const [r, p] of regions) subs.push([token(r), p], [new RegExp(escape(r.replace(/-/g, '')), 'g'), p]);
  // What belongs to a shared account is kept as it is: its IAM ARNs (`arn:aws:iam::<id>:role/<project>-ci-apply-prod`,
  // where a workload named like a stage would otherwise be abstracted), ARNs in it (`…:<region>:<id>:…`) and its
  // buckets (`…-<id>-<region>`).
  const guards = shared.flatMap((id) => [new RegExp(`arn:aws[\\w-]*:iam::${id}:[^"\\s,\\]}]*`, 'g'), new RegExp(`${id}-(${REGION.source})`, 'g'), new RegExp(`(${REGION.source}):${id}`, 'g')]);
  return {
    text: (s: string) => {
      const kept: string[] = [];
      let out = s;
      for (const g of guards) out = out.replace(g, (m) => `⟦${kept.push(m) - 1}⟧`);
      for (const [re, p] of subs) out = out.replace(re, p);
      return out.replace(/⟦(\d+)⟧/g, (_, i: string) => kept[Number(i)]!).replace(HASH, '');
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
export function abstractStack(tf: TfJson | undefined, info: StackInfo, specs: readonly StackInfo[], keepSharedRegions = false): TfJson {
  const a = abstraction(info, specs);
  const v = keepSharedRegions ? abstraction(info, specs, true) : a;
  const resource: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const r of resourcesIn(tf).values()) {
    const [type, ...rest] = a.text(r.address).split('.');
    const name = rest.join('.');
    (resource[type!] ??= {})[name] = abstractValue(r.config, v) as Record<string, unknown>;
  }
  return { resource } as TfJson;
}

/**
 * The new stack, abstracted, with each attribute that equals the peer's when shared regions are
 * kept set to the peer's: the two ways of abstracting agree that it is no deviation.
 */
function reconcile(mine: TfJson, peer: TfJson, mineKept: TfJson, peerKept: TfJson): TfJson {
  const resource: Record<string, Record<string, Record<string, unknown>>> = {};
  const pk = resourcesIn(peerKept);
  const mk = resourcesIn(mineKept);
  const pa = resourcesIn(peer);
  for (const r of resourcesIn(mine).values()) {
    const [type, ...rest] = r.address.split('.');
    const config = { ...r.config };
    const p = pa.get(r.address);
    if (p)
      for (const k of Object.keys(config)) {
        const mineKept = mk.get(r.address)?.config[k];
        const peerKept = pk.get(r.address)?.config[k];
        if (JSON.stringify(mineKept) === JSON.stringify(peerKept)) config[k] = p.config[k];
        else config[k] = reconcileStatements(config[k], p.config[k], mineKept, peerKept);
      }
    (resource[type!] ??= {})[rest.join('.')] = config;
  }
  return { resource } as TfJson;
}

/** Leaves of a value, with JSON documents held in strings (policies) opened up, so one differing principal counts as one. */
function leaves(value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, encoded] of flatten(value)) {
    const v = JSON.parse(encoded) as unknown;
    let doc: unknown;
    if (typeof v === 'string' && (v.startsWith('{') || v.startsWith('['))) {
      try {
        doc = JSON.parse(v);
      } catch {
        doc = undefined;
      }
    }
    if (typeof doc === 'object' && doc !== null) for (const [inner, x] of flatten(doc)) out.set(`${path}→${inner}`, x);
    else out.set(path, encoded);
  }
  return out;
}

/** A policy document, statement by statement: each of the new stack's statements equal to one of the peer's when shared regions are kept becomes the peer's. */
function reconcileStatements(mine: unknown, peer: unknown, mineKept: unknown, peerKept: unknown): unknown {
  const statements = (v: unknown): unknown[] | undefined => {
    if (typeof v !== 'string' || !v.trimStart().startsWith('{')) return undefined;
    try {
      const doc = JSON.parse(v) as { Statement?: unknown };
      return Array.isArray(doc.Statement) ? doc.Statement : undefined;
    } catch {
      return undefined;
    }
  };
  const [m, p, mk, pk] = [statements(mine), statements(peer), statements(mineKept), statements(peerKept)];
  if (!m || !p || !mk || !pk || m.length !== mk.length || p.length !== pk.length) return mine;
  const keptPeer = pk.map((x) => JSON.stringify(x));
  const samePeer = new Set(p.map((x) => JSON.stringify(x)));
  const out = m.map((x, i) => {
    if (samePeer.has(JSON.stringify(x))) return x;
    const j = keptPeer.indexOf(JSON.stringify(mk[i]));
    return j >= 0 ? p[j] : x;
  });
  return JSON.stringify({ ...(JSON.parse(mine as string) as object), Statement: out });
}

/** How far apart two abstracted stacks are: resources added or removed, plus leaves that differ (inside policies too). */
function distance(peer: TfJson, mine: TfJson): number {
  const b = resourcesIn(peer);
  const a = resourcesIn(mine);
  let d = 0;
  for (const r of diffResources('', peer, mine)) {
    if (r.action !== 'update' && r.action !== 'replace') {
      d += 10;
      continue;
    }
    const lb = leaves(b.get(r.address)!.config);
    const la = leaves(a.get(r.address)!.config);
    for (const [k, v] of la) if (lb.get(k) !== v) d++;
    for (const k of lb.keys()) if (!la.has(k)) d++;
  }
  return d;
}

export interface PeerInput {
  readonly info: StackInfo;
  readonly tf: TfJson;
  readonly headSpecs: readonly StackInfo[];
  /** Existing stacks (base versions) with their base specs. */
  readonly base: { readonly specs: readonly StackInfo[]; readonly stacks: ReadonlyMap<string, TfJson> };
  /** Workloads that exist on both sides (only their stacks are peers). */
  readonly existingWorkloads: ReadonlySet<string>;
  /** Abstracted peers by name, shared between the new stacks of one review. */
  readonly cache?: Map<string, { readonly tf: TfJson; readonly kept: TfJson }>;
}

export function comparePeer(input: PeerInput): PeerComparison {
  const { info } = input;
  const head = { stack: info.name, kind: info.kind, ...(info.workload !== undefined ? { workload: info.workload } : {}) };
  const candidates = input.base.specs.filter(
    (s) => s.kind === info.kind && s.workload !== undefined && input.existingWorkloads.has(s.workload) && s.primary === info.primary && input.base.stacks.has(s.name),
  );
  const abstracted = abstractStack(input.tf, info, input.headSpecs);
  const kept = abstractStack(input.tf, info, input.headSpecs, true);
  let best: { name: string; tf: TfJson; mine: TfJson; d: number } | undefined;
  let mine = abstracted;
  const cache = input.cache ?? new Map<string, { tf: TfJson; kept: TfJson }>();
  for (const c of candidates) {
    if (!cache.has(c.name)) cache.set(c.name, { tf: abstractStack(input.base.stacks.get(c.name), c, input.base.specs), kept: abstractStack(input.base.stacks.get(c.name), c, input.base.specs, true) });
    const { tf, kept: peerKept } = cache.get(c.name)!;
    const reconciled = reconcile(abstracted, tf, kept, peerKept);
    const d = distance(tf, reconciled);
    if (!best || d < best.d) best = { name: c.name, tf, mine: reconciled, d };
    if (d === 0) break;
  }
  if (best) mine = best.mine;
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
