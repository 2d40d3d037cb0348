/**
 * IAM policy documents (identity, trust, key, bucket, topic, queue policies alike):
 * normalization, statement matching and the broadening/narrowing classification.
 *
 * A policy in the synthesized Terraform is a JSON string; parts only known at apply
 * time are Terraform references inside it (`${aws_kms_key.data.arn}`). Those parts are
 * compared as text: a reference that changes counts as a new value (conservatively
 * broadening), and wildcards inside `${…}` are never treated as wildcards.
 */
import { parsePolicy as parseTfPolicy } from '../../modules/core/terraform-json';

export type Effect = 'Allow' | 'Deny';

export interface NormalStatement {
  readonly sid?: string;
  readonly effect: Effect;
  /** `AWS:arn:…`, `Service:logs.amazonaws.com`, `Federated:…`, `*` (anyone); undefined when the statement names none (identity policies). */
  readonly principal?: readonly string[];
  readonly notPrincipal?: readonly string[];
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
  /** `Operator key` → sorted values. */
  readonly condition: ReadonlyMap<string, readonly string[]>;
}

export interface ParsedPolicy {
  readonly statements: readonly NormalStatement[];
}

/** Condition keys whose removal or loosening opens a role or resource to strangers: called out by name. */
export const GUARD_CONDITION_KEYS = [
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:sourceorgid',
  'aws:resourceorgid',
  'sts:externalid',
  'token.actions.githubusercontent.com:sub',
  'token.actions.githubusercontent.com:aud',
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:principalarn',
  'aws:principalaccount',
  'aws:securetransport',
  'kms:viaservice',
  'kms:calleraccount',
];

const list = (v: unknown): string[] | undefined => {
  if (v === undefined || v === null) return undefined;
  const arr = Array.isArray(v) ? v : [v];
  return [...new Set(arr.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))))].sort();
};

function principals(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === '*') return ['*'];
  if (typeof v !== 'object' || Array.isArray(v)) return list(v);
  const out: string[] = [];
  for (const [type, values] of Object.entries(v as Record<string, unknown>)) {
    for (const value of list(values) ?? []) out.push(value === '*' && type === 'AWS' ? '*' : `${type}:${value}`);
  }
  return [...new Set(out)].sort();
}

