/**
 * What a person must judge, on another organisation than the example one (five workloads,
 * other ids and regions): onboarding, a broadening only in the new workload, a change that
 * touches nothing, offboarding, and Terraform's plans taking precedence over the prediction.
 * Every side is a real synthesis of a manifest.
 */
import { REGION_NAMES } from '../../../accounts/regions';
import type { ManifestInput } from '../../../accounts/schema';
import { STATEFUL_TYPES, resourcesIn } from '../../../tools/review/diff';
import { renderMarkdown } from '../../../tools/review/markdown';
import { reducePlan } from '../../../tools/review/plans';
import { buildReport } from '../../../tools/review/report';
import type { Report } from '../../../tools/review/types';
import { deepFreeze } from '../../../modules/core/deep-freeze';
import { otherOrganisation, tlsDomains } from '../../support/manifests';
import { section, sideOf } from './sides';

const org = otherOrganisation();
const highest = Math.max(...[org.organization.managementAccountId, org.deployment.accountId, org.logArchive.accountId, org.audit.accountId, ...org.workloads.map((w) => w.accountId)].map(Number));
/** The onboarded workload's account, and one outside the organisation: ids the organisation does not use. */
const NEW_ACCOUNT = String(highest + 1).padStart(12, '0');
const OUTSIDER = String(highest + 100).padStart(12, '0');
/** Two regions no workload of the organisation uses yet. */
const [PRIMARY, REPLICA] = REGION_NAMES.filter((r) => !org.workloads.some((w) => w.primaryRegion === r || (w.replicaRegions ?? []).includes(r)));

function onboarded(extra: Partial<ManifestInput['workloads'][number]['payments']> = {}): ManifestInput {
  const m = otherOrganisation();
  m.workloads.push({
    name: 'live-eu',
    accountId: NEW_ACCOUNT,
    environment: 'prod',
    organizationalUnit: 'Workloads/Prod/EU',
    primaryRegion: PRIMARY!,
    replicaRegions: [REPLICA!],
    alertEmails: ['eu-oncall@acme.test'],
    payments: { currencies: ['EUR'], maxAmountMinor: 1_000_000, fraudReviewThresholdMinor: 500_000, ...extra },
    api: { domains: tlsDomains(NEW_ACCOUNT, 'live-eu', [PRIMARY!, REPLICA!]) },
  });
  return m;
}

const base = () => sideOf('base', otherOrganisation());

/**
 * The review of the onboarding, without plans, as the comment shows it: built once and shared by
 * the tests that read it (it depends on nothing but the two manifests; frozen, so none can change it).
 */
let onboardingReport: Report | undefined;
const report = (): Report => (onboardingReport ??= deepFreeze(buildReport(base(), sideOf('head', onboarded()))));

