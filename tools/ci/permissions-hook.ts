/**
 * Where the apply-permission check (tools/permissions/) meets CI's decisions: it is run with
 * CI's own rule of which role applies what, and answers, for a step (a job's role doing
 * `plan`, `apply` or `destroy` to one stack), which calls that role would be denied.
 *
 * CI's rule: the plan roles refresh every stack; the deploy role applies the payments stacks
 * whole, and in a stack an administrator owns but CI applies (the log archive), everything
 * outside its account's access roles, which it only refreshes. Stacks only an administrator
 * applies (deployment, bootstrap) are never applied by CI, so they are not checked for it.
 */
import type { Manifest } from '../../accounts/schema';
import { checkPermissions, type CheckResult } from '../permissions/check';
import type { TfJson } from '../../modules/core/terraform-json';
import { adminOwnedAddresses, ciStacks, type Step } from './engine';

export const STEP_PERMISSION_CHECK = { active: true, by: 'tools/permissions/check.ts' } as const;

/** The apply-permission check of `stacks` (synthesized from `manifest`) with CI's rule of who applies what. */
export function checkForCi(manifest: Manifest, stacks: ReadonlyMap<string, TfJson>): Promise<CheckResult> {
  const specs = new Map(ciStacks(manifest).map((s) => [s.name, s]));
  return checkPermissions(stacks, {
    deployScope: (name) => {
      const spec = specs.get(name);
      if (!spec || spec.adminOnly) return undefined;
      const admin = adminOwnedAddresses(stacks.get(name) as Parameters<typeof adminOwnedAddresses>[0]);
      return (address) => !admin.has(address);
    },
  });
}

/** What the step's role would be denied on its stack, one line each; empty when it may do all the step needs. */
export function stepPermissionProblems(results: readonly CheckResult[], step: Step): string[] {
  if (step.action === 'skip') return [];
  const use = step.action === 'plan' ? 'plan' : 'deploy';
  const result = results.find((r) => r.stacks.some((s) => s.stack === step.stack));
  if (!result) return [`${step.stack}: not among the checked stacks`];
  return [
    ...result.denied.filter((e) => e.stack === step.stack && e.role === use).map((e) => `${e.role} role may not ${e.action} on ${e.resource} (${e.address}, ${e.phase})`),
    ...result.unknownTypes.filter((u) => u.stack === step.stack).map((u) => `${u.address}: no row in tools/permissions/actions.ts`),
    ...result.problems.filter((p) => p.stack === step.stack).map((p) => `${p.address ?? step.stack}: ${p.message}`),
  ];
}
