/**
 * Renders a report as one GitHub comment, in the order a person judges it:
 *  1. changes to existing stacks that name an account the change adds or removes, in full;
 *  2. destructive changes;
 *  3. new stacks: one line when equal to their peer, every deviation otherwise;
 *  4. a Mermaid diagram of the cross-account trust added or removed;
 *  5. the other security changes to existing stacks, one entry per change (a change made in
 *     many stacks is one entry naming them), broadening first;
 *  6. accounts and regions touched, and per-stack resource changes.
 *
 * GitHub caps a comment at 65,535 characters. The full rendering is tried first; when it is too
 * long, detail that needs no judgement is summarized step by step and every step is named in a
 * "Summarized" note; the JSON report (`--json`, the workflow's artifact) carries everything.
 * Sections 1-4 and the broadening changes are never summarized; only if they alone exceed the
 * limit is the comment cut, and it says where.
 */
import type { PeerComparison } from './peers';
import { mermaid } from './trust';
import type { FindingGroup, Report, SecurityFinding, StackDiff } from './types';

/** Marker the CI workflow uses to find and update its one sticky comment. */
export const COMMENT_MARKER = '<!-- payments-infra-review -->';
/** GitHub's limit on an issue comment body. */
export const GITHUB_COMMENT_LIMIT = 65_535;

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const ARTIFACT = "the JSON report (`npm run review -- --json`; in CI the workflow's `review` artifact)";

interface Level {
  readonly stackDetails: 'diff' | 'table' | 'none';
  readonly otherFindings: 'all' | 'counts';
  readonly groupStacks: 'names' | 'kinds';
  readonly settings: 'all' | 'counts';
  readonly standardNewStacks: 'listed' | 'counted';
  readonly note?: string;
}

const LEVELS: Level[] = [
  { stackDetails: 'diff', otherFindings: 'all', groupStacks: 'names', settings: 'all', standardNewStacks: 'listed' },
  { stackDetails: 'table', otherFindings: 'all', groupStacks: 'names', settings: 'all', standardNewStacks: 'listed', note: 'per-stack resource lists are collapsed to counts' },
  { stackDetails: 'none', otherFindings: 'all', groupStacks: 'names', settings: 'all', standardNewStacks: 'listed', note: 'the per-stack table is left out' },
  { stackDetails: 'none', otherFindings: 'counts', groupStacks: 'names', settings: 'all', standardNewStacks: 'listed', note: 'narrowing and neutral security changes are counted, not listed' },
  { stackDetails: 'none', otherFindings: 'counts', groupStacks: 'kinds', settings: 'all', standardNewStacks: 'listed', note: 'a change made in many stacks names its stacks by kind and count' },
  {
    stackDetails: 'none',
    otherFindings: 'counts',
    groupStacks: 'kinds',
    settings: 'counts',
    standardNewStacks: 'listed',
    note: "new stacks' setting differences from their peer (outside policies) are counted",
  },
  { stackDetails: 'none', otherFindings: 'counts', groupStacks: 'kinds', settings: 'counts', standardNewStacks: 'counted', note: 'new stacks equal to their peer are counted, not named' },
];

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}

function detailLines(details: readonly string[], indent: string): string[] {
  return details.map((d) => `${indent}- ${esc(d)}`);
}

/** One security change in full: where, what, and each widening or narrowing detail. */
function findingLines(f: Pick<SecurityFinding, 'address' | 'attribute' | 'category' | 'alsoCategories' | 'class' | 'change' | 'summary' | 'details'>, where: string, indent = ''): string[] {
  const cats = [f.category, ...f.alsoCategories].join(', ');
  const cls = f.class === 'changed' ? 'changed' : `**${f.class}**`;
  const head = `${indent}- ${where}${code(f.address)} · ${code(f.attribute)} (${cats}, ${cls}): ${esc(f.summary)}`;
  // An added or removed statement's one detail repeats its summary.
  if (f.details.length === 0 || (f.change !== 'modified' && f.details.length === 1)) return [head];
  return [head, ...detailLines(f.details, `${indent}  `)];
}

