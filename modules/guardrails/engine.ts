/**
 * Runs a rule pack over one stack's synthesized Terraform JSON. Pure: JSON in, report out.
 *
 * Suppressions live in the synthesized JSON itself, in the resource's `//` comment block
 * (which Terraform ignores), written by `Guardrails.suppress`:
 *
 *   "//": { "guardrails_suppressions": { "<rule id>": { "reason": "…", "appliesTo": ["ManageS3/s3:*"], "scope": "<construct path>" } } }
 *
 * `appliesTo` (optional) names the parts of the resource the suppression covers, for rules that
 * judge parts (a policy's statements and actions): a violation is silenced only if every one of
 * its subjects is listed, so a new statement or a new `*` in a suppressed policy is a finding.
 * Without it the suppression covers every finding of its rule on the resource (the coarse
 * form, for fixtures and rules that judge the resource as a whole).
 * `scope` (optional) is the construct the suppression was given to when that was a module
 * rather than the resource itself: the suppression is one, recorded on each resource of the
 * scope, and is unused only if it silenced nothing on any of them. A plain string instead of
 * the object is a reason, for the whole resource (the earlier form; still read).
 *
 * So a reviewer sees every suppression in the plan's JSON, and the engine (and any checker
 * reading `cdktf.out` from disk) needs nothing but the JSON.
 */
import { isObject } from './tf';
import type { RulePack } from './pack';
import { AWS_PROVIDER, TERRAFORM_BACKEND, type Finding, type Organisation, type StackReport, type StackView, type SuppressedFinding, type TfBlock, type TfJson, type UnusedSuppression } from './types';

export const SUPPRESSIONS_KEY = 'guardrails_suppressions';
/** Finding for a suppression whose reason is empty: it suppresses nothing and is itself a violation. */
export const SUPPRESSION_WITHOUT_REASON = 'suppression-without-reason';
/** Finding for a suppression that names no rule of the pack (a typo would otherwise silently suppress nothing). */
export const SUPPRESSION_UNKNOWN_RULE = 'suppression-unknown-rule';

function resourceBlock(type: string, name: string, raw: Record<string, unknown>): TfBlock {
  const { ['//']: comment, ...config } = raw;
  const path = isObject(comment) && isObject(comment.metadata) && typeof comment.metadata.path === 'string' ? comment.metadata.path : undefined;
  return { type, name, address: `${type}.${name}`, config, ...(path !== undefined ? { constructPath: path } : {}) };
}

function suppressionsOf(raw: Record<string, unknown>): Record<string, unknown> {
  const comment = raw['//'];
  return isObject(comment) && isObject(comment[SUPPRESSIONS_KEY]) ? comment[SUPPRESSIONS_KEY] : {};
}

/** One recorded suppression, read from the JSON. */
interface Suppression {
  readonly reason: string;
  readonly scope?: string;
  readonly appliesTo?: readonly string[];
  /** Why the record cannot suppress anything (then it is a finding). */
  readonly invalid?: 'no-reason' | 'bad-applies-to';
}

function readSuppression(value: unknown): Suppression {
  if (typeof value === 'string') return value.trim() === '' ? { reason: '', invalid: 'no-reason' } : { reason: value.trim() };
  if (!isObject(value)) return { reason: '', invalid: 'no-reason' };
  const reason = typeof value.reason === 'string' ? value.reason.trim() : '';
  const scope = typeof value.scope === 'string' ? value.scope : undefined;
  const base = { reason, ...(scope !== undefined ? { scope } : {}) };
  if (reason === '') return { ...base, invalid: 'no-reason' };
  if (value.appliesTo === undefined) return base;
  const appliesTo = value.appliesTo;
  if (!Array.isArray(appliesTo) || appliesTo.length === 0 || !appliesTo.every((e) => typeof e === 'string' && e.trim() !== '')) return { ...base, invalid: 'bad-applies-to' };
  return { ...base, appliesTo: appliesTo as string[] };
}

/** The read-only view of a stack the rules get. */
export function stackView(name: string, tf: TfJson, organisation?: Organisation): StackView {
  const cache = new Map<string, TfBlock[]>();
  const providers = tf.provider?.aws ?? [];
  const defaultProvider = providers.find((p) => p.alias === undefined) ?? providers[0];
  const tags = (() => {
    const dt = defaultProvider?.default_tags;
    const first = Array.isArray(dt) ? dt[0] : dt;
    return isObject(first) && isObject(first.tags) ? first.tags : {};
  })();
  return {
    name,
    tf,
    environment: typeof tags.environment === 'string' ? tags.environment : undefined,
    ...(organisation ? { organisation } : {}),
    resources(type: string) {
      let hit = cache.get(type);
      if (!hit) {
        hit = Object.entries(tf.resource?.[type] ?? {}).map(([n, raw]) => resourceBlock(type, n, raw));
        cache.set(type, hit);
      }
      return hit;
    },
  };
}

function providerBlocks(tf: TfJson): TfBlock[] {
  return (tf.provider?.aws ?? []).map((p) => {
    const alias = typeof p.alias === 'string' ? p.alias : undefined;
    return { type: AWS_PROVIDER, name: alias ?? 'default', address: alias ? `provider.aws.${alias}` : 'provider.aws', config: p };
  });
}

