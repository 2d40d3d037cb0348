/**
 * The review at scale and on organisations nobody tuned it to:
 *  - a generated 50-workload organisation where one workload is onboarded, one offboarded and
 *    the organisation id changes (every trust and key policy that checks it): the comment stays
 *    under GitHub's 65,536-character limit and leaves out nothing a reviewer must judge;
 *  - an organisation drawn by the manifest generator (test/support/arbitraries.ts) with a
 *    workload onboarded as a copy of one of its own under another name, account and regions:
 *    every new stack is the standard stack of its kind.
 */
import fc from 'fast-check';
import { REGION_NAMES } from '../../../accounts/regions';
import type { ManifestInput } from '../../../accounts/schema';
import { GITHUB_COMMENT_LIMIT, renderMarkdown } from '../../../tools/review/markdown';
import { buildReport } from '../../../tools/review/report';
import { manifestArb } from '../../support/arbitraries';
import { tlsDomains } from '../../support/manifests';
import { generatedOrganisation, sideOf, workloadOf } from './sides';

const unescaped = (md: string) => md.replace(/\\\|/g, '|');

describe('a 50-workload organisation', () => {
  test('given one workload onboarded, one offboarded and the organisation id changed, when reviewed, then the comment fits one GitHub comment and shows everything to judge', () => {
    const base = generatedOrganisation(50);
    const head = generatedOrganisation(50);
    const gone = head.workloads[7]!;
    head.workloads = head.workloads.filter((w) => w !== gone);
    const added = workloadOf(50);
    head.workloads.push(added);
    head.organization.id = `${base.organization.id.slice(0, -1)}z`;
    const r = buildReport(sideOf('base', base), sideOf('head', head));
    const md = unescaped(renderMarkdown(r));
    expect(md.length).toBeLessThan(65_536);
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(r.accountsAdded).toEqual([added.accountId]);
    expect(r.accountsRemoved).toEqual([gone.accountId]);
    expect(r.namingAccounts.findings.length).toBeGreaterThan(0);
    expect(r.destructive.length).toBeGreaterThan(0);
    const broad = r.groups.filter((g) => g.class === 'broadening');
    expect(broad.some((g) => g.stacks.length > 10)).toBe(true);
    expect(r.trust.added.length + r.trust.removed.length).toBeGreaterThan(0);

    /** Everything a reviewer must judge, each with every detail. */
    const judged = (text: string) => {
      const missing: string[] = [];
      const need = (x: string) => (text.includes(x) ? undefined : missing.push(x));
      for (const f of r.namingAccounts.findings) [f.address, ...f.details].forEach(need);
      for (const d of r.destructive) need(`\`${d.stack}\` · \`${d.address}\``);
      // The new stacks' deviations (the changed organisation id makes each deviate from its base peer).
      for (const n of r.newStacks) for (const f of n.findings) [f.address, ...f.details].forEach(need);
      // Every broadening change to existing stacks, once however many stacks make it.
      for (const g of broad) [g.address, ...g.details].forEach(need);
      need('```mermaid');
      return missing;
    };
    expect(judged(md)).toEqual([]);

    // Given less room, what needs no judgement is summarized, the comment says so and where the rest is, and nothing to judge goes.
    const small = unescaped(renderMarkdown(r, 20_000));
    expect(small.length).toBeLessThanOrEqual(20_000);
    expect(small).toMatch(/\*\*Summarized\*\* to fit one comment: .*Everything is in the JSON report .*artifact/);
    expect(small).not.toContain('Cut here');
    expect(judged(small)).toEqual([]);
  }, 900_000);
});

describe('an organisation nobody tuned the review to', () => {
  test('given a generated organisation and a copy of one of its workloads onboarded under another name, account and regions, then each new stack is one "standard" line', () => {
    const [org] = fc.sample(manifestArb, { seed: 20_261_201, numRuns: 1 }) as ManifestInput[];
    const model = org!.workloads[0]!;
    const used = new Set(org!.workloads.flatMap((w) => [w.primaryRegion, ...(w.replicaRegions ?? [])]));
    const free = REGION_NAMES.filter((x) => !used.has(x));
    const ids = [org!.organization.managementAccountId, org!.deployment.accountId, org!.logArchive.accountId, org!.audit.accountId, ...org!.workloads.map((w) => w.accountId)];
    const head = structuredClone(org!);
    const accountId = String(Math.max(...ids.map(Number)) + 1).padStart(12, '0');
    const replicaRegions = (model.replicaRegions ?? []).map((_, i) => free[i + 1]!);
    head.workloads.push({
      ...structuredClone(model),
      name: 'newcomer',
      accountId,
      primaryRegion: free[0]!,
      replicaRegions,
      ...(model.api?.domains ? { api: { ...model.api, domains: tlsDomains(accountId, 'newcomer', [free[0]!, ...replicaRegions]) } } : {}),
    });
    const r = buildReport(sideOf('base', org!), sideOf('head', head));
    const md = renderMarkdown(r);
    expect(r.newStacks.length).toBe(2 + (model.replicaRegions ?? []).length);
    for (const n of r.newStacks) expect([n.stack, n.equal, n.findings, n.settings, n.onlyInNew, n.onlyInPeer]).toEqual([n.stack, true, [], [], [], []]);
    for (const n of r.newStacks) expect(md).toContain(`- \`${n.stack}\`: standard \`${n.kind}\` stack, same as \`${n.peer}\``);
    expect(r.namingAccounts.findings.length).toBeGreaterThan(0);
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
  }, 600_000);
});
