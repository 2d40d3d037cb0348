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
 * `asShipped` runs a simulation without any of this; test/tools/permissions.test.ts compares
 * the answers both ways.
 *
 * And `validated(document, kind)` validates each distinct policy document once: the simulator
 * takes a policy it is given already validated (iam-policy's `createValidatedPolicy`, with the
 * validation it would run itself) instead of validating it again on every request.
 *
 * Imported by every wrapper of the simulator (tools/permissions/simulator.ts,
 * test/support/iam-sim.ts). Test and tool code only, like the simulator itself.
 */
import { dirname, join } from 'node:path';
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

/** Which of the simulator's validations a policy gets: identity policies and permissions boundaries, or a resource policy. */
export type PolicyKind = 'identity' | 'resource';

const VALIDATE = { identity: validateIdentityPolicy, resource: validateResourcePolicy } as const;
const validatedDocuments = new Map<string, ValidatedPolicy>();

/** `document` validated as the simulator validates a policy of its kind, once per distinct document; an invalid one keeps its errors, which the simulator reports. */
export function validated(document: unknown, kind: PolicyKind): unknown {
  if (unremembering > 0) return document;
  const key = `${kind}\n${JSON.stringify(document)}`;
  let hit = validatedDocuments.get(key);
  if (hit === undefined) {
    if (validatedDocuments.size >= KEEP) validatedDocuments.clear();
    validatedDocuments.set(key, (hit = createValidatedPolicy(document, VALIDATE[kind])));
  }
  return hit;
}
