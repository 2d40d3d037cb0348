/**
 * An AWS provider that can only ever touch one account (F-19): it assumes a role in
 * that account and pins `allowed_account_ids`, so credentials for any other account
 * make Terraform stop before it reads or writes anything.
 *
 * It assumes that role through STS in `stsRegion` (the deployment account's region), not in
 * its own region: the caller is a role of the deployment account (CI) or of the management
 * account (an administrator), and IAM principals exist only in the regions their own account
 * has enabled. Left to its own region, a provider for an opt-in region (af-south-1,
 * ap-east-1…) that the caller's account has not enabled fails at start with
 * InvalidClientTokenId, though the workload account has the region enabled. Credentials from
 * a regional STS endpoint are valid in every region.
 */
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { AwsRegion } from '../../accounts/schema';

export interface PinnedAwsProviderProps {
  readonly accountId: string;
  readonly region: AwsRegion;
  /** Where the role is assumed: the deployment account's region (see above). */
  readonly stsRegion: AwsRegion;
  /** ARN of the role to assume in `accountId` (may be a Terraform expression). */
  readonly roleArn: string;
  /** Shows in CloudTrail as the session name; letters, digits and =,.@-, at most 64. */
  readonly sessionName: string;
  readonly tags: Record<string, string>;
  /** Set for every provider but a stack's default one. @default undefined (the default provider) */
  readonly alias?: string;
}

export class PinnedAwsProvider extends AwsProvider {
  constructor(scope: Construct, id: string, props: PinnedAwsProviderProps) {
    if (!/^\d{12}$/.test(props.accountId)) throw new Error(`PinnedAwsProvider ${id}: accountId must be 12 digits`);
    super(scope, id, {
      region: props.region,
      stsRegion: props.stsRegion,
      alias: props.alias,
      allowedAccountIds: [props.accountId],
      assumeRole: [{ roleArn: props.roleArn, sessionName: props.sessionName.replace(/[^\w+=,.@-]/g, '-').slice(0, 64) }],
      defaultTags: [{ tags: props.tags }],
    });
  }
}
