/**
 * Makes @cloud-copilot/iam-simulate answer each request without redoing what an earlier
 * request already worked out; every answer stays the simulator's own.
 *
 * Two pure functions it calls for every request, and that took most of a simulation's time,
 * remember their answers:
 *
 *   - `mostSpecificMatchingResourceTypePatterns(resource, patterns)` (iam-utils): which of an
 *     action's resource types an ARN is. It intersects two automata a character at a time,
 *     comparing characters with `localeCompare`; the simulator asks it twice per request,
 *     and a policy check asks about the same few ARNs for hundreds of actions.
 *   - `caseInsensitiveEndsWith(value, suffix)` (iam-policy): `localeCompare` again, asked
 *     of every condition operator of every statement (does it end in `IfExists`?).
 *
 * Both depend on their arguments alone (strings, and a list of strings), so a remembered
 * answer is the answer: the simulator decides exactly as before. The packages call them
 * through their modules' `exports` objects, where this puts the remembering versions.
 *
 * Two more, asked of every statement of every policy for every request, remember their
 * answers per statement, for the statements of documents made unchangeable with
 * `frozenDocument` (a document that is not frozen is validated as a frozen copy, below):
 *
 *   - `requestMatchesStatementResources(request, statement, policyType)` (iam-simulate): does
 *     the statement's `Resource`/`NotResource` match the request's resource? It reads the
 *     request's ARN and whether the action takes only "*", and, through a policy variable in
 *     the statement, the request's context: a statement with one is matched every time.
 *   - `requestMatchesStatementActions(request, statement)`: its `Action`/`NotAction` against
 *     the request's action.
 *
 * `asShipped` runs a simulation without any of this; test/tools/permissions.test.ts and
 * test/tools/simulator-memo.test.ts compare the answers both ways.
 *
 * And `validated(document, kind)` validates each distinct policy document once: the simulator
 * takes a policy it is given already validated (iam-policy's `createValidatedPolicy`, with the
 * validation it would run itself) instead of validating it again on every request. A document
 * made unchangeable with `frozenDocument` is found by identity, without writing out its text.
 *
 * Imported by every wrapper of the simulator (tools/permissions/simulator.ts,
 * test/support/iam-sim.ts). Test and tool code only, like the simulator itself.
 */
import { dirname, join } from 'node:path';
import { deepFreeze } from '../../modules/core/deep-freeze';
import { createValidatedPolicy, validateIdentityPolicy, validateResourcePolicy, type ValidatedPolicy } from '@cloud-copilot/iam-policy';

type PatternMatcher = (resource: string, patterns: readonly string[]) => string[];
type EndsWith = (value: string, suffix: string) => boolean;

/** Where iam-simulate is: its dependencies are resolved from there, so that the modules changed are the copies it calls. */
const SIMULATOR = dirname(require.resolve('@cloud-copilot/iam-simulate'));

/** A module of the package `pkg`, by its path inside the package's CommonJS build (the folder of its `main`), as iam-simulate resolves it. */
function moduleOf<T>(pkg: string, file: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the same module object the package's own code calls through
  return require(join(dirname(require.resolve(pkg, { paths: [SIMULATOR] })), file)) as T;
}

const resourceTypes = moduleOf<{ mostSpecificMatchingResourceTypePatterns: PatternMatcher }>('@cloud-copilot/iam-utils', 'resourceTypes.js');
const policyUtils = moduleOf<{ caseInsensitiveEndsWith: EndsWith }>('@cloud-copilot/iam-policy', 'utils.js');

/** What the statement matchers read of a request and of a statement. */
interface MatchedRequest {
  readonly wildcardOnlyAction?: boolean;
  readonly resource?: { value(): string; accountId(): string | undefined };
  readonly action: { value(): string };
}
interface MatchedStatement {
  readonly statementObject: unknown;
}
type ResourceMatcher = (request: MatchedRequest, statement: MatchedStatement, policyType: string) => unknown;
type ActionMatcher = (request: MatchedRequest, statement: MatchedStatement) => unknown;
const resourceMatching = moduleOf<{ requestMatchesStatementResources: ResourceMatcher }>('@cloud-copilot/iam-simulate', 'resource/resource.js');
const actionMatching = moduleOf<{ requestMatchesStatementActions: ActionMatcher }>('@cloud-copilot/iam-simulate', 'action/action.js');

/** Set on the remembering versions: the function each one stands in for. */
const ORIGINAL = Symbol.for('payments.simulator-memo.original');
type Remembering<F> = F & { [ORIGINAL]?: F };

/** While above 0, the functions answer as the packages ship them (see `asShipped`). */
let unremembering = 0;

/**
 * Runs `fn` with the simulator as the package ships it: nothing remembered, every policy
 * validated on every request (`validated` gives the document back as it is). For the test
 * that shows remembering changes no answer; nothing else may run simulations meanwhile.
 */
export async function asShipped<T>(fn: () => Promise<T>): Promise<T> {
  unremembering++;
  try {
    return await fn();
  } finally {
    unremembering--;
  }
}

/** At most this many answers of each function are kept (then they are forgotten and gathered again). */
const KEEP = 100_000;

