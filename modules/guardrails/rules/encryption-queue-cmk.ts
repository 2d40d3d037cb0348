import { nonEmptyString } from '../tf';
import type { Rule } from '../types';

/** F-15: queues (the dead-letter queue holds payment data) use a customer-managed key, not SQS-managed SSE. */
export const encryptionQueueCmk: Rule = {
  id: 'encryption-queue-cmk',
  description: 'SQS queues are encrypted with a customer-managed KMS key',
  failures: ['F-15'],
  appliesTo: ['aws_sqs_queue'],
  fix: 'set kms_master_key_id to a customer-managed key (sqs_managed_sse_enabled is not customer-managed)',
  check(b) {
    const key = b.config.kms_master_key_id;
    if (!nonEmptyString(key)) return [{ message: 'queue has no kms_master_key_id (no customer-managed key)' }];
    if (key.startsWith('alias/aws/')) return [{ message: `queue uses the AWS-managed key ${key}` }];
    return [];
  },
};
