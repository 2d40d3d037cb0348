/**
 * A Standard state machine from a typed ASL definition, with its own role, ERROR-level
 * logging into a KMS-encrypted log group (no execution data: it holds payment details)
 * and X-Ray tracing. Grants go through `addToPolicy`.
 *
 * Its definition and execution data (inputs, outputs and history, kept 90 days) are
 * encrypted with the workload's data key, not only an AWS-owned key (Step Functions' "data at
 * rest encryption"): Step Functions uses the key with the execution role's permissions,
 * under the encryption context `aws:states:stateMachineArn` (the role's own grant for it names
 * that context; its other grants use the same key for the table, topic and archive), and
 * whoever creates, updates or describes the state machine uses it
 * through Step Functions too (the deploy and plan roles: modules/access/access-policies.ts),
 * and the key policy lets this account's principals use it through Step Functions
 * (modules/data/data-key.ts).
 */
import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import type { AwsRegion } from '../../accounts/schema';
import type { StateMachineDefinition } from './asl';
import type { Grantee } from '../core/grants';
import { XRAY_WRITE, type PolicyStatement } from '../core/iam-document';
import { jsonText } from '../core/json-text';
import type { WorkloadNaming } from '../core/naming';
import { ServiceRole } from '../access/service-role';

export interface PaymentStateMachineProps {
  readonly naming: WorkloadNaming;
  readonly region: AwsRegion;
  readonly definition: StateMachineDefinition;
  readonly logKeyArn: string;
  /** The key that encrypts the definition and the execution data (the workload's data key). */
  readonly dataKeyArn: string;
  /** @default 300 — seconds Step Functions reuses a data key before it asks KMS for a new one (60..900) */
  readonly dataKeyReuseSeconds?: number;
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
    // The execution data key, for this state machine only (its ARN is the encryption context).
    this.role.addToPolicy({
      Sid: 'ExecutionDataKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: props.dataKeyArn,
      Condition: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': this.literalArn } },
    });
    // With a customer managed key, log delivery of an encrypted state machine asks for a data key
    // under the log destination's context (as aws-cdk's CustomerManagedEncryptionConfiguration grants it).
    this.role.addToPolicy({
      Sid: 'LogDeliveryDataKey',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey'],
      Resource: props.dataKeyArn,
      Condition: { ArnLike: { 'kms:EncryptionContext:SourceArn': `arn:aws:logs:${props.region}:${n.accountId}:*` } },
    });
    const reuse = props.dataKeyReuseSeconds ?? 300;
    if (!Number.isInteger(reuse) || reuse < 60 || reuse > 900) throw new Error(`PaymentStateMachine: dataKeyReuseSeconds must be a whole number from 60 to 900, got ${reuse}`);
    this.stateMachine = new SfnStateMachine(this, 'state-machine', {
      name: n.stateMachine(),
      type: 'STANDARD',
      roleArn: this.role.arn,
      definition: jsonText(props.definition),
      loggingConfiguration: { logDestination: `${this.logGroup.arn}:*`, includeExecutionData: false, level: 'ERROR' },
      tracingConfiguration: { enabled: true },
      encryptionConfiguration: { type: 'CUSTOMER_MANAGED_KMS_KEY', kmsKeyId: props.dataKeyArn, kmsDataKeyReusePeriodSeconds: reuse },
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
