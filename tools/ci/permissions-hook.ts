/**
 * Where the apply-permission check plugs into CI's decisions: given a step (a job's role doing
 * `plan`, `apply` or `destroy` to one stack), the list of actions that role may not do to that
 * stack (empty when it may do everything the step needs).
 *
 * The check itself (the table of IAM actions per Terraform resource type, evaluated with the IAM
 * simulator against the role that applies the stack and its boundary) is built in
 * tools/permissions/. Until it is wired in here, this returns no problems and says so in
 * `STEP_PERMISSION_CHECK`, so the dry-run tests that call it report that it is not active yet.
 */
import type { Manifest } from '../../accounts/schema';
import type { Step } from './engine';

/** False until tools/permissions/ is wired in below. */
export const STEP_PERMISSION_CHECK = { active: false, by: 'tools/permissions (not wired in yet)' } as const;

/** Actions the step's role would be denied on its stack: `<action> on <resource>` lines. */
export function stepPermissionProblems(_manifest: Manifest, step: Step): string[] {
  if (step.action === 'skip') return [];
  return [];
}
