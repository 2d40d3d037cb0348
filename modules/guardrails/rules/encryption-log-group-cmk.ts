import { nonEmptyString } from '../tf';
import type { Rule } from '../types';

/** F-15: log groups (execution data, access logs) are encrypted with a customer-managed key. */
export const encryptionLogGroupCmk: Rule = {
  id: 'encryption-log-group-cmk',
  description: 'CloudWatch log groups are encrypted with a customer-managed KMS key',
  failures: ['F-15'],
  appliesTo: ['aws_cloudwatch_log_group'],
  fix: 'set kms_key_id to a customer-managed key whose policy lets logs.<region>.amazonaws.com use it (condition kms:EncryptionContext:aws:logs:arn)',
  check(b) {
    return nonEmptyString(b.config.kms_key_id) ? [] : [{ message: 'log group has no kms_key_id' }];
  },
};
