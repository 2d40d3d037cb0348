import { blocks, isTrue } from '../tf';
import type { Rule, StackView, Violation } from '../types';

/**
 * Environments whose data must survive a mistaken `terraform destroy`: prod, and the
 * organisation's shared accounts (Terraform state, log archive), which hold prod's
 * state and archives. An unknown environment counts as protected (fail safe).
 */
export const PROTECTED_ENVIRONMENTS = ['prod', 'shared'] as const;

export function isProtected(stack: StackView): boolean {
  return stack.environment === undefined || (PROTECTED_ENVIRONMENTS as readonly string[]).includes(stack.environment);
}

/** F-22: in prod, tables refuse deletion, buckets refuse force-destroy, keys wait the full 30 days. */
export const prodDeletionProtection: Rule = {
  id: 'prod-deletion-protection',
  description: 'In prod and shared accounts, tables have deletion protection, buckets are not force_destroy, keys wait 30 days before deletion',
  failures: ['F-22'],
  appliesTo: ['aws_dynamodb_table', 'aws_dynamodb_table_replica', 'aws_s3_bucket', 'aws_kms_key', 'aws_kms_replica_key'],
  fix: 'tables and replicas: deletion_protection_enabled = true; buckets: drop force_destroy; keys: deletion_window_in_days = 30 (or leave it unset)',
  check(b, stack) {
    if (!isProtected(stack)) return [];
    const out: Violation[] = [];
    const env = stack.environment ?? 'unknown';
    switch (b.type) {
      case 'aws_dynamodb_table':
        if (!isTrue(b.config.deletion_protection_enabled)) out.push({ message: `table in a ${env} stack has no deletion protection` });
        for (const replica of blocks(b.config.replica)) {
          if (!isTrue(replica.deletion_protection_enabled)) out.push({ message: `replica in ${String(replica.region_name)} (${env}) has no deletion protection` });
        }
        break;
      case 'aws_dynamodb_table_replica':
        if (!isTrue(b.config.deletion_protection_enabled)) out.push({ message: `table replica in a ${env} stack has no deletion protection` });
        break;
      case 'aws_s3_bucket':
        if (isTrue(b.config.force_destroy)) out.push({ message: `bucket in a ${env} stack sets force_destroy (destroy would delete every object)` });
        break;
      default: {
        const days = b.config.deletion_window_in_days;
        if (days !== undefined && Number(days) < 30) out.push({ message: `key in a ${env} stack is deleted after ${String(days)} days (< 30)` });
      }
    }
    return out;
  },
};
