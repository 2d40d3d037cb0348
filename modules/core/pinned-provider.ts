/**
 * An AWS provider that can only ever touch one account (F-19): it assumes a role in
 * that account and pins `allowed_account_ids`, so credentials for any other account
 * make Terraform stop before it reads or writes anything.
 *
 * A provider for an opt-in region (af-south-1, ap-east-1…) assumes that role through STS in
 * the deployment account's region, not in its own: the caller is a role of the
 * deployment account (CI) or of the management account (an administrator), and STS in a
 * region that must be enabled takes a request only when both the caller's account and the
 * role's have it enabled. Left to its own region, the provider fails at start with
 * InvalidClientTokenId although the workload account has the region enabled. Credentials
 * from a regional STS endpoint are valid in every region the role's account has enabled.
 * Every other provider keeps STS in its own region, as before.
 */
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { AwsRegion } from '../../accounts/schema';
import { isOptInRegion } from '../../accounts/regions';

/**
 * Where STS is asked for the role of a provider in `region` (see above): the deployment region for an opt-in region,
 * undefined (the provider's own region) for any other. `npm run accounts -- preflight` asks STS in the same place.
 */
export function stsRegionOf(region: AwsRegion, deploymentRegion: AwsRegion): AwsRegion | undefined {
  return isOptInRegion(region) && region !== deploymentRegion ? deploymentRegion : undefined;
}

export interface PinnedAwsProviderProps {
  readonly accountId: string;
  readonly region: AwsRegion;
  /** The deployment account's region, where the role is assumed when `region` is an opt-in region (`stsRegionOf`). @default region */
  readonly deploymentRegion?: AwsRegion;
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
      stsRegion: props.deploymentRegion === undefined ? undefined : stsRegionOf(props.region, props.deploymentRegion),
      alias: props.alias,
      allowedAccountIds: [props.accountId],
      assumeRole: [{ roleArn: props.roleArn, sessionName: props.sessionName.replace(/[^\w+=,.@-]/g, '-').slice(0, 64) }],
      defaultTags: [{ tags: props.tags }],
    });
  }
}
