/**
 * A role that principals of other accounts assume (F-14): every trusted principal is a
 * role ARN or an account root, never `*`; every statement carries `aws:PrincipalOrgID`,
 * so no principal outside the organisation can ever use it, and an account-root
 * principal additionally needs an external id (a root principal delegates to every
 * identity of that account, so it is the one place a mis-set trust could reach far).
 * Permissions are inline literal JSON policies; an optional permissions boundary caps them.
 */
import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import type { PolicyDocument, PolicyStatement } from '../core/iam-document';
import { checkName } from '../core/naming';
import type { PermissionsBoundary } from './permissions-boundary';
import { jsonText } from '../core/json-text';

export interface CrossAccountRoleProps {
  /** Role name, from the naming module. */
  readonly roleName: string;
  readonly description: string;
  /** Role ARNs or account roots (`arn:aws:iam::<id>:root`) that may assume the role. */
  readonly trustedPrincipals: readonly string[];
  /** Every trusting statement requires the caller to belong to this organisation. */
  readonly organizationId: string;
  /** Required when a principal is an account root. @default none */
  readonly externalId?: string;
  /** Inline policies by stable name. */
  readonly policies: Record<string, PolicyDocument>;
  /** @default none */
  readonly permissionsBoundary?: PermissionsBoundary;
  /** @default 3600 — seconds; a long apply of many stacks may need up to 4 hours */
  readonly maxSessionDuration?: number;
  /** Resources that must exist before the trust policy names them (IAM rejects unknown principals). @default [] */
  readonly dependsOn?: ITerraformDependable[];
}

export class CrossAccountRole extends Construct {
  readonly role: IamRole;
  readonly trustPolicy: PolicyDocument;

  constructor(scope: Construct, id: string, props: CrossAccountRoleProps) {
    super(scope, id);
    checkName('iamRole', props.roleName);
    if (props.trustedPrincipals.length === 0) throw new Error(`CrossAccountRole ${id}: name at least one trusted principal`);
    for (const p of props.trustedPrincipals) {
      if (!/^arn:aws:iam::\d{12}:(root|role\/[\w+=,.@/-]+)$/.test(p)) {
        throw new Error(`CrossAccountRole ${id}: trusted principal ${JSON.stringify(p)} must be a role ARN or an account root (arn:aws:iam::<12 digits>:root); wildcards are not allowed`);
      }
      if (p.endsWith(':root') && props.externalId === undefined) {
        throw new Error(`CrossAccountRole ${id}: trusting the account root ${p} needs an externalId`);
      }
    }
    if (!/^o-[a-z0-9]{10,32}$/.test(props.organizationId)) throw new Error(`CrossAccountRole ${id}: organizationId must be an o-… id`);
    const maxSession = props.maxSessionDuration ?? 3600;
    if (maxSession < 3600 || maxSession > 43200) throw new Error(`CrossAccountRole ${id}: maxSessionDuration must be 3600..43200 seconds`);

    const condition: PolicyStatement['Condition'] = {
      StringEquals: {
        'aws:PrincipalOrgID': props.organizationId,
        ...(props.externalId !== undefined ? { 'sts:ExternalId': props.externalId } : {}),
      },
    };
    this.trustPolicy = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'TrustedInOrganization', Effect: 'Allow', Principal: { AWS: [...props.trustedPrincipals] }, Action: 'sts:AssumeRole', Condition: condition }],
    };
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: jsonText(this.trustPolicy),
      maxSessionDuration: maxSession,
      permissionsBoundary: props.permissionsBoundary?.policy.arn,
      dependsOn: props.dependsOn,
    });
    for (const [name, doc] of Object.entries(props.policies)) {
      new IamRolePolicy(this, name, { name, role: this.role.name, policy: jsonText(doc) });
    }
  }
}
