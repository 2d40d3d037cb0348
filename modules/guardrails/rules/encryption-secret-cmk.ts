import { nonEmptyString } from '../tf';
import type { Rule } from '../types';

/** F-15: secrets are encrypted with a customer-managed key, not the AWS-managed aws/secretsmanager key. */
export const encryptionSecretCmk: Rule = {
  id: 'encryption-secret-cmk',
  description: 'Secrets Manager secrets are encrypted with a customer-managed KMS key',
  failures: ['F-15'],
  appliesTo: ['aws_secretsmanager_secret'],
  fix: 'set kms_key_id to the workload data key (its policy lets Secrets Manager use it through kms:ViaService)',
  check(b) {
    const key = b.config.kms_key_id;
    if (!nonEmptyString(key)) return [{ message: 'secret has no kms_key_id (it would use the AWS-managed aws/secretsmanager key)' }];
    if (key.startsWith('alias/aws/')) return [{ message: `secret uses the AWS-managed key ${key}` }];
    return [];
  },
};
