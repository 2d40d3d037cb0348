/** The workload's payment rules, from the function's environment (set by the stack from the manifest). */
import { requireIntEnv, requireListEnv } from './config';
import type { PaymentRules } from '../../contract/payment';

export function rulesFromEnv(): PaymentRules {
  return { currencies: requireListEnv('PAYMENT_CURRENCIES'), maxAmountMinor: requireIntEnv('MAX_AMOUNT_MINOR') };
}
