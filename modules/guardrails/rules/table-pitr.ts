import { block, blocks, isTrue } from '../tf';
import type { Rule, Violation } from '../types';

/** F-22: tables and replicas keep point-in-time recovery. */
export const tablePitr: Rule = {
  id: 'table-pitr',
  description: 'DynamoDB tables and their replicas have point-in-time recovery enabled',
  failures: ['F-22'],
  appliesTo: ['aws_dynamodb_table', 'aws_dynamodb_table_replica'],
  fix: 'set point_in_time_recovery { enabled = true } on the table and point_in_time_recovery = true on every replica',
  check(b) {
    if (b.type === 'aws_dynamodb_table_replica') {
      return isTrue(b.config.point_in_time_recovery) ? [] : [{ message: 'table replica has no point-in-time recovery' }];
    }
    const out: Violation[] = [];
    if (!isTrue(block(b.config.point_in_time_recovery)?.enabled)) out.push({ message: 'table has no point-in-time recovery' });
    for (const replica of blocks(b.config.replica)) {
      if (!isTrue(replica.point_in_time_recovery)) out.push({ message: `replica in ${String(replica.region_name)} has no point-in-time recovery` });
    }
    return out;
  },
};
