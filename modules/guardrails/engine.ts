/**
 * Runs a rule pack over one stack's synthesized Terraform JSON. Pure: JSON in, report out.
 *
 * Suppressions live in the synthesized JSON itself, in the resource's `//` comment block
 * (which Terraform ignores): `"//": { "guardrails_suppressions": { "<rule id>": "<reason>" } }`,
 * written by `Guardrails.suppress`. So a reviewer sees every suppression in the plan's JSON,
 * and the engine needs nothing but the JSON.
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

/** Checks one stack: findings, findings a reasoned suppression silenced, and suppressions that matched nothing. */
export function checkStack(stackName: string, tf: TfJson, pack: RulePack, organisation?: Organisation): StackReport {
  const view = stackView(stackName, tf, organisation);
  const ruleIds = new Set(pack.rules.map((r) => r.id));
  const findings: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  const unusedSuppressions: UnusedSuppression[] = [];

  const rulesByType = new Map<string, (typeof pack.rules)[number][]>();
  for (const rule of pack.rules) {
    for (const type of rule.appliesTo) rulesByType.set(type, [...(rulesByType.get(type) ?? []), rule]);
  }

  const evaluate = (b: TfBlock, suppressions: Record<string, unknown>) => {
    const used = new Set<string>();
    const locate = (ruleId: string, message: string, fix: string): Finding => ({
      stack: stackName,
      address: b.address,
      ...(b.constructPath !== undefined ? { constructPath: b.constructPath } : {}),
      ruleId,
      message,
      fix,
    });
    for (const [ruleId, reason] of Object.entries(suppressions)) {
      if (typeof reason !== 'string' || reason.trim() === '') {
        findings.push(
          locate(
            SUPPRESSION_WITHOUT_REASON,
            `suppression of ${ruleId} has no reason`,
            `give Guardrails.suppress(construct, '${ruleId}', reason) a reason a reviewer can judge, or remove the suppression and fix the finding`,
          ),
        );
      } else if (!ruleIds.has(ruleId)) {
        findings.push(locate(SUPPRESSION_UNKNOWN_RULE, `suppression names ${ruleId}, which is no rule of the ${pack.name} pack`, `use one of: ${[...ruleIds].join(', ')}`));
      }
    }
    for (const rule of rulesByType.get(b.type) ?? []) {
      for (const v of rule.check(b, view)) {
        const finding = locate(rule.id, v.message, v.fix ?? rule.fix);
        const reason = suppressions[rule.id];
        if (typeof reason === 'string' && reason.trim() !== '') {
          suppressed.push({ ...finding, reason: reason.trim() });
          used.add(rule.id);
        } else findings.push(finding);
      }
    }
    for (const [ruleId, reason] of Object.entries(suppressions)) {
      if (!used.has(ruleId) && typeof reason === 'string' && reason.trim() !== '' && ruleIds.has(ruleId)) {
        unusedSuppressions.push({ stack: stackName, address: b.address, ruleId, reason: reason.trim() });
      }
    }
  };

  for (const p of providerBlocks(tf)) evaluate(p, {});
  for (const b of backendBlocks(tf)) evaluate(b, {});
  for (const [type, byName] of Object.entries(tf.resource ?? {})) {
    for (const [name, raw] of Object.entries(byName))
      evaluate(
        view.resources(type).find((r) => r.name === name)!,
        suppressionsOf(raw),
      );
  }
  return { stack: stackName, findings, suppressed, unusedSuppressions };
}
