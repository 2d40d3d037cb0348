/**
 * Renders a report as one GitHub comment. Order: destructive changes, security-sensitive
 * changes, the per-account/region table, onboarding, then per-stack details.
 *
 * GitHub caps a comment at 65,535 characters. The full rendering is tried first; when it
 * is too long, detail is summarized step by step (least important first) and every step
 * taken is named in a "Summarized" note, so nothing disappears silently. The `--json`
 * output always carries everything.
 */
import type { Report, SecurityFinding, StackDiff } from './types';

/** Marker the CI workflow uses to find and update its one sticky comment. */
export const COMMENT_MARKER = '<!-- payments-infra-review -->';
/** GitHub's limit on an issue comment body. */
export const GITHUB_COMMENT_LIMIT = 65_535;

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Detail levels, from everything (0) to counts only (5). */
interface Level {
  readonly stackDetails: boolean;
  readonly nonBroadeningFindings: 'all' | 'counts';
  /** Broadening findings listed per stack before the rest is counted. */
  readonly broadeningPerStack: number;
  readonly findingDetails: boolean;
  readonly onboardingDetails: boolean;
  readonly destructivePerStack: number;
  readonly note?: string;
}

const LEVELS: Level[] = [
  { stackDetails: true, nonBroadeningFindings: 'all', broadeningPerStack: Infinity, findingDetails: true, onboardingDetails: true, destructivePerStack: Infinity },
  {
    stackDetails: false,
    nonBroadeningFindings: 'all',
    broadeningPerStack: Infinity,
    findingDetails: true,
    onboardingDetails: true,
    destructivePerStack: Infinity,
    note: 'per-stack resource lists are collapsed to counts',
  },
  {
    stackDetails: false,
    nonBroadeningFindings: 'counts',
    broadeningPerStack: Infinity,
    findingDetails: true,
    onboardingDetails: true,
    destructivePerStack: Infinity,
    note: 'narrowing and neutral security changes are counted per stack, not listed',
  },
  {
    stackDetails: false,
    nonBroadeningFindings: 'counts',
    broadeningPerStack: Infinity,
    findingDetails: false,
    onboardingDetails: false,
    destructivePerStack: Infinity,
    note: 'statement-level details and onboarding trust/key lists are omitted',
  },
  {
    stackDetails: false,
    nonBroadeningFindings: 'counts',
    broadeningPerStack: 5,
    findingDetails: false,
    onboardingDetails: false,
    destructivePerStack: 20,
    note: 'at most 5 broadening changes and 20 destructive changes are listed per stack; the rest are counted',
  },
  {
    stackDetails: false,
    nonBroadeningFindings: 'counts',
    broadeningPerStack: 0,
    findingDetails: false,
    onboardingDetails: false,
    destructivePerStack: 0,
    note: 'broadening and destructive changes are counted per stack only',
  },
];

function findingLine(f: SecurityFinding, details: boolean): string {
  const cats = [f.category, ...f.alsoCategories].join(', ');
  const head = `- ${code(f.stack)} · ${code(f.address)} · ${code(f.attribute)} (${cats}): ${esc(f.summary)}`;
  if (!details || f.details.length === 0 || (f.change !== 'modified' && f.details.length === 1)) return head;
  return [head, ...f.details.map((d) => `  - ${esc(d)}`)].join('\n');
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}

