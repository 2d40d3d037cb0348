/**
 * An AWS provider that can only ever touch one account (F-19): it assumes a role in
 * that account and pins `allowed_account_ids`, so credentials for any other account
 * make Terraform stop before it reads or writes anything.
 */
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { AwsRegion } from '../../accounts/schema';

export interface PinnedAwsProviderProps {
  readonly accountId: string;
  readonly region: AwsRegion;
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
      alias: props.alias,
      allowedAccountIds: [props.accountId],
      assumeRole: [{ roleArn: props.roleArn, sessionName: props.sessionName.replace(/[^\w+=,.@-]/g, '-').slice(0, 64) }],
      defaultTags: [{ tags: props.tags }],
    });
  }
}