/** How often the remembering versions were asked, and answered from memory: a check that asks nothing of them changes nothing. */
export const remembered = { asked: 0, answered: 0 };

/** `fn` remembering its answer for each key `keyOf` makes of its arguments. */
function remembering<A extends unknown[], R>(fn: (...args: A) => R, keyOf: (...args: A) => string, copy: (r: R) => R): Remembering<(...args: A) => R> {
  const known = new Map<string, R>();
  const wrapped: Remembering<(...args: A) => R> = (...args: A) => {
    if (unremembering > 0) return fn(...args);
    remembered.asked++;
    const key = keyOf(...args);
    let hit = known.get(key);
    if (hit !== undefined) remembered.answered++;
    else {
      if (known.size >= KEEP) known.clear();
      known.set(key, (hit = fn(...args)));
    }
    return copy(hit);
  };
  wrapped[ORIGINAL] = fn;
  return wrapped;
}

const originalOf = <F>(fn: Remembering<F>): F => fn[ORIGINAL] ?? fn;

/** The packages' own functions, which the remembering versions stand in for. */
const ORIGINALS = {
  mostSpecificMatchingResourceTypePatterns: originalOf<PatternMatcher>(resourceTypes.mostSpecificMatchingResourceTypePatterns),
  caseInsensitiveEndsWith: originalOf<EndsWith>(policyUtils.caseInsensitiveEndsWith),
  requestMatchesStatementResources: originalOf<ResourceMatcher>(resourceMatching.requestMatchesStatementResources),
  requestMatchesStatementActions: originalOf<ActionMatcher>(actionMatching.requestMatchesStatementActions),
} as const;

/**
 * What of an ARN its resource type depends on, given the patterns it is matched against.
 * Patterns match an ARN one colon-separated part at a time. Where every pattern gives the
 * region part as a single variable (`${Region}`: one or more characters without a separator),
 * as nothing, or as `*`, any non-empty region without wildcards gets the same answer, so the
 * key names none; the same for the account part. A pattern with a literal there (S3's
 * multi-region access point requests name `us-west-2`) keeps the ARN's own. The same few
 * resources in a hundred accounts and regions are then asked about once.
 */
function typeKey(resource: string, patterns: readonly string[], joined: string): string {
  const parts = resource.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return resource;
  const any = anyValueParts(patterns, joined);
  if (any.region && /^[a-z0-9-]+$/.test(parts[3]!)) parts[3] = '<region>';
  if (any.account && /^[0-9]{12}$/.test(parts[4]!)) parts[4] = '<account>';
  return parts.join(':');
}

const anyValue = new Map<string, { region: boolean; account: boolean }>();

/** Whether every pattern takes any value in its region part, and in its account part (see `typeKey`). */
function anyValueParts(patterns: readonly string[], joined: string): { region: boolean; account: boolean } {
  let known = anyValue.get(joined);
  if (known === undefined) {
    const takesAny = (part: string | undefined) => part === undefined || part === '' || part === '*' || /^\$\{[A-Za-z0-9]+\}$/.test(part);
    const split = patterns.map((p) => p.split(':'));
    known = { region: split.every((p) => takesAny(p[3])), account: split.every((p) => takesAny(p[4])) };
    if (anyValue.size >= KEEP) anyValue.clear();
    anyValue.set(joined, known);
  }
  return known;
}

// Once per module object (a test runner may load this file again in the same registry).
if (resourceTypes.mostSpecificMatchingResourceTypePatterns === ORIGINALS.mostSpecificMatchingResourceTypePatterns) {
  resourceTypes.mostSpecificMatchingResourceTypePatterns = remembering(
    ORIGINALS.mostSpecificMatchingResourceTypePatterns,
    (resource, patterns) => {
      const joined = patterns.join('\n');
      return `${typeKey(resource, patterns, joined)}\n${joined}`;
    },
    (r) => [...r],
  );
}
if (policyUtils.caseInsensitiveEndsWith === ORIGINALS.caseInsensitiveEndsWith) {
  policyUtils.caseInsensitiveEndsWith = remembering(
    ORIGINALS.caseInsensitiveEndsWith,
    (value, suffix) => `${value}\n${suffix}`,
    (r) => r,
  );
}

/** What is remembered of one statement: whether it can be keyed at all, and the answers by key. */
interface StatementMemory {
  readonly keyable: boolean;
  readonly answers: Map<string, unknown>;
}

/**
 * `match` remembering its answer for each statement of a frozen document (see `frozenDocument`)
 * and each key `keyOf` makes of the request; a statement that is not known to be frozen, or
 * that `keyable` refuses, is matched as the package ships it. The answers (the match and the
 * explanation the simulator reports) are frozen too: the simulator copies what it keeps of
 * them, and would throw if it ever changed one.
 */
