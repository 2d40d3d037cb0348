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

/** A module of the package `pkg`, by its path inside the package's CommonJS build (the folder of its `main`). */
function moduleOf<T>(pkg: string, file: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the same module object the package's own code calls through
  return require(join(dirname(require.resolve(pkg)), file)) as T;
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

/** `fn` remembering its answer for each key `keyOf` makes of its arguments. */
function remembering<A extends unknown[], R>(fn: (...args: A) => R, keyOf: (...args: A) => string, copy: (r: R) => R): Remembering<(...args: A) => R> {
  const known = new Map<string, R>();
  const wrapped: Remembering<(...args: A) => R> = (...args: A) => {
    if (unremembering > 0) return fn(...args);
    const key = keyOf(...args);
    let hit = known.get(key);
    if (hit === undefined) {
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
 * What of an ARN its resource type depends on. Resource type patterns match an ARN one
 * colon-separated part at a time, and give the region and account parts as a variable
 * (`${Region}`, `${Account}`: one or more characters without a separator), as nothing, or as
 * `*`. So an ARN with another region or account in those parts has the same types, as long
 * as the part stays non-empty and free of wildcards: such a part stands for any. The same few
 * resources in a hundred accounts are then asked about once.
 */
function typeKey(resource: string): string {
  const parts = resource.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return resource;
  if (/^[a-z0-9-]+$/.test(parts[3]!)) parts[3] = '<region>';
  if (/^[0-9]{12}$/.test(parts[4]!)) parts[4] = '<account>';
  return parts.join(':');
}

// Once per module object (a test runner may load this file again in the same registry).
if (resourceTypes.mostSpecificMatchingResourceTypePatterns === ORIGINALS.mostSpecificMatchingResourceTypePatterns) {
  resourceTypes.mostSpecificMatchingResourceTypePatterns = remembering(
    ORIGINALS.mostSpecificMatchingResourceTypePatterns,
    (resource, patterns) => `${typeKey(resource)}\n${patterns.join('\n')}`,
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
