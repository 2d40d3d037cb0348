/**
 * `log-archive-<region>`: the log-archive account's bucket and key that receive the
 * workloads' replicated settlement archives.
 */
import { Construct } from 'constructs';
import { AccountStack, type AccountStackProps } from './account-stack';

export class LogArchiveStack extends AccountStack {
  constructor(scope: Construct, props: AccountStackProps) {
    super(scope, props);
  }
}
