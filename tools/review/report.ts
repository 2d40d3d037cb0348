/**
 * Builds the review from two sides (base and head): per stack, per resource address.
 * Pure and deterministic: the same two syntheses always give the same report.
 */
import { diffConfiguration, diffResources, flatten, resourcesIn } from './diff';
import { parsePolicy } from './policy';
import { policiesOf, securityFindings } from './security';
import type { AccountRegionSummary, DestructiveChange, OnboardedWorkload, Report, SecurityFinding, Side, StackDiff, StackInfo, TfJson } from './types';

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

export function buildReport(base: Side, head: Side): Report {
  const names = [...new Set([...base.stacks.keys(), ...head.stacks.keys()])].sort(byString);
  const stacks: StackDiff[] = [];
  const destructive: DestructiveChange[] = [];
  const security: SecurityFinding[] = [];
  for (const name of names) {
    const before = base.stacks.get(name);
    const after = head.stacks.get(name);
    const info = after ? infoFor(name, head, after) : infoFor(name, base, before);
    const resources = diffResources(name, before, after);
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
    if (status !== 'unchanged') security.push(...securityFindings(name, before, after));
  }

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
  const baseWorkloads = new Set(base.specs.map((s) => s.workload).filter((w): w is string => w !== undefined));
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
  const count = (cls: string) => security.filter((f) => f.class === cls).length;
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
    },
    destructive: sortedDestructive,
    security,
    accounts,
    onboarding,
    stacks,
  };
}
