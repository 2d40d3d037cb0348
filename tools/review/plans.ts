/**
 * Terraform's own plans, where the workflow has them: `terraform show -json` of each stack's
 * plan, read from `<dir>/<stack>.json`. A stack with a plan takes its create, update, replace,
 * delete and move actions from Terraform; the others fall back to comparing the synthesized
 * configuration with the hand-kept table of replacing attributes (diff.ts), which the review
 * labels a heuristic.
 *
 * `terraform show -json` prints sensitive values in plain text (Terraform's documentation of
 * `show`), so the workflow keeps only what `reducePlan` keeps (addresses and actions) before a
 * plan leaves its job.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** One entry of `resource_changes`, reduced to what the review reads. */
export interface PlannedChange {
  readonly address: string;
  readonly type: string;
  readonly actions: readonly string[];
  readonly previous_address?: string;
  readonly action_reason?: string;
  /** Attribute paths that force the replacement (`replace_paths`), each joined with dots. */
  readonly replace_paths?: readonly string[];
}

export interface StackPlan {
  readonly stack: string;
  readonly changes: readonly PlannedChange[];
}

interface ShowJson {
  readonly resource_changes?: readonly {
    address: string;
    type: string;
    mode?: string;
    previous_address?: string;
    action_reason?: string;
    change: { actions: string[]; replace_paths?: (string | number)[][] };
  }[];
}

/** What is kept of `terraform show -json`: managed resources' addresses, actions and why; no values. */
export function reducePlan(stack: string, show: ShowJson | { changes: readonly PlannedChange[] }): StackPlan {
  if ('changes' in show) return { stack, changes: show.changes };
  const changes = (show.resource_changes ?? [])
    .filter((c) => c.mode === undefined || c.mode === 'managed')
    .map((c) => ({
      address: c.address,
      type: c.type,
      actions: [...c.change.actions],
      ...(c.previous_address ? { previous_address: c.previous_address } : {}),
      ...(c.action_reason ? { action_reason: c.action_reason } : {}),
      ...(c.change.replace_paths?.length ? { replace_paths: c.change.replace_paths.map((p) => p.join('.')) } : {}),
    }));
  return { stack, changes };
}

/** Every `<dir>/<stack>.json` (whole or reduced); a missing directory is no plans. */
export function readPlans(dir: string): Map<string, StackPlan> {
  const out = new Map<string, StackPlan>();
  if (!existsSync(dir)) return out;
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.json')) continue;
    const stack = basename(file, '.json');
    out.set(stack, reducePlan(stack, JSON.parse(readFileSync(join(dir, file), 'utf8')) as ShowJson));
  }
  return out;
}

export type PlannedAction = 'create' | 'update' | 'delete' | 'replace' | 'move' | 'none';

/** Terraform's action list as one action: `["delete","create"]` and `["create","delete"]` are a replacement. */
export function plannedAction(c: PlannedChange): PlannedAction {
  const a = c.actions.filter((x) => x !== 'no-op' && x !== 'read');
  if (a.includes('create') && a.includes('delete')) return 'replace';
  if (a.length === 1 && (a[0] === 'create' || a[0] === 'update' || a[0] === 'delete')) return a[0];
  if (a.length === 0 && c.previous_address !== undefined && c.previous_address !== c.address) return 'move';
  return 'none';
}