/** The stack's state backend (`terraform.backend.<type>`), checked like a resource. */
function backendBlocks(tf: TfJson): TfBlock[] {
  const backend = isObject(tf.terraform) && isObject(tf.terraform.backend) ? tf.terraform.backend : {};
  return Object.entries(backend).map(([type, config]) => ({ type: TERRAFORM_BACKEND, name: type, address: `terraform.backend.${type}`, config: isObject(config) ? config : {} }));
}

/** One suppression as given (to a resource or a scope), with what it silenced across the resources it was recorded on. */
interface SuppressionUse {
  readonly ruleId: string;
  readonly suppression: Suppression;
  readonly firstAddress: string;
  used: boolean;
  readonly matched: Set<string>;
}

/**
 * Checks one stack: findings, findings a reasoned suppression silenced, and suppressions that
 * silenced nothing (or `appliesTo` entries that matched nothing).
 */
export function checkStack(stackName: string, tf: TfJson, pack: RulePack, organisation?: Organisation): StackReport {
  const view = stackView(stackName, tf, organisation);
  const ruleIds = new Set(pack.rules.map((r) => r.id));
  const findings: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  const uses = new Map<string, SuppressionUse>();

  const rulesByType = new Map<string, (typeof pack.rules)[number][]>();
  for (const rule of pack.rules) {
    for (const type of rule.appliesTo) rulesByType.set(type, [...(rulesByType.get(type) ?? []), rule]);
  }

  const evaluate = (b: TfBlock, recorded: Record<string, unknown>) => {
    const locate = (ruleId: string, message: string, fix: string, subjects?: readonly string[]): Finding => ({
      stack: stackName,
      address: b.address,
      ...(b.constructPath !== undefined ? { constructPath: b.constructPath } : {}),
      ruleId,
      message,
      fix,
      ...(subjects !== undefined && subjects.length > 0 ? { subjects } : {}),
    });
    const active = new Map<string, SuppressionUse>();
    for (const [ruleId, value] of Object.entries(recorded)) {
      const suppression = readSuppression(value);
      if (suppression.invalid === 'no-reason') {
        findings.push(
          locate(
            SUPPRESSION_WITHOUT_REASON,
            `suppression of ${ruleId} has no reason`,
            `give Guardrails.suppress(construct, '${ruleId}', reason) a reason a reviewer can judge, or remove the suppression and fix the finding`,
          ),
        );
      } else if (!ruleIds.has(ruleId)) {
        findings.push(locate(SUPPRESSION_UNKNOWN_RULE, `suppression names ${ruleId}, which is no rule of the ${pack.name} pack`, `use one of: ${[...ruleIds].join(', ')}`));
      } else if (suppression.invalid === 'bad-applies-to') {
        findings.push(
          locate(
            SUPPRESSION_WITHOUT_REASON,
            `suppression of ${ruleId} has an appliesTo that is not a list of subjects`,
            'give appliesTo the subjects the findings name (statement/action), or leave it out',
          ),
        );
      } else {
        const key = JSON.stringify([ruleId, suppression.scope ?? b.address, suppression.reason, suppression.appliesTo ?? null]);
        let use = uses.get(key);
        if (!use) {
          use = { ruleId, suppression, firstAddress: b.address, used: false, matched: new Set() };
          uses.set(key, use);
        }
        active.set(ruleId, use);
      }
    }
    for (const rule of rulesByType.get(b.type) ?? []) {
      for (const v of rule.check(b, view)) {
        const subjects = v.subjects ?? [];
        const finding = locate(rule.id, v.message, v.fix ?? rule.fix, subjects);
        const use = active.get(rule.id);
        if (use === undefined) {
          findings.push(finding);
        } else if (use.suppression.appliesTo !== undefined && (subjects.length === 0 || !subjects.every((s) => use.suppression.appliesTo!.includes(s)))) {
          const missing = subjects.filter((s) => !use.suppression.appliesTo!.includes(s));
          findings.push({ ...finding, message: `${finding.message} (not covered by the suppression's appliesTo${missing.length > 0 ? `: ${missing.join(', ')}` : ''})` });
        } else {
          suppressed.push({ ...finding, reason: use.suppression.reason });
          use.used = true;
          for (const s of subjects) use.matched.add(s);
        }
      }
    }
  };

  for (const p of providerBlocks(tf)) evaluate(p, {});
  for (const b of backendBlocks(tf)) evaluate(b, {});
  for (const [type, byName] of Object.entries(tf.resource ?? {})) {
    const blocks = new Map(view.resources(type).map((r) => [r.name, r]));
    for (const [name, raw] of Object.entries(byName)) evaluate(blocks.get(name)!, suppressionsOf(raw));
  }

  const unusedSuppressions: UnusedSuppression[] = [];
  for (const use of uses.values()) {
    const { reason, scope, appliesTo } = use.suppression;
    const where = { stack: stackName, address: use.firstAddress, ruleId: use.ruleId, reason, ...(scope !== undefined ? { scope } : {}) };
    if (!use.used) unusedSuppressions.push(where);
    else if (appliesTo !== undefined) {
      const unmatched = appliesTo.filter((s) => !use.matched.has(s));
      if (unmatched.length > 0) unusedSuppressions.push({ ...where, appliesTo: unmatched });
    }
  }
  return { stack: stackName, findings, suppressed, unusedSuppressions };
}
