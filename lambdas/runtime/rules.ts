/** The workload's payment rules, from the function's environment (set by the stack from the manifest). */
import { ConfigurationError } from '../../contract/errors';
import { isMinorAmount } from '../../contract/money';
import type { PaymentRules } from '../../contract/payment';
import { requireEnv, requireListEnv } from './config';

/** The limits of one currency, in its minor units. */
export interface CurrencyLimits {
  readonly maxAmountMinor: number;
  readonly fraudReviewThresholdMinor: number;
}

/**
 * PAYMENT_LIMITS: JSON `{ "<currency>": { "maxAmountMinor": n, "fraudReviewThresholdMinor": n } }`
 * with an entry for every currency of PAYMENT_CURRENCIES (the stack resolves the manifest's
 * defaults). A missing or malformed entry fails the cold start, naming it.
 */
export function limitsFromEnv(): Readonly<Record<string, CurrencyLimits>> {
  const currencies = requireListEnv('PAYMENT_CURRENCIES');
  let parsed: unknown;
  try {
    parsed = JSON.parse(requireEnv('PAYMENT_LIMITS'));
  } catch {
    throw new ConfigurationError('environment variable PAYMENT_LIMITS must be JSON');
  }
  const limits: Record<string, CurrencyLimits> = {};
  for (const c of currencies) {
    const entry = (parsed as Record<string, Partial<CurrencyLimits>> | null)?.[c];
    if (!isMinorAmount(entry?.maxAmountMinor) || !isMinorAmount(entry?.fraudReviewThresholdMinor)) {
      throw new ConfigurationError(`environment variable PAYMENT_LIMITS has no valid limits for ${c} (maxAmountMinor and fraudReviewThresholdMinor, positive integers)`);
    }
    limits[c] = { maxAmountMinor: entry.maxAmountMinor, fraudReviewThresholdMinor: entry.fraudReviewThresholdMinor };
  }
  return limits;
}

export function rulesFromEnv(): PaymentRules {
  const limits = limitsFromEnv();
  const byCurrency = Object.fromEntries(Object.entries(limits).map(([c, l]) => [c, l.maxAmountMinor]));
  return { currencies: Object.keys(limits), maxAmountMinor: Math.max(...Object.values(byCurrency)), maxAmountMinorByCurrency: byCurrency };
}
