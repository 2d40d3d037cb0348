import { isTrue } from '../tf';
import type { Rule } from '../types';

/** F-15: symmetric customer-managed keys rotate their material yearly (replica keys follow their primary). */
export const kmsKeyRotation: Rule = {
  id: 'kms-key-rotation',
  description: 'Symmetric KMS keys have automatic rotation enabled',
  failures: ['F-15'],
  appliesTo: ['aws_kms_key'],
  fix: 'set enable_key_rotation = true (multi-region replica keys inherit it from the primary)',
  check(b) {
    const spec = b.config.customer_master_key_spec ?? 'SYMMETRIC_DEFAULT';
    const usage = b.config.key_usage ?? 'ENCRYPT_DECRYPT';
    if (spec !== 'SYMMETRIC_DEFAULT' || usage !== 'ENCRYPT_DECRYPT') return [];
    return isTrue(b.config.enable_key_rotation) ? [] : [{ message: 'symmetric key does not rotate (enable_key_rotation is not true)' }];
  },
};
