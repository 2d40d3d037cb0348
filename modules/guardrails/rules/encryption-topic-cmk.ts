import { nonEmptyString } from '../tf';
import type { Rule } from '../types';

/** F-15: topics use a customer-managed key; the AWS-managed alias/aws/sns cannot grant CloudWatch or other accounts. */
export const encryptionTopicCmk: Rule = {
  id: 'encryption-topic-cmk',
  description: 'SNS topics are encrypted with a customer-managed KMS key',
  failures: ['F-15', 'F-24'],
  appliesTo: ['aws_sns_topic'],
  fix: 'set kms_master_key_id to a customer-managed key whose policy lets the publishing services (e.g. cloudwatch.amazonaws.com) use it',
  check(b) {
    const key = b.config.kms_master_key_id;
    if (!nonEmptyString(key)) return [{ message: 'topic has no kms_master_key_id (messages are not encrypted with a customer-managed key)' }];
    if (key.startsWith('alias/aws/')) return [{ message: `topic uses the AWS-managed key ${key}, whose policy cannot be changed to let CloudWatch publish` }];
    return [];
  },
};