function stacksOf(g: FindingGroup, report: Report, level: Level): string {
  if (g.stacks.length === 1) return `in ${code(g.stacks[0]!)}`;
  if (level.groupStacks === 'names' && g.stacks.length <= 12) return `in ${g.stacks.length} stacks (${g.stacks.map(code).join(', ')})`;
  const kinds = groupBy(g.stacks, (s) => report.stacks.find((x) => x.name === s)?.kind ?? 'unknown');
  const all = (kind: string) => report.stacks.filter((s) => s.kind === kind && s.status === 'changed').length;
  return `in ${g.stacks.length} stacks (${[...kinds].map(([k, xs]) => (xs.length === all(k) ? `every changed \`${k}\` stack: ${xs.length}` : `${xs.length} \`${k}\``)).join(', ')}; named in the JSON report)`;
}

function peerLines(n: PeerComparison, level: Level): string[] {
  if (n.equal) return [`- ${code(n.stack)}: standard ${code(n.kind)} stack, same as ${code(n.peer!)}`];
  const deviations = n.findings.length + n.onlyInNew.length + n.onlyInPeer.length + n.settings.length;
  const out = [
    n.peer
      ? `- ${code(n.stack)}: ${code(n.kind)} stack, **${plural(deviations, 'deviation')}** from ${code(n.peer)} (account, workload name and regions abstracted):`
      : `- ${code(n.stack)}: ${code(n.kind)} stack; no existing workload has one to compare with, so every security-relevant resource is listed:`,
  ];
  for (const f of n.findings) out.push(...findingLines(f, '', '  '));
  if (n.peer) {
    for (const a of n.onlyInNew) out.push(`  - \\+ resource ${code(a)} (the peer has none)`);
    for (const a of n.onlyInPeer) out.push(`  - − resource ${code(a)} (only the peer has it)`);
  }
  if (level.settings === 'all')
    for (const [address, ss] of groupBy(n.settings, (s) => s.address))
      out.push(`  - settings of ${code(address)}: ${ss.map((s) => `${code(s.path)} ${esc(s.peer ?? '(unset)')} → ${esc(s.value ?? '(unset)')}`).join('; ')}`);
  else if (n.settings.length) out.push(`  - ${plural(n.settings.length, 'setting')} outside policies differ (${[...new Set(n.settings.map((s) => s.address.split('.')[0]))].join(', ')})`);
  return out;
}

/** A changed stack's resource changes not already shown in a section above. */
function stackDetails(s: StackDiff, shown: ReadonlySet<string>): string {
  const rest = s.resources.filter((r) => !shown.has(`${s.name} ${r.address}`));
  const counts = `${s.add} to add, ${s.change} to change, ${s.destroy} to destroy`;
  if (rest.length === 0 && s.configChanges.length === 0) return `- ${code(s.name)} (changed, ${s.accountId} ${s.region}): ${counts}; each is shown above`;
  const lines = rest.map((r) => {
    const why =
      r.action === 'replace'
        ? ` (replace: ${r.replacedBecause.join(', ')})`
        : r.action === 'update'
          ? `: ${r.changedPaths.slice(0, 12).join(', ')}${r.changedPaths.length > 12 ? `, … ${r.changedPaths.length - 12} more` : ''}`
          : r.action === 'move'
            ? ` (moved from ${r.previousAddress})`
            : '';
    const sign = { create: '+', delete: '-', update: '~', replace: '-/+', move: '>' }[r.action];
    return `${sign} ${r.address}${why}`;
  });
  for (const c of s.configChanges) lines.push(`~ ${c}`);
  return [`<details><summary><code>${s.name}</code> (changed, ${s.accountId} ${s.region}): ${counts}</summary>`, '', '```diff', ...lines, '```', '</details>', ''].join('\n');
}

function accountLabel(report: Report): (id: string) => string {
  return (id) => {
    const labels = [...new Set(report.stacks.filter((s) => s.accountId === id).map((s) => s.workload ?? s.kind))].sort();
    const state = report.accountsAdded.includes(id) ? ', new' : report.accountsRemoved.includes(id) ? ', removed' : '';
    return `${labels.join(', ') || 'no stack'} ${id}${state}`;
  };
}

function render(report: Report, level: Level, notes: string[]): string {
  const t = report.totals;
  const out: string[] = [COMMENT_MARKER, `## Infrastructure review: ${code(report.base)} → ${code(report.head)}`, ''];
  for (const n of report.notes) out.push(`> Note: ${esc(n)}`);
  if (report.notes.length) out.push('');
  if (report.noChanges) {
    out.push(`**No changes.** The synthesized Terraform of all ${plural(t.stacks, 'stack')} is identical.`);
    return out.join('\n') + '\n';
  }
  out.push(
    `${plural(t.stacksChanged, 'existing stack')} changed, ${t.stacksAdded} added, ${t.stacksRemoved} removed, ${t.stacksUnchanged} unchanged · ` +
      `resources: ${t.add} to add, ${t.change} to change, ${t.destroy} to destroy · ` +
      `to judge: **${plural(t.namingAccounts, 'change')} naming an added or removed account**, **${plural(t.destructive, 'destructive change')}**, **${t.broadening} broadening** ` +
      `(${t.broadeningStatements} broadening statements before new stacks were compared with their peers), ${t.narrowing} narrowing, ${t.securityChanged} other security changes`,
    '',
  );
  const { planned, predicted } = report.plans;
  if (predicted.length && !planned.length)
    out.push(
      "> Create, replace and delete are a **heuristic** here: predicted from the configuration and a hand-kept table of attributes that force replacement (no Terraform plans given; CI's plans decide).",
      '',
    );
  else if (predicted.length)
    out.push(
      `> Actions of ${plural(planned.length, 'stack')} come from Terraform's plans; of ${plural(predicted.length, 'stack')} (${predicted.map(code).join(', ')}) they are a **heuristic** (no plan given).`,
      '',
    );
  else if (planned.length) out.push(`> Create, replace, delete and move come from Terraform's plans of ${plural(planned.length, 'stack')}.`, '');
  if (notes.length) out.push(`> **Summarized** to fit one comment: ${notes.join('; ')}. Everything is in ${ARTIFACT}.`, '');

  // 1. Existing stacks naming added or removed accounts.
  const accounts = [...report.accountsAdded.map((a) => `${a} added`), ...report.accountsRemoved.map((a) => `${a} removed`)];
  if (accounts.length) {
    const { findings, resources } = report.namingAccounts;
    out.push(`### Existing stacks that name an added or removed account (${findings.length + resources.length})`, '', `Accounts: ${accounts.join(', ')}.`, '');
    if (findings.length + resources.length === 0) out.push('None: no existing stack names them.', '');
    for (const [stack, fs] of groupBy(findings, (f) => f.stack)) for (const f of fs) out.push(...findingLines(f, `${code(stack)} · `));
    for (const r of resources)
      out.push(`- ${code(r.stack)} · ${code(r.address)}: ${r.action}${r.changedPaths.length ? ` (${r.changedPaths.slice(0, 8).join(', ')}${r.changedPaths.length > 8 ? ', …' : ''})` : ''}`);
    if (findings.length + resources.length) out.push('');
  }

  // 2. Destructive changes.
  out.push(`### ⚠️ Destructive changes (${report.destructive.length})`, '');
  if (report.destructive.length === 0) out.push('None.', '');
  else {
    for (const d of report.destructive) out.push(`- ${code(d.stack)} · ${code(d.address)} — **${d.kind}**: ${esc(d.reason)}`);
    out.push('');
  }

  // 3. New stacks, compared with their peers.
  if (report.newStacks.length) {
    out.push(`### New stacks (${report.newStacks.length}: ${t.newStacksStandard} standard)`, '');
    const byWorkload = groupBy(report.newStacks, (n) => n.workload ?? '');
    for (const [workload, ns] of byWorkload) {
      const w = report.onboarding.find((x) => x.workload === workload);
      if (w) out.push(`#### New workload ${code(w.workload)}: account ${w.accountId}, ${w.regions.join(', ')}`, '');
      else out.push(workload ? `#### New stacks of workload ${code(workload)}` : '#### New shared stacks', '');
      const standard = ns.filter((n) => n.equal);
      if (level.standardNewStacks === 'counted' && standard.length) out.push(`- ${plural(standard.length, 'standard stack')}, each the same as its peer (named in the JSON report)`);
      // A workload's replica stacks usually deviate from their peers exactly as its primary does: list such deviations once.
      const shownAs = new Map<string, string>();
      for (const n of ns) {
        if (n.equal && level.standardNewStacks !== 'listed') continue;
        const [head, ...body] = peerLines(n, level);
        const key = `${n.kind}\n${body.join('\n')}`;
        const first = shownAs.get(key);
        if (!n.equal && n.peer && body.length > 0 && first !== undefined)
          out.push(`- ${code(n.stack)}: ${code(n.kind)} stack, the same deviations from ${code(n.peer)} as ${code(first)} from its peer`);
        else {
          out.push(head!, ...body);
          if (!n.equal && body.length > 0) shownAs.set(key, n.stack);
        }
      }
      out.push('');
    }
  }

  // 4. Trust added or removed.
  const { added, removed } = report.trust;
  out.push(`### Cross-account trust added or removed (${added.length} added, ${removed.length} removed)`, '');
  if (added.length + removed.length === 0) out.push('None.', '');
  else {
    const m = mermaid(report.trust, accountLabel(report));
    out.push('Who may assume which role, and which accounts each key, bucket, topic, queue or API grants (same-account principals and AWS services are not drawn):', '', m.text, '');
    if (m.drawn < added.length + removed.length) out.push(`${plural(added.length + removed.length - m.drawn, 'more edge')} in ${ARTIFACT}.`, '');
  }

  // 5. Other security changes to existing stacks.
  out.push(`### 🔐 Security-sensitive changes to existing stacks (${report.groups.length} distinct)`, '');
  if (report.groups.length === 0) out.push('None beyond the above.', '');
  else if (report.groups.some((g) => g.stacks.length > 1))
    out.push("A change made the same way in several stacks is listed once; in it `<account>`, `<workload>`, `<primary-region>` and `<replica-region-N>` stand for each stack's own.", '');
  const broad = report.groups.filter((g) => g.class === 'broadening');
  if (broad.length) {
    out.push('#### Broadening (needs security approval)', '');
    for (const g of broad) out.push(...findingLines(g, `${stacksOf(g, report, level)} · `));
    out.push('');
  }
  for (const cls of ['narrowing', 'changed'] as const) {
    const gs = report.groups.filter((g) => g.class === cls);
    if (!gs.length) continue;
    out.push(`#### ${cls === 'narrowing' ? 'Narrowing' : 'Other security-relevant changes (public access, encryption, TLS, providers)'}`, '');
    if (level.otherFindings === 'all') for (const g of gs) out.push(...findingLines(g, `${stacksOf(g, report, level)} · `));
    else for (const [category, xs] of groupBy(gs, (g) => g.category)) out.push(`- ${plural(xs.length, `${category} change`)} in ${plural(new Set(xs.flatMap((x) => x.stacks)).size, 'stack')}`);
    out.push('');
  }

  // 6. Stacks (the per-account and per-region totals are in the JSON report).
  if (level.stackDetails !== 'none') {
    const changed = report.stacks.filter((s) => s.status !== 'unchanged');
    const where = (s: StackDiff) => `${s.accountId} ${s.region}`;
    out.push(`### Changes by stack (${plural(t.stacksUnchanged, 'stack')} without changes)`, '');
    if (level.stackDetails === 'diff') {
      const shown = new Set([
        ...report.namingAccounts.findings.map((f) => `${f.stack} ${f.address}`),
        ...report.namingAccounts.resources.map((r) => `${r.stack} ${r.address}`),
        ...report.security.map((f) => `${f.stack} ${f.address}`),
        ...report.destructive.map((d) => `${d.stack} ${d.address}`),
      ]);
      const lines = changed.map((s) => (s.status === 'changed' ? stackDetails(s, shown) : `- ${code(s.name)} (${s.status}, ${where(s)}): ${s.add} to add, ${s.destroy} to destroy`));
      out.push(...lines, '');
    } else {
      out.push('| stack | status | account, region | to add | to change | to destroy |', '| --- | --- | --- | ---: | ---: | ---: |');
      for (const s of changed) out.push(`| ${code(s.name)} | ${s.status} | ${where(s)} | ${s.add} | ${s.change} | ${s.destroy} |`);
      out.push('');
    }
  }
  return out.join('\n') + '\n';
}

/** The Markdown for `report`, within `limit` characters (GitHub's comment limit by default). */
export function renderMarkdown(report: Report, limit = GITHUB_COMMENT_LIMIT): string {
  const notes: string[] = [];
  let text = '';
  for (const level of LEVELS) {
    if (level.note) notes.push(level.note);
    text = render(report, level, notes);
    if (text.length <= limit) return text;
  }
  // Still too long: what must be judged comes first, so keep the head of the report and say exactly where it stops.
  const cut = `\n\n> **Cut here** at ${limit} characters: ${plural(report.totals.stacks - report.totals.stacksUnchanged, 'changed stack')}, ${report.totals.namingAccounts} changes naming an added or removed account, ${report.totals.destructive} destructive and ${report.totals.broadening} broadening changes in total; the rest is in ${ARTIFACT}.\n`;
  const keep = text.slice(0, limit - cut.length);
  return keep.slice(0, keep.lastIndexOf('\n')) + cut;
}
