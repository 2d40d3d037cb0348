/**
 * The only actions an Allow statement may grant on `Resource: "*"` (F-14). Each is a
 * telemetry call that AWS does not authorise per resource (the service authorisation
 * reference lists no resource type for it), so `*` is the only resource that works;
 * none of them reads or changes payment data.
 *
 * Adding an action here is a security review: say which caller needs it and why the
 * service cannot scope it.
 */
export const TELEMETRY_ACTIONS: Readonly<Record<string, string>> = {
  // X-Ray: Lambda active tracing and the state machine's tracing send segments through
  // the execution role; the sampling calls let the SDK fetch sampling rules.
  'xray:PutTraceSegments': 'X-Ray tracing (Lambda, Step Functions); no resource-level permissions',
  'xray:PutTelemetryRecords': 'X-Ray tracing; no resource-level permissions',
  'xray:GetSamplingRules': 'X-Ray SDK sampling (read-only); no resource-level permissions',
  'xray:GetSamplingTargets': 'X-Ray SDK sampling (read-only); no resource-level permissions',
  // CloudWatch metrics: scope with a cloudwatch:namespace condition instead.
  'cloudwatch:PutMetricData': 'custom metrics; no resource-level permissions (scope with the cloudwatch:namespace condition)',
  // Step Functions (and API Gateway) deliver execution logs through CloudWatch Logs'
  // "vended logs" delivery API, which has no resource-level permissions; AWS documents
  // this exact set for a state machine's role ("IAM policies for logging to CloudWatch Logs").
  'logs:CreateLogDelivery': 'Step Functions execution logging (vended log delivery); no resource-level permissions',
  'logs:GetLogDelivery': 'Step Functions execution logging (read-only); no resource-level permissions',
  'logs:UpdateLogDelivery': 'Step Functions execution logging; no resource-level permissions',
  'logs:DeleteLogDelivery': 'Step Functions execution logging; no resource-level permissions',
  'logs:ListLogDeliveries': 'Step Functions execution logging (read-only); no resource-level permissions',
  'logs:PutResourcePolicy': 'Step Functions execution logging: lets log delivery write to the log group; no resource-level permissions',
  'logs:DescribeResourcePolicies': 'Step Functions execution logging (read-only); no resource-level permissions',
  'logs:DescribeLogGroups': 'Step Functions execution logging (read-only); no resource-level permissions',
};

export function isTelemetryAction(action: string): boolean {
  return Object.keys(TELEMETRY_ACTIONS).some((a) => a.toLowerCase() === action.toLowerCase());
}
