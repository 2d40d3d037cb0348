/**
 * Typed IAM policy documents rendered as literal JSON strings (never policy-document data
 * sources). `LazyPolicy` lets grants add statements after construction; it renders once, at synth.
 */
import { Lazy } from 'cdktf';

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  /** Resource policies and trust policies only. */
  readonly Principal?: '*' | Record<string, string | readonly string[]>;
  readonly Action: string | readonly string[];
  /** Absent only in trust policies. */
  readonly Resource?: string | readonly string[];
  readonly Condition?: Record<string, Record<string, string | boolean | readonly string[]>>;
}

/** A statement of a resource policy (key, bucket): named, with its principals and resources. */
export interface ResourcePolicyStatement extends PolicyStatement {
  readonly Sid: string;
  readonly Principal: '*' | Record<string, string | readonly string[]>;
  readonly Resource: string | readonly string[];
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

export class LazyPolicy {
  private readonly statements: PolicyStatement[] = [];
  add(...statements: PolicyStatement[]): void {
    this.statements.push(...statements);
  }
  get json(): string {
    return Lazy.stringValue({ produce: () => policyDocument(this.statements) });
  }
}

/**
 * What a traced component needs of X-Ray: the actions of AWS's AWSXRayDaemonWriteAccess
 * policy that send traces and read sampling decisions. Step Functions asks for the sampling
 * rules and targets itself when tracing is on. X-Ray accepts no resource-level permissions
 * for these, so they need `*` (telemetry only, no data).
 */
export const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'] as const;
export const XRAY_WRITE: PolicyStatement = {
  Sid: 'XRayTelemetry',
  Effect: 'Allow',
  Action: [...XRAY_ACTIONS],
  Resource: '*',
};
