/**
 * A role that an AWS service assumes for one component of a workload (a function, the state
 * machine, API Gateway's logging, S3 replication), created by the deploy role.
 *
 * The deploy role may create a role only if it carries the account's permissions boundary
 * (the `iam:PermissionsBoundary` condition in the deploy policy), so every such role carries
 * it; building them all here means no construct can forget it. What the role may do is the
 * intersection of its own policy (statements added with `addToPolicy`, rendered once at
 * synth) and the boundary, which therefore also names what these roles do at run time.
 *
 * The trust names one service. `aws:SourceAccount` / `aws:SourceArn` are added only for the
 * services whose documentation says they send those keys when assuming a role (Step
 * Functions, S3 replication); for others (Lambda, API Gateway) a condition on a key the
 * service does not send would make the role impossible to assume.
 */
import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LazyPolicy, policyDocument, type PolicyStatement } from '../core/iam-document';
import { checkName, type WorkloadNaming } from '../core/naming';

/** Services that document sending `aws:SourceAccount`/`aws:SourceArn` when they assume a role. */
export type ConfusedDeputyAwareService = 'states.amazonaws.com' | 's3.amazonaws.com';
/** Services that assume the role without those keys. */
export type PlainService = 'lambda.amazonaws.com' | 'apigateway.amazonaws.com';

export type ServiceTrust =
  | { readonly service: PlainService }
  | {
      readonly service: ConfusedDeputyAwareService;
      /** Resources on whose behalf the service may assume the role (`aws:SourceArn`, ArnLike). @default any of this account */
      readonly sourceArns?: readonly string[];
    };

export interface ServiceRoleProps {
  readonly naming: WorkloadNaming;
  /** The role's name, from the naming module. */
  readonly roleName: string;
  readonly description: string;
  readonly trust: ServiceTrust;
  /** @default "policy" — the inline policy's name */
  readonly policyName?: string;
}

export class ServiceRole extends Construct {
  readonly role: IamRole;
  readonly policy: IamRolePolicy;
  /** The boundary's ARN (literal, known at synth). */
  readonly boundaryArn: string;
  private readonly statements = new LazyPolicy();

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    checkName('iamRole', props.roleName);
    const account = props.naming.accountId;
    this.boundaryArn = props.naming.naming.boundaryPolicyArn(account);
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: policyDocument([trustStatement(props.trust, account)]),
      permissionsBoundary: this.boundaryArn,
    });
    this.policy = new IamRolePolicy(this, 'policy', { role: this.role.name, name: props.policyName ?? 'policy', policy: this.statements.json });
  }

  get arn(): string {
    return this.role.arn;
  }

  get name(): string {
    return this.role.name;
  }

  addToPolicy(...statements: PolicyStatement[]): void {
    this.statements.add(...statements);
  }
}

function trustStatement(trust: ServiceTrust, account: string): PolicyStatement {
  const base = { Sid: 'ServiceAssumesRole', Effect: 'Allow' as const, Principal: { Service: trust.service }, Action: 'sts:AssumeRole' };
  if (trust.service === 'lambda.amazonaws.com' || trust.service === 'apigateway.amazonaws.com') return base;
  const sourceArns = 'sourceArns' in trust ? trust.sourceArns : undefined;
  return {
    ...base,
    Condition: {
      StringEquals: { 'aws:SourceAccount': account },
      ...(sourceArns && sourceArns.length > 0 ? { ArnLike: { 'aws:SourceArn': [...sourceArns] } } : {}),
    },
  };
}
