/**
 * Statements every customer-managed key policy starts from. The account root is named
 * only for administration (so IAM can delegate key management and nobody is locked out
 * of the key), never with `kms:*`: use of the key is granted statement by statement,
 * to named principals or through a named service.
 */
import type { ResourcePolicyStatement } from '../core/iam-document';

/** The key-administration actions of AWS's "key administrators" statement; no cryptographic use. */
export const KEY_ADMIN_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
  'kms:ReplicateKey',
] as const;

/** Lets the owning account administer the key (and delegate that through IAM). `*` in a key policy means "this key". */
export function keyAdministration(accountRootArn: string): ResourcePolicyStatement {
  return { Sid: 'AccountAdministersKey', Effect: 'Allow', Principal: { AWS: accountRootArn }, Action: [...KEY_ADMIN_ACTIONS], Resource: '*' };
}
