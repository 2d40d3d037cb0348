/**
 * Mistakes nobody wrote down, on organisations nobody tuned the rules to (F-14): every site
 * where the synthesized stacks of an organisation (the example, another hand-written one and
 * generated ones) name an account, in a principal, a source condition or an identity-policy
 * ARN, is moved outside the organisation or widened to a wildcard, one at a time; the
 * organisation-aware rules must report every one (or, where a reasoned suppression covers the
 * resource, list it as suppressed).
 */
import fc from 'fast-check';
import type { Manifest } from '../../accounts/schema';
import { checkStack, organisationOf, PAYMENTS_RULE_PACK, type TfJson } from '../../modules/guardrails';
import { parsePolicy, policiesOf, strings } from '../../modules/guardrails/tf';
import { stackView } from '../../modules/guardrails/engine';
import { manifestArb } from '../support/arbitraries';
import { otherOrganisation } from '../support/manifests';
import { exampleManifest, parseManifest, synthManifest } from '../support/synth';

interface Site {
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  readonly where: string;
  readonly statement: number;
  /** What changes, for the test name. */
  readonly change: string;
  readonly rule: string;
  /** The policy document after the change. */
  readonly mutate: (doc: { Statement: Record<string, unknown>[] }, account: string) => void;
}

const ACCOUNT = /\b\d{12}\b/;

/** Every place in the organisation's synth where an Allow statement ties a principal or an identity ARN to an account. */
function sites(stacks: ReadonlyMap<string, TfJson>): Site[] {
  const out: Site[] = [];
  for (const [stack, tf] of stacks) {
    const view = stackView(stack, tf);
    for (const type of Object.keys(tf.resource ?? {})) {
      for (const b of view.resources(type)) {
        for (const policy of policiesOf(b)) {
          const parsed = parsePolicy(policy.value);
          if (!parsed.ok) continue;
          parsed.statements.forEach((s, i) => {
            if (s.Effect !== 'Allow') return;
            const base = { stack, type, name: b.name, where: policy.where, statement: i };
            if (policy.kind === 'identity') {
              strings(s.Resource).forEach((r, j) => {
                if (/^arn:[^:]+:[^:]+:[a-z0-9-]+:\d{12}:/.test(r)) {
                  out.push({
                    ...base,
                    change: `${r} in any region`,
                    rule: 'iam-resource-account-region',
                    mutate: (doc) => void (doc.Statement[i]!.Resource = strings(doc.Statement[i]!.Resource).map((x, k) => (k === j ? x.replace(/^(arn:[^:]+:[^:]+:)[^:]+:/, '$1*:') : x))),
                  });
                }
              });
              return;
            }
            const principal = s.Principal as Record<string, unknown> | undefined;
            strings(principal?.AWS).forEach((p, j) => {
              if (ACCOUNT.test(p)) {
                out.push({
                  ...base,
                  change: `AWS principal ${p} moved outside`,
                  rule: 'principal-in-organisation',
                  mutate: (doc, account) => {
                    const st = doc.Statement[i]!;
                    st.Principal = { ...(st.Principal as object), AWS: strings((st.Principal as Record<string, unknown>).AWS).map((x, k) => (k === j ? x.replace(ACCOUNT, account) : x)) };
                  },
                });
              }
            });
            if (strings(principal?.Service).length > 0 && JSON.stringify(s.Condition ?? {}).match(ACCOUNT)) {
              out.push({
                ...base,
                change: `source condition of ${strings(principal?.Service).join(', ')} moved outside`,
                rule: 'principal-in-organisation',
                mutate: (doc, account) => void (doc.Statement[i]!.Condition = JSON.parse(JSON.stringify(doc.Statement[i]!.Condition).replace(new RegExp(ACCOUNT, 'g'), account))),
              });
            }
          });
        }
      }
    }
  }
  return out;
}

/** Applies a site's change to a copy of its stack and checks it with the organisation. */
function caught(manifest: Manifest, stacks: ReadonlyMap<string, TfJson>, site: Site, account: string): boolean {
  const tf = structuredClone(stacks.get(site.stack)!);
  const config = tf.resource![site.type]![site.name]!;
  const nested = /^(\w+)\[(\d+)\]\.(\w+)$/.exec(site.where);
  const holder = (nested ? (config[nested[1]!] as Record<string, unknown>[])[Number(nested[2])]! : config) as Record<string, unknown>;
  const arg = nested ? nested[3]! : site.where;
  const doc = JSON.parse(String(holder[arg])) as { Statement: Record<string, unknown>[] };
  site.mutate(doc, account);
  holder[arg] = JSON.stringify(doc);
  const report = checkStack(site.stack, tf, PAYMENTS_RULE_PACK, organisationOf(manifest));
  const address = `${site.type}.${site.name}`;
  return [...report.findings, ...report.suppressed].some((f) => f.ruleId === site.rule && f.address === address);
}

/** A 12-digit account no account of the organisation. */
const outsideAccount = (manifest: Manifest) =>
  fc.stringMatching(/^[1-9]\d{11}$/).filter((a) => !organisationOf(manifest).accountIds.includes(a) && !organisationOf(manifest).apiClientPrincipals.some((p) => p.includes(a)));

function everySiteCaught(manifest: Manifest): { sites: number; missed: string[] } {
  const stacks = synthManifest(manifest).stacks;
  const all = sites(stacks);
  const missed: string[] = [];
  for (const site of all) {
    const account = fc.sample(outsideAccount(manifest), { numRuns: 1, seed: all.indexOf(site) })[0]!;
    if (!caught(manifest, stacks, site, account)) missed.push(`${site.stack} ${site.type}.${site.name} ${site.where} #${site.statement}: ${site.change} (expected ${site.rule})`);
  }
  return { sites: all.length, missed };
}

describe('every account site, moved or widened', () => {
  test.each([
    ['the example organisation', exampleManifest],
    ['another organisation', () => parseManifest(otherOrganisation())],
  ])('given %s, when each principal, source condition and identity ARN leaves the organisation, then the organisation-aware rules report each one', (_label, manifest) => {
    const { sites: n, missed } = everySiteCaught(manifest());
    expect(n).toBeGreaterThan(50);
    expect(missed).toEqual([]);
  });

  test('given generated organisations, when each site leaves the organisation, then each is reported', () => {
    fc.assert(
      fc.property(manifestArb, (input) => {
        const { sites: n, missed } = everySiteCaught(parseManifest(input));
        expect(n).toBeGreaterThan(0);
        expect(missed).toEqual([]);
      }),
      { numRuns: 2 },
    );
  });
});
