/**
 * A Standard state machine from a typed ASL definition, with its own role, ERROR-level
 * logging into a KMS-encrypted log group (no execution data: it holds payment details)
 * and X-Ray tracing. Grants go through `addToPolicy`.
 */
import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import type { AwsRegion } from '../../accounts/schema';
import type { StateMachineDefinition } from './asl';
import type { Grantee } from '../core/grants';
import { XRAY_WRITE, type PolicyStatement } from '../core/iam-document';
import type { WorkloadNaming } from '../core/naming';
import { ServiceRole } from '../access/service-role';

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
  readonly role: ServiceRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly definition: StateMachineDefinition;
  /** The state machine's ARN from naming (known at synth). */
  readonly literalArn: string;

  constructor(scope: Construct, id: string, props: PaymentStateMachineProps) {
    super(scope, id);
    const n = props.naming;
    this.definition = props.definition;
    this.literalArn = n.stateMachineArn(props.region);
    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: n.logGroup('states'),
      retentionInDays: props.logRetentionDays ?? 365,
      kmsKeyId: props.logKeyArn,
    });
    this.role = new ServiceRole(this, 'execution-role', {
      naming: n,
      roleName: n.role('states', props.region),
      description: `Runs the payment state machine of ${n.prefix} in ${props.region}`,
      // Step Functions documents aws:SourceArn for its execution roles: only this state machine.
      trust: { service: 'states.amazonaws.com', sourceArns: [n.stateMachineArn(props.region)] },
      policyName: 'state-machine',
    });
    this.role.addToPolicy(XRAY_WRITE, {
      // CloudWatch Logs delivery for vended logs accepts no resource-level permissions.
      Sid: 'LogDelivery',
      Effect: 'Allow',
      Action: [
        'logs:CreateLogDelivery',
        'logs:GetLogDelivery',
        'logs:UpdateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:DescribeResourcePolicies',
        'logs:DescribeLogGroups',
      ],
      Resource: '*',
    });
    this.stateMachine = new SfnStateMachine(this, 'state-machine', {
      name: n.stateMachine(),
      type: 'STANDARD',
      roleArn: this.role.arn,
      definition: JSON.stringify(props.definition),
      loggingConfiguration: { logDestination: `${this.logGroup.arn}:*`, includeExecutionData: false, level: 'ERROR' },
      tracingConfiguration: { enabled: true },
      dependsOn: [this.role.policy],
    });
  }

  get arn(): string {
    return this.stateMachine.arn;
  }

  /** Adds statements to the state machine's own policy (grant methods of other constructs call this). */
  addToPolicy(...statements: PolicyStatement[]): void {
    this.role.addToPolicy(...statements);
  }

  /**
   * Lets the grantee start executions. The ARN is the literal one from naming, so a function
   * whose environment names the state machine can be granted before it exists.
   */
  grantStartExecution(grantee: Grantee): void {
    grantee.addToPolicy({ Sid: 'StartWorkflow', Effect: 'Allow', Action: ['states:StartExecution'], Resource: this.literalArn });
  }
}
