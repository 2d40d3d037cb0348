/**
 * Helpers rules share to read synthesized Terraform JSON: nested blocks (which cdktf
 * writes as an object or a list), references between resources, and IAM policy
 * documents written as literal JSON strings.
 */
import type { TfBlock } from './types';

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A nested block as a list: cdktf writes single blocks as objects and repeated ones as lists. */
export function blocks(value: unknown): Json[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

/** The first nested block, if any. */
export function block(value: unknown): Json | undefined {
  return blocks(value)[0];
}

/** A string or list of strings as a list (IAM's `Action`, `Resource`, …). */
export function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** True for `true` and Terraform's `"true"`. */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

export function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** Whether a value is (or contains) a Terraform expression. */
export function isExpression(value: unknown): boolean {
  return typeof value === 'string' && value.includes('${');
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The pattern of a reference to `<type>.<name>.<attr>` (any attribute when `attrs` is undefined); made once per target, rules ask for the same ones again and again. */
const referencePatterns = new Map<string, RegExp>();
function referencePattern(type: string, name: string, attrs: readonly string[] | undefined): RegExp {
  const key = JSON.stringify([type, name, attrs ?? null]);
  let pattern = referencePatterns.get(key);
  if (pattern === undefined) {
    const attr = attrs ? `(${attrs.map(escape).join('|')})` : '[a-z_]+';
    pattern = new RegExp(`\\$\\{${escape(type)}\\.${escape(name)}\\.${attr}\\b`);
    if (referencePatterns.size >= 10_000) referencePatterns.clear();
    referencePatterns.set(key, pattern);
  }
  return pattern;
}

/**
 * Whether `value` points at `target`: a Terraform reference to one of its attributes
 * (`${aws_s3_bucket.archive.id}`, optionally with a suffix such as `/*`), or a literal
 * equal to one of its literal arguments (`bucket`, `function_name`, …).
 */
export function refersTo(value: unknown, target: TfBlock, literalArgs: readonly string[] = [], attrs?: readonly string[]): boolean {
  if (typeof value !== 'string') return false;
  if (value.includes(`\${${target.type}.${target.name}.`) && referencePattern(target.type, target.name, attrs).test(value)) return true;
  return literalArgs.some((arg) => {
    const literal = target.config[arg];
    return typeof literal === 'string' && !isExpression(literal) && literal === value;
  });
}

// ---- IAM policy documents -------------------------------------------------------------

import { deepFreeze } from '../core/deep-freeze';
import { parsePolicy as parsePolicyText, type ParsedPolicy, type PolicyStatementJson as Statement } from '../core/terraform-json';
export type { ParsedPolicy, Statement };

/**
 * Policies are parsed by the one parser of synthesized Terraform JSON, each text once: several
 * rules read every policy of a stack, and the stacks of one kind hold the same policies. The
 * parsed policy is shared between the rules and the stacks, so it is frozen: a rule that
 * changed it would throw rather than change what the others read. (To edit a policy, parse
 * it with `parsePolicy` of modules/core/terraform-json.)
 */
const parsedPolicies = new Map<string, ParsedPolicy>();
export function parsePolicy(value: unknown): ParsedPolicy {
  if (typeof value !== 'string') return parsePolicyText(value);
  let parsed = parsedPolicies.get(value);
  if (parsed === undefined) {
    parsed = deepFreeze(parsePolicyText(value));
    if (parsedPolicies.size >= 10_000) parsedPolicies.clear();
    parsedPolicies.set(value, parsed);
  }
  return parsed;
}

export function describeStatement(s: Statement, index: number): string {
  return s.Sid ? `statement ${JSON.stringify(s.Sid)}` : `statement #${index + 1}`;
}

/** Whether a principal element means "anyone": `"*"`, `{"AWS": "*"}`, or `*` among any of its lists. */
export function isAnyPrincipal(principal: unknown): boolean {
  if (principal === '*') return true;
  if (!isObject(principal)) return false;
  return Object.values(principal).some((v) => strings(v).includes('*'));
}

export function hasCondition(s: Statement): boolean {
  return isObject(s.Condition) && Object.keys(s.Condition).length > 0;
}

/** Where resources keep a policy document, and whether it is an identity policy or a resource policy. */
export interface PolicySite {
  readonly type: string;
  /** Argument holding the JSON string; `inline_policy[].policy` is read through `nested`. */
  readonly arg: string;
  readonly nested?: string;
  readonly kind: 'identity' | 'resource' | 'trust' | 'key';
}

export const POLICY_SITES: readonly PolicySite[] = [
  { type: 'aws_iam_policy', arg: 'policy', kind: 'identity' },
  { type: 'aws_iam_role_policy', arg: 'policy', kind: 'identity' },
  { type: 'aws_iam_user_policy', arg: 'policy', kind: 'identity' },
  { type: 'aws_iam_group_policy', arg: 'policy', kind: 'identity' },
  { type: 'aws_iam_role', arg: 'policy', nested: 'inline_policy', kind: 'identity' },
  { type: 'aws_iam_role', arg: 'assume_role_policy', kind: 'trust' },
  { type: 'aws_kms_key', arg: 'policy', kind: 'key' },
  { type: 'aws_kms_replica_key', arg: 'policy', kind: 'key' },
  { type: 'aws_kms_key_policy', arg: 'policy', kind: 'key' },
  { type: 'aws_s3_bucket_policy', arg: 'policy', kind: 'resource' },
  { type: 'aws_sns_topic', arg: 'policy', kind: 'resource' },
  { type: 'aws_sns_topic_policy', arg: 'policy', kind: 'resource' },
  { type: 'aws_sqs_queue', arg: 'policy', kind: 'resource' },
  { type: 'aws_sqs_queue_policy', arg: 'policy', kind: 'resource' },
  { type: 'aws_api_gateway_rest_api', arg: 'policy', kind: 'resource' },
  { type: 'aws_api_gateway_rest_api_policy', arg: 'policy', kind: 'resource' },
  { type: 'aws_cloudwatch_log_resource_policy', arg: 'policy_document', kind: 'resource' },
  { type: 'aws_secretsmanager_secret', arg: 'policy', kind: 'resource' },
  { type: 'aws_secretsmanager_secret_policy', arg: 'policy', kind: 'resource' },
  { type: 'aws_dynamodb_resource_policy', arg: 'policy', kind: 'resource' },
  { type: 'aws_s3control_access_point_policy', arg: 'policy', kind: 'resource' },
];

export const POLICY_TYPES: readonly string[] = [...new Set(POLICY_SITES.map((s) => s.type))];

/** The policy sites of each resource type (several rules ask for every resource of every stack). */
const SITES_BY_TYPE = new Map<string, PolicySite[]>();
for (const site of POLICY_SITES) SITES_BY_TYPE.set(site.type, [...(SITES_BY_TYPE.get(site.type) ?? []), site]);

/** Every policy document a block holds, with where it sits (`policy`, `inline_policy[0].policy`). */
export function policiesOf(b: TfBlock): { where: string; kind: PolicySite['kind']; value: unknown }[] {
  const out: { where: string; kind: PolicySite['kind']; value: unknown }[] = [];
  for (const site of SITES_BY_TYPE.get(b.type) ?? []) {
    if (site.nested) {
      blocks(b.config[site.nested]).forEach((nested, i) => {
        if (nested[site.arg] !== undefined) out.push({ where: `${site.nested}[${i}].${site.arg}`, kind: site.kind, value: nested[site.arg] });
      });
    } else if (b.config[site.arg] !== undefined) {
      out.push({ where: site.arg, kind: site.kind, value: b.config[site.arg] });
    }
  }
  return out;
}