describe('review of onboarding one prod workload (two regions, three new stacks) into a five-workload organisation', () => {
  test('given the onboarding, when rendered, then the comment is at most 8 KB and shows every change to an existing stack', () => {
    const r = report();
    const md = renderMarkdown(r);
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(8 * 1024);
    const existing = r.stacks.filter((s) => s.status === 'changed');
    expect(existing.map((s) => s.kind).sort()).toEqual(['deployment', 'log-archive']);
    for (const s of existing) for (const c of s.resources) expect([s.name, c.address, md.includes(c.address)]).toEqual([s.name, c.address, true]);
  });

  test('given the onboarding, then the changes to existing stacks that name the new account come first, in full, each detail shown', () => {
    const r = report();
    const md = renderMarkdown(r);
    expect(r.accountsAdded).toEqual([NEW_ACCOUNT]);
    expect(r.namingAccounts.findings.length).toBeGreaterThan(0);
    const first = section(md, 'Existing stacks that name an added or removed account');
    for (const f of r.namingAccounts.findings) {
      expect(first).toContain(f.address);
      for (const d of f.details) expect(first).toContain(d);
    }
    // The CI roles' targets, and the log archive's key and bucket policies, name the new account.
    expect(r.namingAccounts.findings.filter((f) => f.class === 'broadening').map((f) => f.category)).toEqual(expect.arrayContaining(['iam-permission', 'key-policy', 'resource-policy']));
    const order = ['### Existing stacks that name', '### ⚠️ Destructive changes', '### New stacks', '### Cross-account trust', '### 🔐 Security-sensitive changes'].map((h) => md.indexOf(h));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  test('given the onboarding, then a new stack equal to its peer is one line, and the statement-by-statement broadening of the new stacks is not listed', () => {
    const r = report();
    const md = renderMarkdown(r);
    const bootstrap = r.newStacks.find((n) => n.stack === 'bootstrap-live-eu')!;
    expect(bootstrap).toMatchObject({ equal: true, findings: [], settings: [] });
    expect(md).toContain(`- \`bootstrap-live-eu\`: standard \`bootstrap\` stack, same as \`${bootstrap.peer}\``);
    expect(r.totals.broadeningStatements).toBeGreaterThan(100);
    expect(r.totals.broadening).toBe(r.namingAccounts.findings.filter((f) => f.class === 'broadening').length);
  });

  test('given the onboarding, then the diagram draws the trust added: the deployment account may assume the new roles, the new account reaches the log archive', () => {
    const r = report();
    const md = renderMarkdown(r);
    const trust = section(md, 'Cross-account trust added or removed');
    expect(trust).toContain('```mermaid\nflowchart LR');
    const m = otherOrganisation();
    expect(r.trust.added.filter((e) => e.fromAccount === m.deployment.accountId && e.toAccount === NEW_ACCOUNT).map((e) => e.what)).toContain('may assume');
    expect(r.trust.added.filter((e) => e.fromAccount === NEW_ACCOUNT && e.toAccount === m.logArchive.accountId).length).toBeGreaterThan(0);
    expect(r.trust.removed).toEqual([]);
    expect(trust).toContain(`live-eu ${NEW_ACCOUNT}, new`);
    // Small: only what changed, never the organisation's whole trust.
    expect(r.trust.added.length).toBeLessThan(20);
  });
});

describe('a broadening that only the new workload has', () => {
  test('given a new workload whose API also admits an account outside the organisation, when reviewed, then the deviation from its peer is listed in full and classed broadening', () => {
    const b = base();
    expect(JSON.stringify([...b.stacks.values()])).not.toContain(OUTSIDER); // no peer has it
    const head = onboarded({
      clients: [
        { name: 'default', principals: [NEW_ACCOUNT] },
        { name: 'partner', principals: [OUTSIDER] },
      ],
    });
    const r = buildReport(b, sideOf('head', head));
    const primary = r.newStacks.find((n) => n.stack === `payments-live-eu-${PRIMARY}`)!;
    expect(primary.equal).toBe(false);
    const broad = primary.findings.filter((f) => f.class === 'broadening' && JSON.stringify([f.summary, f.details]).includes(OUTSIDER));
    expect(broad.length).toBeGreaterThan(0);
    expect(r.totals.broadening).toBeGreaterThanOrEqual(r.namingAccounts.findings.filter((f) => f.class === 'broadening').length + broad.length);
    const md = renderMarkdown(r);
    const listed = section(md, 'New stacks');
    for (const f of broad) expect(listed).toContain(f.address);
    expect(listed).toContain(OUTSIDER);
    expect(listed).toMatch(/\*\*broadening\*\*/);
  });
});

describe('a change that touches nothing, and offboarding', () => {
  test('given the same organisation on both sides, when reviewed, then "No changes"', () => {
    const r = buildReport(base(), sideOf('head', otherOrganisation()));
    expect(r.noChanges).toBe(true);
    expect(renderMarkdown(r)).toContain('**No changes.**');
  });

  test('F-22 given a workload removed, when reviewed, then the existing stacks that still name its account come first, then every stateful resource it loses, before everything else', () => {
    const head = otherOrganisation();
    const gone = head.workloads.find((w) => w.name === 'live-latam')!;
    head.workloads = head.workloads.filter((w) => w !== gone);
    const b = base();
    const r = buildReport(b, sideOf('head', head));
    expect(r.accountsRemoved).toEqual([gone.accountId]);
    const stateful = [...b.stacks]
      .filter(([name]) => name.includes('live-latam'))
      .flatMap(([name, tf]) => [...resourcesIn(tf).values()].filter((x) => STATEFUL_TYPES.has(x.type)).map((x) => `${name} ${x.address}`));
    expect(stateful.length).toBeGreaterThan(5);
    expect(r.destructive.filter((d) => d.kind === 'destroy').map((d) => `${d.stack} ${d.address}`)).toEqual(expect.arrayContaining(stateful));
    const md = renderMarkdown(r);
    expect(r.namingAccounts.findings.length).toBeGreaterThan(0);
    expect(r.namingAccounts.findings.every((f) => f.class !== 'broadening')).toBe(true);
    const naming = md.indexOf('### Existing stacks that name');
    const destructive = md.indexOf('### ⚠️ Destructive changes');
    expect(naming).toBeGreaterThan(0);
    expect(destructive).toBeGreaterThan(naming);
    for (const h of ['### Cross-account trust', '### 🔐 Security-sensitive changes', '### Changes by stack']) expect(md.indexOf(h)).toBeGreaterThan(destructive);
    for (const s of stateful) expect(section(md, '⚠️ Destructive changes')).toContain(`\`${s.split(' ')[1]}\``);
    expect(r.trust.removed.length).toBeGreaterThan(0);
    expect(r.trust.added).toEqual([]);
  });
});

describe("Terraform's plans where they exist", () => {
  test('given no plans, then the comment labels create/replace/delete a heuristic', () => {
    const md = renderMarkdown(report());
    expect(md).toMatch(/\*\*heuristic\*\*/);
  });

  test('given a plan that replaces what the configuration predicts as an update, and one that moves a resource, then the plan decides and the heuristic label names only the stacks without a plan', () => {
    const b = base();
    const h = sideOf('head', onboarded());
    const predicted = report();
    const archive = predicted.stacks.find((s) => s.kind === 'log-archive')!;
    const key = archive.resources.find((x) => x.type === 'aws_kms_key')!;
    expect(key.action).toBe('update');
    const policy = archive.resources.find((x) => x.type === 'aws_s3_bucket_policy')!;
    // `terraform show -json`'s resource_changes, as Terraform would write them for this stack.
    const show = {
      resource_changes: [
        { address: key.address, type: key.type, mode: 'managed', change: { actions: ['delete', 'create'], replace_paths: [['multi_region']] } },
        { address: policy.address, type: policy.type, mode: 'managed', previous_address: `${policy.type}.old_name`, change: { actions: ['no-op'] } },
        { address: 'data.aws_caller_identity.current', type: 'aws_caller_identity', mode: 'data', change: { actions: ['read'] } },
      ],
    };
    const plans = new Map([[archive.name, reducePlan(archive.name, show)]]);
    const r = buildReport(b, h, { plans });
    const planned = r.stacks.find((s) => s.name === archive.name)!;
    expect(planned.planned).toBe(true);
    expect(planned.resources.map((x) => [x.address, x.action, x.source])).toEqual([
      [key.address, 'replace', 'plan'],
      [policy.address, 'move', 'plan'],
    ]);
    expect(r.destructive).toContainEqual(expect.objectContaining({ stack: archive.name, address: key.address, kind: 'replace', reason: 'replaced: multi_region changed' }));
    expect(r.plans.planned).toEqual([archive.name]);
    expect(r.plans.predicted).not.toContain(archive.name);
    const md = renderMarkdown(r);
    expect(md).toContain(`Actions of 1 stack come from Terraform's plans`);
    expect(md).toContain(`${key.address}\` — **replace**`);
  });
});
