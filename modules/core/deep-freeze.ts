/**
 * `value` with every object and array in it frozen, for values shared between readers that must
 * not change them (a change then throws instead of changing what the others read). It looks
 * inside objects already frozen too: one frozen by someone else may hold some that are not.
 * For JSON-shaped values (no cycles).
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
  return value;
}
