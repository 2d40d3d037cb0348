/**
 * A thin, typed wrapper around @cloud-copilot/iam-simulate (AGPL: test-only, never
 * imported from code that is deployed or bundled).
 *
 * Every simulated request gives its context keys explicitly (aws:SecureTransport,
 * kms:ViaService, aws:PrincipalOrgID, …): the simulator does not invent them, and a
 * test that forgets one tests nothing (F-25).
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

export type PolicyDocument = { Version?: string; Statement: unknown[] | unknown };
export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface SimRequest {
  /** ARN of the calling principal (role ARN, account root, service principal ARN). */
  readonly principal: string;
  readonly action: string;
  /** ARN of the resource acted on. */
  readonly resource: string;
  /** Account that owns the resource. */
  readonly resourceAccount: string;
  readonly context?: Record<string, string | string[]>;
  /** The principal's identity policies (role inline and managed policies). @default [] */
  readonly identityPolicies?: readonly PolicyDocument[];
  /** The resource's policy (key policy, bucket policy, trust policy). @default none */
  readonly resourcePolicy?: PolicyDocument;
  /** Permission boundary of the calling principal. @default none */
  readonly permissionBoundary?: PolicyDocument;
}

/** Runs one request through the simulator; throws if the simulator rejects the input (bad policy, bad action). */
export async function simulate(req: SimRequest): Promise<Decision> {
  const simulation: Simulation = {
    request: {
      principal: req.principal,
      action: req.action,
      resource: { resource: req.resource, accountId: req.resourceAccount },
      contextVariables: { ...(req.context ?? {}) },
    },
    identityPolicies: (req.identityPolicies ?? []).map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: req.resourcePolicy,
    permissionBoundaryPolicies: req.permissionBoundary ? [{ name: 'boundary', policy: req.permissionBoundary }] : undefined,
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    throw new Error(`simulator rejected ${req.action} on ${req.resource}: ${JSON.stringify(result.errors)}`);
  }
  if (process.env.IAM_SIM_DEBUG) process.stderr.write(`${req.action} ${req.resource}: ${JSON.stringify(result, null, 1)}\n`);
  return result.overallResult as Decision;
}
