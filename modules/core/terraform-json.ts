/**
 * The synthesized Terraform JSON of one stack (what `stack.toTerraform()` returns and
 * `cdktf synth` writes to `cdktf.out/stacks/<stack>/cdk.tf.json`), and the IAM policy
 * documents inside it. Guardrails, the review and permission tools, the local runner and the
 * tests read synthesized stacks through these one type and one parser.
 */

/** Arguments of one block, as synthesized (snake_case; references as `${type.name.attr}`). */
export type TfBlockConfig = Record<string, unknown>;

export type TfJson = {
  resource?: Record<string, Record<string, TfBlockConfig>>;
  data?: Record<string, Record<string, TfBlockConfig>>;
  provider?: Record<string, TfBlockConfig[]>;
  terraform?: Record<string, unknown>;
  output?: Record<string, Record<string, unknown>>;
  variable?: Record<string, Record<string, unknown>>;
  locals?: Record<string, unknown>;
  [key: string]: unknown;
};

/** One statement of a policy as written, every element unchecked (a policy read back is data, not a type). */
export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: unknown;
  readonly [key: string]: unknown;
}

export type ParsedPolicy = { ok: true; version?: string; statements: PolicyStatementJson[] } | { ok: false; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses a policy written as a literal JSON string (references inside its strings are fine):
 * not ok for anything else, e.g. a whole `${…}` expression or a policy-document data source.
 */
export function parsePolicy(value: unknown): ParsedPolicy {
  if (typeof value !== 'string') return { ok: false, reason: 'the policy is not a JSON string' };
  let doc: unknown;
  try {
    doc = JSON.parse(value);
  } catch {
    return { ok: false, reason: `the policy is not literal JSON (${value.length > 60 ? `${value.slice(0, 57)}...` : value})` };
  }
  if (!isObject(doc)) return { ok: false, reason: 'the policy is not a JSON object' };
  if (!('Statement' in doc)) return { ok: false, reason: 'the policy has no Statement' };
  const st = doc.Statement;
  const statements = (Array.isArray(st) ? st : [st]).filter(isObject) as PolicyStatementJson[];
  return { ok: true, version: typeof doc.Version === 'string' ? doc.Version : undefined, statements };
}
