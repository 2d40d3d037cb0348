/**
 * Money is an integer number of minor units plus an ISO 4217 code, end to end (F-07):
 * never a float, never a string with a decimal point. `1250` USD is 12.50 USD.
 */
import { ISO_4217, isCurrencyCode, type CurrencyCode } from './currencies';

export type { CurrencyCode };
export { isCurrencyCode };

export interface Money {
  /** Integer minor units (cents for USD, yen for JPY). */
  readonly amountMinor: number;
  readonly currency: CurrencyCode;
}

/** True for a safe, positive integer: the only shape an amount may take. */
export function isMinorAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** `formatMoney({amountMinor: 1250, currency: 'USD'})` → `"12.50 USD"` — for people, never for storage. */
export function formatMoney(m: Money): string {
  const digits = ISO_4217[m.currency];
  if (digits === 0) return `${m.amountMinor} ${m.currency}`;
  const s = String(m.amountMinor).padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)} ${m.currency}`;
}
