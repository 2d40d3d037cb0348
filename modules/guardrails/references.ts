/**
 * References a stack's Terraform JSON makes to what it does not declare itself.
 *
 * Each stack is its own Terraform configuration: `${aws_s3_bucket.b.arn}` in one stack means
 * that stack's `aws_s3_bucket.b`. Our stacks hold no reference to one another (they share
 * data through explicit remote state and names from the manifest), and the synth relies on it:
 * it skips cdktf's preparing pass, which is what turns a reference to another stack's resource
 * into a remote state and an output (stacks/account-stack.ts), and it builds a large
 * organisation's stacks in several processes, each only its share (stacks/parallel-synth.ts).
 * A reference to another stack's resource would then be written as a reference to a resource
 * of the same type and name in this stack. When the stack has none, this finds it and the synth
 * refuses it. When it has one (stacks of one kind in two regions declare the same names), the
 * reference would silently point at this stack's own resource: that case only
 * test/stacks/prepare-pass.test.ts catches, because with the preparing pass the same reference
 * is written as a remote state, so the files differ; it synthesizes organisations with primary
 * and replica regions of every kind of stack.
 */
import type { TfJson } from '../core/terraform-json';

/** The `${…}` expressions in `text` (interpolation escapes `$${` left out). */
function expressions(text: string): string[] {
  const out: string[] = [];
  for (let i = text.indexOf('${'); i >= 0; i = text.indexOf('${', i + 2)) {
    if (i > 0 && text[i - 1] === '$') continue;
    let depth = 0;
    let end = i + 1;
    for (; end < text.length; end++) {
      if (text[end] === '{') depth++;
      else if (text[end] === '}' && --depth === 0) break;
    }
    out.push(text.slice(i + 2, end));
  }
  return out;
}

/** Every string in `value` that holds an expression (`${`), however deep, but in cdktf's `//` metadata (construct paths, suppression reasons). */
function expressionStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (value.includes('${')) out.push(value);
  } else if (Array.isArray(value)) for (const v of value) expressionStrings(v, out);
  else if (value !== null && typeof value === 'object') for (const k in value) if (k !== '//') expressionStrings((value as Record<string, unknown>)[k], out);
  return out;
}

/** The references `text` makes, as [kind, type or name, name]: the same texts recur in every stack of a kind, so each is read once. */
const referencesOfText = new Map<string, readonly RegExpMatchArray[]>();
function referencesIn(text: string): readonly RegExpMatchArray[] {
  let found = referencesOfText.get(text);
  if (found === undefined) {
    // String literals inside an expression are not references.
    found = expressions(text).flatMap((expression) => [...expression.replace(/"(?:[^"\\]|\\.)*"/g, '""').matchAll(REFERENCE)]);
    if (referencesOfText.size > 100_000) referencesOfText.clear();
    referencesOfText.set(text, found);
  }
  return found;
}

/** A reference in an expression: `data.<type>.<name>`, `<type>.<name>` (a resource type has an underscore), `var.<name>`, `local.<name>`, `module.<name>`. */
const REFERENCE = /(?<![\w.$"-])(?:(data)\.([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][\w-]*)|(var|local|module)\.([A-Za-z_][\w-]*)|([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][\w-]*))/g;

/** What `tf` refers to without declaring it, as `aws_s3_bucket.b`, `data.aws_iam_policy_document.d`, `var.x`…, sorted and each once. */
export function undeclaredReferences(tf: TfJson): string[] {
  const blocks = tf as unknown as Record<string, Record<string, Record<string, unknown>> | undefined>;
  const declared = (kind: string, type: string, name?: string): boolean => {
    const section = blocks[kind];
    if (section === undefined) return false;
    if (name === undefined) return Object.prototype.hasOwnProperty.call(section, type);
    return section[type] !== undefined && Object.prototype.hasOwnProperty.call(section[type], name);
  };
  const missing = new Set<string>();
  for (const text of expressionStrings(tf)) {
    for (const m of referencesIn(text)) {
      if (m[1] === 'data') {
        if (!declared('data', m[2]!, m[3]!)) missing.add(`data.${m[2]}.${m[3]}`);
      } else if (m[4] !== undefined) {
        const section = { var: 'variable', local: 'locals', module: 'module' }[m[4]]!;
        if (!declared(section, m[5]!)) missing.add(`${m[4]}.${m[5]}`);
      } else if (!declared('resource', m[6]!, m[7]!)) missing.add(`${m[6]}.${m[7]}`);
    }
  }
  return [...missing].sort();
}