function rememberingPerStatement<F extends (request: MatchedRequest, statement: MatchedStatement, ...rest: string[]) => unknown>(
  match: F,
  keyable: (statement: object) => boolean,
  keyOf: (request: MatchedRequest, ...rest: string[]) => string,
): Remembering<F> {
  const known = new WeakMap<object, StatementMemory>();
  const wrapped = ((request: MatchedRequest, statement: MatchedStatement, ...rest: string[]) => {
    const raw = statement.statementObject as object;
    if (unremembering > 0) return match(request, statement, ...rest);
    let memory = known.get(raw);
    if (!memory) {
      if (typeof raw !== 'object' || raw === null || !frozenStatements.has(raw)) return match(request, statement, ...rest);
      known.set(raw, (memory = { keyable: keyable(raw), answers: new Map() }));
    }
    if (!memory.keyable) return match(request, statement, ...rest);
    remembered.asked++;
    const key = keyOf(request, ...rest);
    const hit = memory.answers.get(key);
    if (hit !== undefined) {
      remembered.answered++;
      return hit;
    }
    const answer = deepFreeze(match(request, statement, ...rest));
    if (memory.answers.size >= KEEP) memory.answers.clear();
    memory.answers.set(key, answer);
    return answer;
  }) as Remembering<F>;
  wrapped[ORIGINAL] = match;
  return wrapped;
}

/** Whether a statement's `Resource` or `NotResource` holds a policy variable (`${aws:username}`…), whose value comes from the request's context. */
function hasPolicyVariable(raw: object): boolean {
  const { Resource, NotResource } = raw as { Resource?: unknown; NotResource?: unknown };
  return [Resource, NotResource].flat().some((r) => typeof r === 'string' && r.includes('$'));
}

// A statement's resources are matched against the request's resource (its ARN and account) and whether the action takes
// only "*"; a policy variable would bring in the request's context, so such statements are matched each time.
if (resourceMatching.requestMatchesStatementResources === ORIGINALS.requestMatchesStatementResources) {
  resourceMatching.requestMatchesStatementResources = rememberingPerStatement(
    ORIGINALS.requestMatchesStatementResources,
    (statement) => !hasPolicyVariable(statement),
    (request, policyType) => {
      const resource = request.resource;
      return `${policyType}\n${request.wildcardOnlyAction === true}\n${resource?.accountId() ?? ''}\n${resource?.value() ?? ''}`;
    },
  );
}
// A statement's actions are matched against the request's action alone.
if (actionMatching.requestMatchesStatementActions === ORIGINALS.requestMatchesStatementActions) {
  actionMatching.requestMatchesStatementActions = rememberingPerStatement(
    ORIGINALS.requestMatchesStatementActions,
    () => true,
    (request) => request.action.value(),
  );
}

/** Which of the simulator's validations a policy gets: identity policies and permissions boundaries, or a resource policy. */
export type PolicyKind = 'identity' | 'resource';

const VALIDATE = { identity: validateIdentityPolicy, resource: validateResourcePolicy } as const;
const validatedDocuments = new Map<string, ValidatedPolicy>();
const validatedFrozen = { identity: new WeakMap<object, ValidatedPolicy>(), resource: new WeakMap<object, ValidatedPolicy>() };

/** Documents `frozenDocument` froze whole, and their statements: they cannot change, so what was worked out for one holds for it as long as it lives. */
const frozenDocuments = new WeakSet<object>();
const frozenStatements = new WeakSet<object>();

/**
 * `document` with every object and array in it frozen, and known as such: `validated` then finds
 * it by identity instead of by its text (for a caller that asks about the same few documents
 * thousands of times). Changing it afterwards throws.
 */
export function frozenDocument<T extends object>(document: T): T {
  deepFreeze(document);
  frozenDocuments.add(document);
  for (const statement of [(document as { Statement?: unknown }).Statement].flat()) if (typeof statement === 'object' && statement !== null) frozenStatements.add(statement);
  return document;
}

/** A frozen copy of a document (see `frozenDocument`); anything but a plain object is given back as it is, for the validation to judge. */
function copyFrozen(document: unknown): unknown {
  return typeof document === 'object' && document !== null && !Array.isArray(document) ? frozenDocument(structuredClone(document)) : document;
}

/** Whether `document` came from `frozenDocument` (and so cannot have changed since). */
export const isFrozenDocument = (document: unknown): boolean => typeof document === 'object' && document !== null && frozenDocuments.has(document);

/** `document` validated as the simulator validates a policy of its kind, once per distinct document; an invalid one keeps its errors, which the simulator reports. */
export function validated(document: unknown, kind: PolicyKind): unknown {
  if (unremembering > 0) return document;
  const frozen = isFrozenDocument(document) ? (document as object) : undefined;
  const known = frozen && validatedFrozen[kind].get(frozen);
  if (known) return known;
  const key = `${kind}\n${JSON.stringify(document)}`;
  let hit = validatedDocuments.get(key);
  if (hit === undefined) {
    if (validatedDocuments.size >= KEEP) validatedDocuments.clear();
    // A frozen copy: the caller may change its document later, and what is kept here must not change with it.
    validatedDocuments.set(key, (hit = createValidatedPolicy(frozen ?? copyFrozen(document), VALIDATE[kind])));
  }
  if (frozen) validatedFrozen[kind].set(frozen, hit);
  return hit;
}
