/**
 * Builds the review from two sides (base and head): per stack, per resource address.
 * Pure and deterministic: the same two syntheses (and plans) always give the same report.
 *
 * What a person must judge is set apart: changes to existing stacks that name an account the
 * change adds or removes; destructive changes; new stacks' deviations from a peer of the same
 * kind (peers.ts); broadening changes elsewhere. The trust the change adds or removes between
 * accounts is computed for the diagram (trust.ts).
 */
import { diffConfiguration, diffResources, flatten, resourcesIn } from './diff';
import { abstractText, comparePeer, type PeerInput } from './peers';
import type { StackPlan } from './plans';
import { parsePolicy } from './policy';
import { policiesOf, securityFindings } from './security';
import { trustChange } from './trust';
import type { AccountRegionSummary, DestructiveChange, FindingGroup, OnboardedWorkload, Report, ResourceChange, SecurityFinding, Side, StackDiff, StackInfo, TfJson } from './types';

export interface ReportOptions {
  /** Terraform's plans (`terraform show -json`, reduced), by stack: their actions replace the prediction from the configuration. */
  readonly plans?: ReadonlyMap<string, StackPlan>;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Where a stack lives, from the topology, or (for a stack that only exists in Terraform) from its default provider. */
function infoFor(name: string, side: Side, tf: TfJson | undefined): StackInfo {
  const spec = side.specs.find((s) => s.name === name);
  if (spec) return spec;
  const provider = (tf?.provider?.aws ?? []).find((p) => p.alias === undefined) ?? {};
  const accounts = provider.allowed_account_ids as string[] | undefined;
  return { name, kind: 'unknown', accountId: accounts?.[0] ?? 'unknown', region: String(provider.region ?? 'unknown'), dependsOn: [], wave: 0 };
}

/** Safeguards whose weakening puts data at risk: listed with the destructive changes. */
const PROTECTIONS: { path: RegExp; weakened: (before: unknown, after: unknown) => boolean; what: string }[] = [
  { path: /(^|\.)deletion_protection(_enabled)?$/, weakened: (b, a) => b === true && a !== true, what: 'deletion protection turned off' },
  { path: /point_in_time_recovery\[\d+\]\.enabled$/, weakened: (b, a) => b === true && a !== true, what: 'point-in-time recovery turned off' },
  { path: /versioning_configuration\[\d+\]\.status$|versioning\[\d+\]\.enabled$/, weakened: (b, a) => (b === 'Enabled' || b === true) && a !== 'Enabled' && a !== true, what: 'versioning suspended' },
  { path: /^force_destroy$/, weakened: (b, a) => b !== true && a === true, what: 'force_destroy turned on (a destroy deletes every object)' },
  { path: /^lifecycle\.prevent_destroy$/, weakened: (b, a) => b === true && a !== true, what: 'prevent_destroy removed' },
  { path: /^deletion_window_in_days$/, weakened: (b, a) => typeof b === 'number' && typeof a === 'number' && a < b, what: 'key deletion window shortened' },
  { path: /^retention_in_days$/, weakened: (b, a) => typeof b === 'number' && (a === undefined || (typeof a === 'number' && a !== 0 && a < b)), what: 'log retention shortened' },
];

function protectionChanges(stack: string, before: TfJson | undefined, after: TfJson | undefined): DestructiveChange[] {
  const b = resourcesIn(before);
  const a = resourcesIn(after);
  const out: DestructiveChange[] = [];
  for (const [address, cur] of a) {
    const old = b.get(address);
    if (!old) continue;
    const fb = flatten(old.config);
    const fa = flatten(cur.config);
    for (const path of [...new Set([...fb.keys(), ...fa.keys()])].sort()) {
      const p = PROTECTIONS.find((x) => x.path.test(path));
      if (!p) continue;
      const bv = fb.has(path) ? JSON.parse(fb.get(path)!) : undefined;
      const av = fa.has(path) ? JSON.parse(fa.get(path)!) : undefined;
      if (p.weakened(bv, av)) out.push({ stack, address, type: cur.type, kind: 'protection', reason: `${p.what} (${path}: ${JSON.stringify(bv)} → ${JSON.stringify(av ?? null)})` });
    }
  }
  return out;
}

function rolesAndKeys(stack: string, tf: TfJson | undefined): { trusts: OnboardedWorkload['trusts'][number][]; keyGrants: OnboardedWorkload['keyGrants'][number][] } {
  const trusts: OnboardedWorkload['trusts'][number][] = [];
  const keyGrants: OnboardedWorkload['keyGrants'][number][] = [];
  for (const r of resourcesIn(tf).values()) {
    if (r.type === 'aws_iam_role') {
      const policy = parsePolicy(r.config.assume_role_policy);
      const role = typeof r.config.name === 'string' ? r.config.name : r.address;
      for (const s of policy?.statements ?? []) {
        if (s.effect !== 'Allow') continue;
        trusts.push({ stack, role, principals: s.principal ?? [], conditions: [...s.condition.entries()].map(([k, v]) => `${k} ${JSON.stringify(v)}`) });
      }
    }
    if (r.type === 'aws_kms_key' || r.type === 'aws_kms_replica_key') {
      const key = typeof r.config.description === 'string' && r.config.description !== '' ? `${r.address} (${r.config.description})` : r.address;
      for (const [, text] of policiesOf(r.config)) {
        for (const s of parsePolicy(text)?.statements ?? []) {
          if (s.effect !== 'Allow') continue;
          keyGrants.push({
            stack,
            key,
            principal: (s.principal ?? ['(none)']).join(', '),
            actions: s.action ?? (s.notAction ? [`all but ${s.notAction.join(', ')}`] : []),
            conditions: [...s.condition.entries()].map(([k, v]) => `${k} ${JSON.stringify(v)}`),
          });
        }
      }
    }
  }
  return { trusts, keyGrants };
}

/**
 * A safeguard deleted together with what it guards (a bucket's public access block, encryption
 * or TLS-only policy when the bucket itself is destroyed) opens nothing: such a finding is
 * neutral, named after the resource it goes with (which is listed with the destructive changes).
 */
function withTheirResource(findings: SecurityFinding[], resources: readonly ResourceChange[], before: TfJson | undefined): SecurityFinding[] {
  const deleted = new Set(resources.filter((r) => r.action === 'delete').map((r) => r.address));
  const configs = resourcesIn(before);
  return findings.map((f) => {
    if (f.change !== 'removed' || f.class !== 'broadening' || !deleted.has(f.address)) return f;
    // Only when everything it refers to in the stack goes too: a policy removed from a bucket that stays is a broadening.
    const refs = [...new Set([...JSON.stringify(configs.get(f.address)?.config ?? {}).matchAll(/\$\{(aws_\w+\.[\w-]+)\./g)].map((m) => m[1]!))];
    if (refs.length === 0 || !refs.every((x) => deleted.has(x))) return f;
    return { ...f, class: 'changed' as const, summary: `removed with ${refs.join(', ')}: ${f.summary}` };
  });
}

export function buildReport(base: Side, head: Side, options: ReportOptions = {}): Report {
  const names = [...new Set([...base.stacks.keys(), ...head.stacks.keys()])].sort(byString);
  const stacks: StackDiff[] = [];
  const destructive: DestructiveChange[] = [];
  const security: SecurityFinding[] = [];
  const rawBroadening: SecurityFinding[] = [];
  const baseWorkloads = new Set(base.specs.map((s) => s.workload).filter((w): w is string => w !== undefined));
  const headWorkloads = new Set(head.specs.map((s) => s.workload).filter((w): w is string => w !== undefined));
  const existingWorkloads = new Set([...baseWorkloads].filter((w) => headWorkloads.has(w)));
  const newStacks: Report['newStacks'][number][] = [];
  const peerCache: PeerInput['cache'] = new Map();
  for (const name of names) {
    const before = base.stacks.get(name);
    const after = head.stacks.get(name);
    const info = after ? infoFor(name, head, after) : infoFor(name, base, before);
    const plan = options.plans?.get(name);
    const resources = diffResources(name, before, after, plan);
    const configChanges = before && after ? diffConfiguration(before, after) : [];
    const status = !before ? 'added' : !after ? 'removed' : resources.length || configChanges.length ? 'changed' : 'unchanged';
    const count = (pred: (a: string) => boolean) => resources.filter((r) => pred(r.action)).length;
    stacks.push({
      name,
      kind: info.kind,
      accountId: info.accountId,
      region: info.region,
      ...(info.workload !== undefined ? { workload: info.workload } : {}),
      status,
      add: count((a) => a === 'create' || a === 'replace'),
      change: count((a) => a === 'update'),
      destroy: count((a) => a === 'delete' || a === 'replace'),
      resources,
      configChanges,
      planned: plan !== undefined,
    });
    for (const r of resources) {
      if (!r.stateful) continue;
      if (r.action === 'delete')
        destructive.push({
          stack: name,
          address: r.address,
          type: r.type,
          kind: 'destroy',
          reason: !after ? `stack ${name} removed${info.workload ? ` (workload ${info.workload})` : ''}` : 'resource removed (or its construct id changed)',
        });
      if (r.action === 'replace') destructive.push({ stack: name, address: r.address, type: r.type, kind: 'replace', reason: `replaced: ${r.replacedBecause.join(', ')} changed` });
    }
    destructive.push(...protectionChanges(name, before, after));
    if (status === 'added') {
      // A new stack is judged by how it deviates from a peer of its kind, not statement by statement.
      const findings = securityFindings(name, before, after);
      rawBroadening.push(...findings.filter((f) => f.class === 'broadening'));
      newStacks.push(comparePeer({ info, tf: after!, headSpecs: head.specs, base: { specs: base.specs, stacks: base.stacks }, existingWorkloads, cache: peerCache }));
    } else if (status === 'changed') security.push(...withTheirResource(securityFindings(name, before, after), resources, before));
    // A removed stack is listed with what it destroys; its policies go with it (their removal is no change to judge one by one).
  }
  rawBroadening.push(...security.filter((f) => f.class === 'broadening'));

  // Accounts the change adds or removes, and the changes to existing stacks that name them.
  const baseAccounts = new Set(base.specs.map((s) => s.accountId));
  const headAccounts = new Set(head.specs.map((s) => s.accountId));
  const accountsAdded = base.specs.length ? [...headAccounts].filter((a) => !baseAccounts.has(a)).sort(byString) : [];
  const accountsRemoved = [...baseAccounts].filter((a) => !headAccounts.has(a)).sort(byString);
  const named = [...accountsAdded, ...accountsRemoved];
  const mentions = (text: string) => named.filter((a) => text.includes(a));
  const existing = new Set(stacks.filter((s) => s.status === 'changed').map((s) => s.name));
  const namingFindings = security.filter((f) => existing.has(f.stack) && mentions(JSON.stringify([f.summary, f.details])).length > 0);
  const namingResources: ResourceChange[] = [];
  for (const s of stacks.filter((x) => existing.has(x.name))) {
    const b = resourcesIn(base.stacks.get(s.name));
    const a = resourcesIn(head.stacks.get(s.name));
    for (const r of s.resources) {
      if (namingFindings.some((f) => f.stack === s.name && f.address === r.address)) continue;
      if (mentions(JSON.stringify([b.get(r.address)?.config ?? null, a.get(r.address)?.config ?? null])).length) namingResources.push(r);
    }
  }

  // One group per change, however many stacks make it.
  const groupMap = new Map<string, { key: string; group: FindingGroup; real: SecurityFinding }>();
  const abstractors = new Map<string, (s: string) => string>();
  const textOf = (stack: string) => {
    if (!abstractors.has(stack)) {
      const side = head.stacks.has(stack) ? head : base;
      abstractors.set(stack, abstractText(infoFor(stack, side, side.stacks.get(stack)), side.specs));
    }
    return abstractors.get(stack)!;
  };
  const naming = new Set(namingFindings);
  for (const f of security) {
    if (naming.has(f)) continue;
    const t = textOf(f.stack);
    const group: FindingGroup = {
      class: f.class,
      category: f.category,
      alsoCategories: f.alsoCategories,
      change: f.change,
      address: t(f.address),
      attribute: f.attribute,
      summary: t(f.summary),
      details: f.details.map(t),
      stacks: [],
    };
    const key = JSON.stringify({ ...group, stacks: undefined });
    const g = groupMap.get(key) ?? { key, group, real: f };
    (g.group.stacks as string[]).push(f.stack);
    groupMap.set(key, g);
  }
  const rank = { broadening: 0, narrowing: 1, changed: 2 };
  const findingGroups = [...groupMap.values()]
    .map(({ key, group, real }) => ({ key, group: group.stacks.length === 1 ? { ...group, address: real.address, summary: real.summary, details: real.details } : group }))
    .sort((x, y) => rank[x.group.class] - rank[y.group.class] || y.group.stacks.length - x.group.stacks.length || byString(x.key, y.key))
    .map((x) => x.group);

  const specOf = (side: Side) => (name: string) => infoFor(name, side, side.stacks.get(name));
  const trust = trustChange({ stacks: base.stacks, info: specOf(base) }, { stacks: head.stacks, info: specOf(head) });

  // Per account and region.
  const groups = new Map<string, AccountRegionSummary & { labels: Set<string> }>();
  for (const s of stacks) {
    const key = `${s.accountId}\u0000${s.region}`;
    const g = groups.get(key) ?? {
      accountId: s.accountId,
      region: s.region,
      label: '',
      labels: new Set<string>(),
      stacksAdded: 0,
      stacksRemoved: 0,
      stacksChanged: 0,
      stacksUnchanged: 0,
      add: 0,
      change: 0,
      destroy: 0,
    };
    g.labels.add(s.workload ?? s.kind);
    const m = g as unknown as Record<string, number>;
    m[{ added: 'stacksAdded', removed: 'stacksRemoved', changed: 'stacksChanged', unchanged: 'stacksUnchanged' }[s.status]]! += 1;
    m.add! += s.add;
    m.change! += s.change;
    m.destroy! += s.destroy;
    groups.set(key, g);
  }
  const accounts = [...groups.values()]
    .map(({ labels, ...g }) => ({ ...g, label: [...labels].sort(byString).join(', ') }))
    .sort((x, y) => byString(x.accountId, y.accountId) || byString(x.region, y.region));

  // Onboarding: workloads the head has and the base does not.
  const newWorkloads = [...new Set(head.specs.map((s) => s.workload).filter((w): w is string => w !== undefined && !baseWorkloads.has(w)))].sort(byString);
  const onboarding: OnboardedWorkload[] = newWorkloads.map((workload) => {
    const specs = head.specs.filter((s) => s.workload === workload);
    const accountId = specs[0]!.accountId;
    const trusts: OnboardedWorkload['trusts'][number][] = [];
    const keyGrants: OnboardedWorkload['keyGrants'][number][] = [];
    for (const s of [...specs].sort((x, y) => byString(x.name, y.name))) {
      const rk = rolesAndKeys(s.name, head.stacks.get(s.name));
      trusts.push(...rk.trusts);
      keyGrants.push(...rk.keyGrants);
    }
    const own = new Set(specs.map((s) => s.name));
    const elsewhere = security.filter((f) => !own.has(f.stack) && JSON.stringify([f.summary, f.details]).includes(accountId)).map((f) => `${f.stack} · ${f.address} · ${f.attribute}: ${f.summary}`);
    return {
      workload,
      accountId,
      regions: [...new Set(specs.map((s) => s.region))].sort(byString),
      stacks: specs.map((s) => s.name).sort(byString),
      trusts,
      keyGrants,
      elsewhere,
    };
  });

  const sortedDestructive = destructive.sort((x, y) => byString(x.stack, y.stack) || byString(x.address, y.address) || byString(x.reason, y.reason));
  const judged = [...security, ...newStacks.flatMap((n) => n.findings)];
  const count = (cls: string) => judged.filter((f) => f.class === cls).length;
  const planned = stacks.filter((s) => s.planned).map((s) => s.name);
  const predicted = stacks.filter((s) => !s.planned && s.status !== 'unchanged').map((s) => s.name);
  const sum = (k: 'add' | 'change' | 'destroy') => stacks.reduce((n, s) => n + s[k], 0);
  const stat = (st: string) => stacks.filter((s) => s.status === st).length;
  const noChanges = stacks.every((s) => s.status === 'unchanged');
  return {
    base: base.label,
    head: head.label,
    noChanges,
    notes: [...base.notes.map((n) => `base: ${n}`), ...head.notes.map((n) => `head: ${n}`)],
    totals: {
      stacks: stacks.length,
      stacksAdded: stat('added'),
      stacksRemoved: stat('removed'),
      stacksChanged: stat('changed'),
      stacksUnchanged: stat('unchanged'),
      add: sum('add'),
      change: sum('change'),
      destroy: sum('destroy'),
      destructive: sortedDestructive.length,
      broadening: count('broadening'),
      narrowing: count('narrowing'),
      securityChanged: count('changed'),
      broadeningStatements: rawBroadening.length,
      namingAccounts: namingFindings.length + namingResources.length,
      newStacksStandard: newStacks.filter((n) => n.equal).length,
    },
    accountsAdded,
    accountsRemoved,
    namingAccounts: { findings: namingFindings, resources: namingResources },
    destructive: sortedDestructive,
    security,
    groups: findingGroups,
    newStacks,
    trust,
    plans: { planned, predicted },
    accounts,
    onboarding,
    stacks,
  };
}
