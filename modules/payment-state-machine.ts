/**
 * A Standard state machine from a typed ASL definition, with its own role, ERROR-level
 * logging into a KMS-encrypted log group (no execution data: it holds payment details)
 * and X-Ray tracing. Grants go through `addToRolePolicy`.
 */
import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import type { AwsRegion } from '../accounts/schema';
import type { StateMachineDefinition } from './asl';
import { LazyPolicy, serviceTrust, XRAY_WRITE, type PolicyStatement } from './iam-document';
import type { WorkloadNaming } from './naming';

export interface PaymentStateMachineProps {
  readonly naming: WorkloadNaming;
  readonly region: AwsRegion;
  readonly definition: StateMachineDefinition;
  readonly logKeyArn: string;
  /** @default 365 */
  readonly logRetentionDays?: number;
}

export class PaymentStateMachine extends Construct {
  readonly stateMachine: SfnStateMachine;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly definition: StateMachineDefinition;
  private readonly policy = new LazyPolicy();

  constructor(scope: Construct, id: string, props: PaymentStateMachineProps) {
    super(scope, id);
    const n = props.naming;
    this.definition = props.definition;
    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: n.logGroup('states'),
      retentionInDays: props.logRetentionDays ?? 365,
      kmsKeyId: props.logKeyArn,
    });
    this.role = new IamRole(this, 'role', {
      name: n.role('states', props.region),
      assumeRolePolicy: serviceTrust('states.amazonaws.com', n.accountId),
      description: `Runs the payment state machine of ${n.prefix} in ${props.region}`,
    });
    this.policy.add(
      XRAY_WRITE,
      {
        // CloudWatch Logs delivery for vended logs accepts no resource-level permissions.
        Sid: 'LogDelivery',
        Effect: 'Allow',
        Action: ['logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'],
        Resource: '*',
      },
    );
    const policy = new IamRolePolicy(this, 'policy', { role: this.role.name, name: 'state-machine', policy: this.policy.json });
    this.stateMachine = new SfnStateMachine(this, 'state-machine', {
      name: n.stateMachine(),
      type: 'STANDARD',
      roleArn: this.role.arn,
      definition: JSON.stringify(props.definition),
      loggingConfiguration: { logDestination: `${this.logGroup.arn}:*`, includeExecutionData: false, level: 'ERROR' },
      tracingConfiguration: { enabled: true },
      dependsOn: [policy],
    });
  }

  get arn(): string {
    return this.stateMachine.arn;
  }

  addToRolePolicy(statement: PolicyStatement): void {
    this.policy.add(statement);
  }
}
