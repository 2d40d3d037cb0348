import { block, blocks, isTrue, nonEmptyString } from '../tf';
import type { Rule, Violation } from '../types';

/** F-15: tables and every replica are encrypted with a customer-managed key, never the AWS-owned default. */
export const encryptionTableCmk: Rule = {
  id: 'encryption-table-cmk',
  description: 'DynamoDB tables and their replicas are encrypted with a customer-managed KMS key',
  failures: ['F-15'],
  appliesTo: ['aws_dynamodb_table', 'aws_dynamodb_table_replica'],
  fix: 'set server_side_encryption { enabled = true, kms_key_arn = <the workload data key> } on the table and kms_key_arn on every replica (the key replica of that region)',
  check(b) {
    const out: Violation[] = [];
    if (b.type === 'aws_dynamodb_table_replica') {
      if (!nonEmptyString(b.config.kms_key_arn)) out.push({ message: 'table replica has no kms_key_arn (it would use the AWS-owned key)' });
      return out;
    }
    const sse = block(b.config.server_side_encryption);
    if (!sse || !isTrue(sse.enabled) || !nonEmptyString(sse.kms_key_arn)) {
      out.push({ message: 'table is not encrypted with a customer-managed key (server_side_encryption.enabled with kms_key_arn)' });
    }
    for (const replica of blocks(b.config.replica)) {
      if (!nonEmptyString(replica.kms_key_arn)) {
        out.push({ message: `replica in ${String(replica.region_name)} has no kms_key_arn (a replica without the key of its region, F-21)` });
      }
    }
    return out;
  },
};
