/**
 * Typed IAM policy documents rendered as literal JSON strings (never policy-document data
 * sources). `LazyPolicy` lets grants add statements after construction; it renders once, at synth.
 */
import { Lazy } from 'cdktf';
import { jsonText, resolveReferences } from './json-text';

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

/** A policy document of these statements. */
export function policy(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/** The same, as the JSON string a Terraform policy argument takes. */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  return jsonText(policy(...statements));
}

/**
 * The statements of one identity policy, rendered once at synth. Grants of several resources
 * often share a statement (every grant that touches the data key adds to `DataKey`): a
 * statement whose Sid is already present is merged into it, never duplicated, and only where
 * the union grants nothing more than the two statements did — the same resources (actions
 * are united) or the same actions (resources are united), with the same effect and conditions.
 */
export class LazyPolicy {
  private readonly statements: PolicyStatement[] = [];
  add(...statements: PolicyStatement[]): void {
    for (const s of statements) {
      const at = s.Sid === undefined ? -1 : this.statements.findIndex((t) => t.Sid === s.Sid);
      if (at < 0) this.statements.push(s);
      else this.statements[at] = mergeStatements(this.statements[at]!, s);
    }
  }
  /** The policy as it stands now. */
  render(): string {
    return policyDocument(this.statements);
  }
  /** The policy rendered at synth, after every grant. */
  get json(): string {
    return Lazy.stringValue({ produce: (context) => resolveReferences(this.render(), context) });
  }
}

const asList = (v: string | readonly string[] | undefined): string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : [...v]);
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
const union = (a: readonly string[], b: readonly string[]) => [...a, ...b.filter((x) => !a.includes(x))];

/** Two statements with one Sid as one, if that grants exactly what both did; otherwise an error naming the Sid. */
export function mergeStatements(a: PolicyStatement, b: PolicyStatement): PolicyStatement {
  const sameFrame = a.Effect === b.Effect && JSON.stringify(a.Principal) === JSON.stringify(b.Principal) && JSON.stringify(a.Condition) === JSON.stringify(b.Condition);
  const [aa, ba, ar, br] = [asList(a.Action), asList(b.Action), asList(a.Resource), asList(b.Resource)];
  if (sameFrame && sameSet(ar, br)) return { ...a, Action: union(aa, ba) };
  if (sameFrame && sameSet(aa, ba)) return { ...a, Resource: union(ar, br) };
  throw new Error(`policy statement ${a.Sid}: added twice with different actions, resources or conditions; give the second its own Sid`);
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

/**
 * What AWS documents for API Gateway's account-level CloudWatch role (the actions of the
 * AmazonAPIGatewayPushToCloudWatchLogs policy): its guide says the role must "read and write"
 * logs, and a role without the two reads is reported to fail API Gateway's check when the role
 * is set, which would stop the first apply. So the reads stay, scoped to the region's log groups.
 */
export const API_GATEWAY_LOG_WRITES = [
  'logs:CreateLogGroup',
  'logs:CreateLogStream',
  'logs:DescribeLogGroups',
  'logs:DescribeLogStreams',
  'logs:PutLogEvents',
  'logs:GetLogEvents',
  'logs:FilterLogEvents',
] as const;
