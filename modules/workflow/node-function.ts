/**
 * A Node.js Lambda function of this project: the esbuild bundle of `lambdas/<handler>`
 * (deterministic zip, F-26), runtime nodejs22.x, X-Ray tracing Active, JSON logs into its
 * own KMS-encrypted log group, and its own role whose policy holds only what grants add
 * (plus writing its own logs and traces).
 */
import { Construct } from 'constructs';
import { AssetType, TerraformAsset } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import type { AwsRegion } from '../../accounts/schema';
import { bundleHandler, type HandlerName, type LambdaBundle } from './lambda-bundle';
import type { Grantee } from '../core/grants';
import { XRAY_WRITE, type PolicyStatement } from '../core/iam-document';
import type { FunctionPurpose, WorkloadNaming } from '../core/naming';
import { ServiceRole } from '../access/service-role';

export interface NodeFunctionProps {
  readonly naming: WorkloadNaming;
  readonly region: AwsRegion;
  readonly purpose: FunctionPurpose & HandlerName;
  /** KMS key ARN for the log group (F-15). */
  readonly logKeyArn: string;
  /** @default {} */
  readonly environment?: Record<string, string>;
  /** @default 10 — seconds; at most 29 for a function behind API Gateway (F-17) */
  readonly timeoutSeconds?: number;
  /** @default 256 — MB */
  readonly memorySize?: number;
  /** @default 365 — days of logs */
  readonly logRetentionDays?: number;
}

export class NodeFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: ServiceRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly bundle: LambdaBundle;
  readonly timeoutSeconds: number;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    this.timeoutSeconds = props.timeoutSeconds ?? 10;
    if (!Number.isInteger(this.timeoutSeconds) || this.timeoutSeconds < 1 || this.timeoutSeconds > 900) {
      throw new Error(`NodeFunction ${props.purpose}: timeoutSeconds must be an integer from 1 to 900, got ${this.timeoutSeconds}`);
    }
    const n = props.naming;
    this.bundle = bundleHandler(props.purpose);
    const asset = new TerraformAsset(this, 'code', { path: this.bundle.zipPath, type: AssetType.FILE, assetHash: this.bundle.assetHash });

    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: n.logGroup('lambda', props.purpose),
      retentionInDays: props.logRetentionDays ?? 365,
      kmsKeyId: props.logKeyArn,
    });
    this.role = new ServiceRole(this, 'execution-role', {
      naming: n,
      roleName: n.role(props.purpose, props.region),
      description: `Runs the ${props.purpose} function of ${n.prefix} in ${props.region}`,
      trust: { service: 'lambda.amazonaws.com' },
      policyName: 'function',
    });
    this.role.addToPolicy({ Sid: 'OwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${this.logGroup.arn}:*` }, XRAY_WRITE);

    this.function = new LambdaFunction(this, 'function', {
      functionName: n.function(props.purpose),
      role: this.role.arn,
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      filename: asset.path,
      sourceCodeHash: this.bundle.sha256,
      timeout: this.timeoutSeconds,
      memorySize: props.memorySize ?? 256,
      tracingConfig: { mode: 'Active' },
      loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name },
      environment: { variables: { ...props.environment } },
      dependsOn: [this.logGroup],
    });
  }

  get arn(): string {
    return this.function.arn;
  }

  get invokeArn(): string {
    return this.function.invokeArn;
  }

  /** Adds statements to the function's own policy (grant methods of other constructs call this). */
  addToPolicy(...statements: PolicyStatement[]): void {
    this.role.addToPolicy(...statements);
  }

  /** Lets the grantee invoke this function (the statement is shared by every function it may invoke). */
  grantInvoke(grantee: Grantee): void {
    grantee.addToPolicy({ Sid: 'InvokeFunctions', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: this.arn });
  }
}