function conditions(v: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (typeof v !== 'object' || v === null) return out;
  for (const [op, keys] of Object.entries(v as Record<string, unknown>)) {
    if (typeof keys !== 'object' || keys === null) continue;
    for (const [key, values] of Object.entries(keys as Record<string, unknown>)) out.set(`${op} ${key}`, list(values) ?? []);
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Parses a policy JSON string; undefined when it is not a literal JSON policy (e.g. a whole `${…}` expression). */
export function parsePolicy(text: unknown): ParsedPolicy | undefined {
  // Most strings a review meets are not JSON objects: known at the first character, without a JSON.parse that throws.
  if (typeof text === 'string' && !text.trimStart().startsWith('{')) return undefined;
  const parsed = parseTfPolicy(typeof text === 'string' ? text.trim() : text);
  if (!parsed.ok) return undefined;
  return {
    statements: parsed.statements.map((s) => ({
      sid: typeof s.Sid === 'string' && s.Sid !== '' ? s.Sid : undefined,
      effect: s.Effect === 'Deny' ? 'Deny' : 'Allow',
      principal: principals(s.Principal),
      notPrincipal: principals(s.NotPrincipal),
      action: list(s.Action),
      notAction: list(s.NotAction),
      resource: list(s.Resource),
      notResource: list(s.NotResource),
      condition: conditions(s.Condition),
    })),
  };
}

/** Whether a string looks like a policy document (so a change to it is analysed as one). */
export function looksLikePolicy(text: unknown): boolean {
  return parsePolicy(text) !== undefined;
}

// ---------------------------------------------------------------- wildcard coverage

function globRegex(pattern: string, caseInsensitive: boolean): RegExp {
  let re = '';
  let i = 0;
  while (i < pattern.length) {
    if (pattern.startsWith('${', i)) {
      // A Terraform reference: literal text, wildcards inside it are not wildcards.
      let depth = 0;
      let j = i;
      for (; j < pattern.length; j++) {
        if (pattern[j] === '{') depth++;
        else if (pattern[j] === '}' && --depth === 0) break;
      }
      re += pattern.slice(i, j + 1).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      i = j + 1;
      continue;
    }
    const c = pattern[i]!;
    re += c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    i++;
  }
  return new RegExp(`^${re}$`, caseInsensitive ? 'i' : '');
}

/** Does `a` (a pattern) cover everything `b` names? */
export function covers(a: string, b: string, kind: 'action' | 'resource' | 'principal'): boolean {
  if (a === b) return true;
  if (a === '*') return true;
  if (kind === 'principal') {
    // An account principal (`arn:aws:iam::123:root` or `123`) stands for every principal in that account.
    const acct = /^AWS:(?:arn:aws[\w-]*:iam::(\d{12}):root|(\d{12}))$/.exec(a);
    if (acct) {
      const id = acct[1] ?? acct[2];
      if (new RegExp(`^AWS:arn:aws[\\w-]*:(iam|sts)::${id}:`).test(b) || b === `AWS:${id}`) return true;
    }
    return globRegex(a, false).test(b);
  }
  return globRegex(a, kind === 'action').test(b);
}

const uncovered = (from: readonly string[], by: readonly string[], kind: 'action' | 'resource' | 'principal'): string[] => from.filter((x) => !by.some((y) => covers(y, x, kind)));

// ---------------------------------------------------------------- statement diff

export interface StatementChange {
  readonly change: 'added' | 'removed' | 'modified';
  readonly before?: NormalStatement;
  readonly after?: NormalStatement;
  /** `+ …` widens who may do what, `- …` narrows it, `~ …` changes it without a clear direction. */
  readonly details: readonly string[];
  readonly widens: boolean;
  readonly narrows: boolean;
}

const NEGATED_OPERATOR = /Not(Equals|Like|IpAddress)/;

function fieldDiff(
  name: string,
  before: readonly string[] | undefined,
  after: readonly string[] | undefined,
  kind: 'action' | 'resource' | 'principal',
  widenIfAdded: boolean,
): { widen: string[]; narrow: string[] } {
  const widen: string[] = [];
  const narrow: string[] = [];
  if (before === undefined && after === undefined) return { widen, narrow };
  // A missing Principal/Resource in a statement that had one is as wide as it gets only for Resource/Principal in
  // resource policies; we report it literally.
  const b = before ?? [];
  const a = after ?? [];
  const added = uncovered(a, b, kind);
  const removed = uncovered(b, a, kind);
  for (const x of added) (widenIfAdded ? widen : narrow).push(`${name} added: ${x}`);
  for (const x of removed) (widenIfAdded ? narrow : widen).push(`${name} removed: ${x}`);
  return { widen, narrow };
}

function conditionDiff(before: ReadonlyMap<string, readonly string[]>, after: ReadonlyMap<string, readonly string[]>): { widen: string[]; narrow: string[] } {
  const widen: string[] = [];
  const narrow: string[] = [];
  const keyOf = (opKey: string) => opKey.slice(opKey.indexOf(' ') + 1).toLowerCase();
  const guard = (opKey: string) => (GUARD_CONDITION_KEYS.includes(keyOf(opKey)) ? ' (guard condition)' : '');
  const afterByKey = new Map<string, string>();
  for (const k of after.keys()) afterByKey.set(keyOf(k), k);
  const beforeByKey = new Map<string, string>();
  for (const k of before.keys()) beforeByKey.set(keyOf(k), k);

  for (const [opKey, values] of before) {
    const same = after.get(opKey);
    if (same) {
      const negated = NEGATED_OPERATOR.test(opKey);
      const isBoolish = /^(Bool|Null)/.test(opKey);
      const added = same.filter((v) => !values.includes(v));
      const removed = values.filter((v) => !same.includes(v));
      if (isBoolish && (added.length || removed.length)) {
        widen.push(`condition changed: ${opKey} ${JSON.stringify(values)} → ${JSON.stringify(same)}${guard(opKey)}`);
        continue;
      }
      for (const v of added) (negated ? narrow : widen).push(`condition value added: ${opKey} ${v}${guard(opKey)}`);
      for (const v of removed) (negated ? widen : narrow).push(`condition value removed: ${opKey} ${v}${guard(opKey)}`);
      continue;
    }
    const renamed = afterByKey.get(keyOf(opKey));
    if (renamed && !before.has(renamed)) {
      const loosened = /Like|IfExists/.test(renamed) && !/Like|IfExists/.test(opKey);
      const nv = after.get(renamed)!;
      (loosened || nv.some((v) => !values.includes(v)) ? widen : narrow).push(
        `condition ${loosened ? 'loosened' : 'changed'}: ${opKey} ${JSON.stringify(values)} → ${renamed} ${JSON.stringify(nv)}${guard(opKey)}`,
      );
      continue;
    }
    widen.push(`condition removed: ${opKey} ${JSON.stringify(values)}${guard(opKey)}`);
  }
  for (const [opKey, values] of after) {
    if (before.has(opKey)) continue;
    const renamed = beforeByKey.get(keyOf(opKey));
    if (renamed && !after.has(renamed)) continue; // reported above as changed/loosened
    narrow.push(`condition added: ${opKey} ${JSON.stringify(values)}${guard(opKey)}`);
  }
  return { widen, narrow };
}

/** What a paired statement's change does; for Deny statements every direction is reversed. */
export function compareStatements(before: NormalStatement, after: NormalStatement): StatementChange {
  const allow = after.effect === 'Allow';
  const parts = [
    fieldDiff('principal', before.principal, after.principal, 'principal', true),
    fieldDiff('not-principal', before.notPrincipal, after.notPrincipal, 'principal', false),
    fieldDiff('action', before.action, after.action, 'action', true),
    fieldDiff('not-action', before.notAction, after.notAction, 'action', false),
    fieldDiff('resource', before.resource, after.resource, 'resource', true),
    fieldDiff('not-resource', before.notResource, after.notResource, 'resource', false),
    conditionDiff(before.condition, after.condition),
  ];
  const widen = parts.flatMap((p) => (allow ? p.widen : p.narrow));
  const narrow = parts.flatMap((p) => (allow ? p.narrow : p.widen));
  const details = [...widen.map((d) => `+ ${d}`), ...narrow.map((d) => `- ${d}`)];
  if (before.sid !== after.sid) details.push(`~ Sid ${before.sid ?? '(none)'} → ${after.sid ?? '(none)'}`);
  return { change: 'modified', before, after, details, widens: widen.length > 0, narrows: narrow.length > 0 };
}

export function canonicalStatement(s: NormalStatement): string {
  return JSON.stringify({ ...s, condition: [...s.condition.entries()] });
}

const tokens = (s: NormalStatement): Set<string> =>
  new Set([...(s.principal ?? []), ...(s.action ?? []), ...(s.resource ?? []), ...(s.notAction ?? []), ...(s.notResource ?? []), ...s.condition.keys()].map((t) => t.toLowerCase()));

function similarity(a: NormalStatement, b: NormalStatement): number {
  const ta = tokens(a);
  const tb = tokens(b);
  let both = 0;
  for (const t of ta) if (tb.has(t)) both++;
  const union = ta.size + tb.size - both;
  return union === 0 ? 1 : both / union;
}

/** Describes a statement for people: `Allow AWS:arn… to s3:GetObject on arn… when StringEquals aws:PrincipalOrgID [o-…]`. */
export function describeStatement(s: NormalStatement, max = Infinity): string {
  // A modified statement's changes are in its details: long lists are then shortened to their first entries and a count.
  const j = (xs: readonly string[], what: string) => (xs.length > max ? `${xs.length} ${what}` : xs.join(', '));
  const who = s.principal ? ` ${j(s.principal, 'principals')}` : s.notPrincipal ? ` everyone but ${j(s.notPrincipal, 'principals')}` : '';
  const what = s.action ? j(s.action, 'actions') : s.notAction ? `every action but ${j(s.notAction, 'actions')}` : '(no action)';
  const on = s.resource ? j(s.resource, 'resources') : s.notResource ? `everything but ${j(s.notResource, 'resources')}` : '';
  const when = [...s.condition.entries()].map(([k, v]) => `${k} ${v.length > max ? `(${v.length} values)` : JSON.stringify(v)}`).join('; ');
  return `${s.sid ? `[${s.sid}] ` : ''}${s.effect}${who} ${what}${on ? ` on ${on}` : ''}${when ? ` when ${when}` : ''}`;
}

/**
 * Pairs the statements of two policies (identical, then by Sid, then identical but for the Sid, then most similar with the same
 * effect) and classifies each difference. Unchanged statements are omitted.
 */
export function diffPolicies(before: ParsedPolicy | undefined, after: ParsedPolicy | undefined): StatementChange[] {
  const b = [...(before?.statements ?? [])];
  const a = [...(after?.statements ?? [])];
  const pairs: [NormalStatement, NormalStatement][] = [];
  const takeB = new Set<number>();
  const takeA = new Set<number>();
  const pair = (i: number, j: number) => {
    takeB.add(i);
    takeA.add(j);
    pairs.push([b[i]!, a[j]!]);
  };
  /** Pairs each free statement of `b` with the first free one of `a` that has the same key (keys computed once). */
  const matchBy = (keyOf: (s: NormalStatement) => string | undefined, onMatch: (i: number, j: number) => void) => {
    const keysA = a.map(keyOf);
    b.forEach((s, i) => {
      const k = takeB.has(i) ? undefined : keyOf(s);
      if (k === undefined) return;
      const j = keysA.findIndex((kk, jj) => !takeA.has(jj) && kk === k);
      if (j >= 0) onMatch(i, j);
    });
  };
  // 1. identical statements: unchanged, not reported
  matchBy(canonicalStatement, (i, j) => {
    takeB.add(i);
    takeA.add(j);
  });
  // 2. same Sid and effect
  matchBy((s) => (s.sid === undefined ? undefined : JSON.stringify([s.sid, s.effect])), pair);
  // 3. identical but for the Sid: a rename, which grants nothing new
  matchBy((s) => canonicalStatement({ ...s, sid: undefined }), pair);
  // 4. most similar with the same effect (greedy, deterministic by index)
  const candidates: { i: number; j: number; score: number }[] = [];
  b.forEach((s, i) => {
    if (takeB.has(i)) return;
    a.forEach((t, j) => {
      if (takeA.has(j) || t.effect !== s.effect) return;
      if (s.sid !== undefined && t.sid !== undefined && s.sid !== t.sid) return;
      const score = similarity(s, t);
      if (score > 0) candidates.push({ i, j, score });
    });
  });
  candidates.sort((x, y) => y.score - x.score || x.i - y.i || x.j - y.j);
  for (const c of candidates) if (!takeB.has(c.i) && !takeA.has(c.j)) pair(c.i, c.j);

  const out: StatementChange[] = [];
  for (const [s, t] of pairs) {
    const c = compareStatements(s, t);
    if (c.details.length > 0) out.push(c);
  }
  b.forEach((s, i) => {
    if (takeB.has(i)) return;
    const allow = s.effect === 'Allow';
    out.push({ change: 'removed', before: s, details: [`${allow ? '-' : '+'} statement removed: ${describeStatement(s)}`], widens: !allow, narrows: allow });
  });
  a.forEach((t, j) => {
    if (takeA.has(j)) return;
    const allow = t.effect === 'Allow';
    out.push({ change: 'added', after: t, details: [`${allow ? '+' : '-'} statement added: ${describeStatement(t)}`], widens: allow, narrows: !allow });
  });
  return out;
}
