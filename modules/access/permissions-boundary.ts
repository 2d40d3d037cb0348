/**
 * The deploy role's permissions boundary in one account (F-14): a customer-managed
 * policy named by `naming.boundaryPolicyName()`. The deploy role carries it, and the
 * deploy role may create or change a role only if that role carries it too
 * (`iam:PermissionsBoundary` condition), so nothing a deploy creates can exceed it.
 * The document itself is `boundaryPolicy` in access-policies.ts.
 */
import { Construct } from 'constructs';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { boundaryPolicy } from './access-policies';
import type { Naming } from '../core/naming';

/** IAM's limit on a managed policy document (characters, whitespace excluded). */
export const MANAGED_POLICY_MAX_CHARS = 6144;

export interface PermissionsBoundaryProps {
  readonly naming: Naming;
  /** The account the boundary lives in (and the only account its statements name). */
  readonly accountId: string;
}

export class PermissionsBoundary extends Construct {
  readonly policy: IamPolicy;
  /** Literal ARN (known at synth), for conditions and tests. */
  readonly arn: string;
  readonly document: string;

  constructor(scope: Construct, id: string, props: PermissionsBoundaryProps) {
    super(scope, id);
    if (!/^\d{12}$/.test(props.accountId)) throw new Error(`PermissionsBoundary ${id}: accountId must be 12 digits, got ${props.accountId}`);
    this.document = JSON.stringify(boundaryPolicy(props.naming, props.accountId));
    if (this.document.length > MANAGED_POLICY_MAX_CHARS) {
      throw new Error(
        `PermissionsBoundary ${id}: the boundary is ${this.document.length} characters; IAM allows ${MANAGED_POLICY_MAX_CHARS}. Shorten the project name or the service list in modules/access/access-policies.ts.`,
      );
    }
    this.arn = props.naming.boundaryPolicyArn(props.accountId);
    this.policy = new IamPolicy(this, 'policy', {
      name: props.naming.boundaryPolicyName(),
      description: 'Cap on the deploy role and on every role it creates; denies editing the access roles and this policy.',
      policy: this.document,
    });
  }
}
