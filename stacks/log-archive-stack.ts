/**
 * `log-archive-<region>`: the log-archive account's bucket and key that receive the
 * workloads' replicated settlement archives.
 */
import { Construct } from 'constructs';
import { AccessRoles } from '../modules/access/access-roles';
import { LogArchive } from '../modules/data/log-archive';
import { AccountStack, type AccountStackProps } from './account-stack';

export class LogArchiveStack extends AccountStack {
  constructor(scope: Construct, props: AccountStackProps) {
    super(scope, props);
    new AccessRoles(this, 'access-roles', { manifest: this.manifest, accountId: this.spec.accountId }); // the deploy, plan and audit roles every stack of this account assumes; applied with access_role=bootstrap
    new LogArchive(this, 'archive', { manifest: this.manifest });
  }
}