function stackDetails(s: StackDiff): string {
  const lines = s.resources.map((r) => {
    const why =
      r.action === 'replace'
        ? ` (replace: ${r.replacedBecause.join(', ')})`
        : r.action === 'update'
          ? `: ${r.changedPaths.slice(0, 12).join(', ')}${r.changedPaths.length > 12 ? `, … ${r.changedPaths.length - 12} more` : ''}`
          : '';
    const sign = { create: '+', delete: '-', update: '~', replace: '-/+' }[r.action];
    return `${sign} ${r.address}${why}`;
  });
  for (const c of s.configChanges) lines.push(`~ ${c}`);
  return [`<details><summary><code>${s.name}</code> (${s.status}): ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy</summary>`, '', '```diff', ...lines, '```', '</details>'].join('\n');
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
    `${plural(t.stacksChanged, 'stack')} changed, ${t.stacksAdded} added, ${t.stacksRemoved} removed, ${t.stacksUnchanged} unchanged · ` +
      `resources: ${t.add} to add, ${t.change} to change, ${t.destroy} to destroy · ` +
      `**${plural(t.destructive, 'destructive change')}** · **${t.broadening} broadening**, ${t.narrowing} narrowing, ${t.securityChanged} other security changes`,
    '',
  );
  if (notes.length) out.push(`> **Summarized** to fit one comment: ${notes.join('; ')}. The full report is in \`npm run review -- --json\` (and the workflow's artifact).`, '');

  out.push(`### ⚠️ Destructive changes (${report.destructive.length})`, '');
  if (report.destructive.length === 0) out.push('None.', '');
  else {
    for (const [stack, ds] of groupBy(report.destructive, (d) => d.stack)) {
      const shown = ds.slice(0, level.destructivePerStack);
      for (const d of shown) out.push(`- ${code(stack)} · ${code(d.address)} — **${d.kind}**: ${esc(d.reason)}`);
      if (ds.length > shown.length)
        out.push(
          `- ${code(stack)}: ${shown.length ? '… and ' : ''}${plural(ds.length - shown.length, 'more destructive change')} (${[...new Set(ds.slice(shown.length).map((d) => d.type))].join(', ')})`,
        );
    }
    out.push('');
  }

  out.push(`### 🔐 Security-sensitive changes (${t.broadening} broadening, ${t.narrowing} narrowing, ${t.securityChanged} other)`, '');
  if (report.security.length === 0) out.push('None.', '');
  const broad = report.security.filter((f) => f.class === 'broadening');
  if (broad.length) {
    out.push('#### Broadening (needs security approval)', '');
    for (const [stack, fs] of groupBy(broad, (f) => f.stack)) {
      const shown = fs.slice(0, level.broadeningPerStack);
      for (const f of shown) out.push(findingLine(f, level.findingDetails));
      if (fs.length > shown.length)
        out.push(
          `- ${code(stack)}: ${shown.length ? '… and ' : ''}${plural(fs.length - shown.length, 'more broadening change')} (${[...new Set(fs.slice(shown.length).map((f) => f.category))].join(', ')})`,
        );
    }
    out.push('');
  }
  for (const cls of ['narrowing', 'changed'] as const) {
    const fs = report.security.filter((f) => f.class === cls);
    if (!fs.length) continue;
    out.push(`#### ${cls === 'narrowing' ? 'Narrowing' : 'Other security-relevant changes (public access, encryption, TLS, providers)'}`, '');
    if (level.nonBroadeningFindings === 'all') for (const f of fs) out.push(findingLine(f, level.findingDetails));
    else
      for (const [stack, g] of groupBy(fs, (f) => f.stack))
        out.push(`- ${code(stack)}: ${plural(g.length, cls === 'narrowing' ? 'narrowing change' : 'change')} (${[...new Set(g.map((f) => f.category))].join(', ')})`);
    out.push('');
  }

  out.push(
    '### Accounts and regions',
    '',
    '| account | region | stacks added | removed | changed | unchanged | to add | to change | to destroy |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  const touched = report.accounts.filter((a) => a.stacksAdded + a.stacksRemoved + a.stacksChanged > 0);
  for (const a of touched)
    out.push(`| ${a.accountId} (${esc(a.label)}) | ${a.region} | ${a.stacksAdded} | ${a.stacksRemoved} | ${a.stacksChanged} | ${a.stacksUnchanged} | ${a.add} | ${a.change} | ${a.destroy} |`);
  const quiet = report.accounts.filter((a) => a.stacksAdded + a.stacksRemoved + a.stacksChanged === 0);
  out.push('', `${plural(t.stacksUnchanged, 'stack')} without changes${quiet.length ? ` (${plural(quiet.length, 'account/region')} untouched)` : ''}.`, '');

  if (report.onboarding.length) {
    out.push('### Onboarding', '');
    for (const w of report.onboarding) {
      out.push(`#### New workload ${code(w.workload)}: account ${w.accountId}, ${w.regions.join(', ')}`, '', `- stacks: ${w.stacks.map(code).join(', ')}`);
      if (level.onboardingDetails) {
        if (w.trusts.length)
          out.push(
            '- roles and who may assume them:',
            ...w.trusts.map((x) => `  - ${code(x.role)} (${x.stack}) ← ${esc(x.principals.join(', ') || '(no principal)')}${x.conditions.length ? ` when ${esc(x.conditions.join('; '))}` : ''}`),
          );
        else out.push('- roles: none in these stacks yet');
        if (w.keyGrants.length)
          out.push(
            '- keys and whom they grant:',
            ...w.keyGrants.map((k) => `  - ${code(k.key)} (${k.stack}): ${esc(k.principal)} → ${esc(k.actions.join(', '))}${k.conditions.length ? ` when ${esc(k.conditions.join('; '))}` : ''}`),
          );
        else out.push('- keys: none in these stacks yet');
        if (w.elsewhere.length) out.push('- changes in existing stacks that name this account:', ...w.elsewhere.map((e) => `  - ${esc(e)}`));
      } else {
        out.push(`- ${plural(w.trusts.length, 'trust statement')}, ${plural(w.keyGrants.length, 'key grant')}, ${plural(w.elsewhere.length, 'change')} in existing stacks that name this account`);
      }
      out.push('');
    }
  }

  const changed = report.stacks.filter((s) => s.status !== 'unchanged');
  out.push('### Changes by stack', '');
  if (level.stackDetails) for (const s of changed) out.push(stackDetails(s), '');
  else {
    out.push('| stack | status | to add | to change | to destroy |', '| --- | --- | ---: | ---: | ---: |');
    for (const s of changed) out.push(`| ${code(s.name)} | ${s.status} | ${s.add} | ${s.change} | ${s.destroy} |`);
    out.push('');
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
  // Still too long (thousands of stacks): keep the head of the report and say exactly where it stops.
  const cut = `\n\n> **Summarized**: the report above stops here at ${limit} characters; ${plural(report.totals.stacks - report.totals.stacksUnchanged, 'changed stack')}, ${report.totals.destructive} destructive and ${report.totals.broadening} broadening changes in total. See \`npm run review -- --json\`.\n`;
  const keep = text.slice(0, limit - cut.length);
  return keep.slice(0, keep.lastIndexOf('\n')) + cut;
}
