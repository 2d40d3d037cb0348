/**
 * Shapes shared by the review tool: the synthesized Terraform JSON of a stack, what
 * `npm run stacks -- --json` says about it, and the report (`--json` prints it as is;
 * the Markdown is rendered from it).
 */

/** Terraform JSON as cdktf writes it to `cdktf.out/stacks/<stack>/cdk.tf.json`. */
export type { TfJson } from '../../modules/core/terraform-json';
import type { TfJson } from '../../modules/core/terraform-json';

/** One line of `npm run stacks -- --json`. */
export interface StackInfo {
  readonly name: string;
  readonly kind: string;
  readonly accountId: string;
  readonly workload?: string;
  readonly region: string;
  /** For payments stacks: whether this is the workload's primary region. */
  readonly primary?: boolean;
  readonly dependsOn: readonly string[];
  readonly wave: number;
}

/** One side of the comparison: every stack's Terraform and its place in the topology. */
export interface Side {
  /** The git commit (base) or `working tree`. */
  readonly label: string;
  readonly stacks: ReadonlyMap<string, TfJson>;
  readonly specs: readonly StackInfo[];
  /** Why this side is empty or partial (e.g. the manifest file does not exist on the base). */
  readonly notes: readonly string[];
}

export type ResourceAction = 'create' | 'update' | 'delete' | 'replace' | 'move';

export interface ResourceChange {
  readonly stack: string;
  /** Terraform address inside the stack: `aws_s3_bucket.archive_bucket_ABC123`. */
  readonly address: string;
  readonly type: string;
  readonly action: ResourceAction;
  /** Attribute paths that differ (for update/replace), sorted. */
  readonly changedPaths: readonly string[];
  /** For replace: the identity attributes whose change forces a new resource. */
  readonly replacedBecause: readonly string[];
  readonly stateful: boolean;
  /** `plan`: the action is Terraform's (`terraform show -json`); `heuristic`: predicted from the configuration and the table of replacing attributes. */
  readonly source: 'plan' | 'heuristic';
  /** For move: the address in the state before. */
  readonly previousAddress?: string;
}

export type StackStatus = 'added' | 'removed' | 'changed' | 'unchanged';

export interface StackDiff {
  readonly name: string;
  readonly kind: string;
  readonly accountId: string;
  readonly region: string;
  readonly workload?: string;
  readonly status: StackStatus;
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly resources: readonly ResourceChange[];
  /** Changed top-level blocks other than resources (provider, backend, variable, output, data, locals). */
  readonly configChanges: readonly string[];
  /** Whether the actions come from Terraform's plan of this stack. */
  readonly planned: boolean;
}

export interface DestructiveChange {
  readonly stack: string;
  readonly address: string;
  readonly type: string;
  /** `destroy` (gone), `replace` (destroyed and re-created empty) or `protection` (a safeguard weakened). */
  readonly kind: 'destroy' | 'replace' | 'protection';
  readonly reason: string;
}

export type SecurityClass = 'broadening' | 'narrowing' | 'changed';
export type SecurityCategory = 'iam-permission' | 'trust' | 'key-policy' | 'resource-policy' | 'lambda-permission' | 'grant' | 'public-access' | 'encryption' | 'tls' | 'provider';

export interface SecurityFinding {
  readonly stack: string;
  readonly address: string;
  /** The attribute holding the policy or setting: `assume_role_policy`, `inline_policy[0].policy`, `principal`. */
  readonly attribute: string;
  readonly category: SecurityCategory;
  /** Extra categories the change also touches (a bucket policy statement that enforces TLS is also `tls`). */
  readonly alsoCategories: readonly SecurityCategory[];
  readonly class: SecurityClass;
  readonly change: 'added' | 'removed' | 'modified';
  /** One line for people: what changed. */
  readonly summary: string;
  /** Each widening (`+`) or narrowing (`-`) detail, e.g. `+ action s3:*`, `+ condition removed: StringEquals aws:PrincipalOrgID`. */
  readonly details: readonly string[];
}

export interface FindingGroup {
  readonly class: SecurityClass;
  readonly category: SecurityCategory;
  readonly alsoCategories: readonly SecurityCategory[];
  readonly change: SecurityFinding['change'];
  /** As in the finding; with placeholders (`<account>`, `<workload>`, `<primary-region>`) when the group has several stacks. */
  readonly address: string;
  readonly attribute: string;
  readonly summary: string;
  readonly details: readonly string[];
  readonly stacks: readonly string[];
}

export interface OnboardedWorkload {
  readonly workload: string;
  readonly accountId: string;
  readonly regions: readonly string[];
  readonly stacks: readonly string[];
  /** Each role and who may assume it. */
  readonly trusts: readonly { stack: string; role: string; principals: readonly string[]; conditions: readonly string[] }[];
  /** Each key and whom its policy grants what. */
  readonly keyGrants: readonly { stack: string; key: string; principal: string; actions: readonly string[]; conditions: readonly string[] }[];
  /** Security findings in stacks that already existed and that name the new account. */
  readonly elsewhere: readonly string[];
}

export interface AccountRegionSummary {
  readonly accountId: string;
  /** Workload name or shared-account kind(s). */
  readonly label: string;
  readonly region: string;
  readonly stacksAdded: number;
  readonly stacksRemoved: number;
  readonly stacksChanged: number;
  readonly stacksUnchanged: number;
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
}

import type { PeerComparison } from './peers';
import type { TrustChange } from './trust';

export interface Report {
  readonly base: string;
  readonly head: string;
  readonly noChanges: boolean;
  readonly notes: readonly string[];
  readonly totals: {
    readonly stacks: number;
    readonly stacksAdded: number;
    readonly stacksRemoved: number;
    readonly stacksChanged: number;
    readonly stacksUnchanged: number;
    readonly add: number;
    readonly change: number;
    readonly destroy: number;
    readonly destructive: number;
    /** Broadening changes a person must judge: in existing stacks, and new stacks' deviations from their peer. */
    readonly broadening: number;
    readonly narrowing: number;
    readonly securityChanged: number;
    /** Broadening statements counted one by one, new stacks' standard ones included (what a statement-by-statement review would list). */
    readonly broadeningStatements: number;
    /** Changes to existing stacks that name an account the change adds or removes. */
    readonly namingAccounts: number;
    /** New stacks equal to their peer. */
    readonly newStacksStandard: number;
  };
  /** Accounts with stacks in the head and none in the base, and the reverse. */
  readonly accountsAdded: readonly string[];
  readonly accountsRemoved: readonly string[];
  /** Changes to stacks that exist on both sides and name an added or removed account (trust, key, bucket policies, CI roles' targets). */
  readonly namingAccounts: { readonly findings: readonly SecurityFinding[]; readonly resources: readonly ResourceChange[] };
  readonly destructive: readonly DestructiveChange[];
  /** Security changes to stacks that exist on the base (changed or removed); new stacks are in `newStacks`. */
  readonly security: readonly SecurityFinding[];
  /**
   * The security changes of `security` that do not name an added or removed account, one entry per
   * change: a change made identically in several stacks (account, workload and regions abstracted)
   * is one group listing its stacks. Broadening first.
   */
  readonly groups: readonly FindingGroup[];
  /** Each new stack compared with its peer. */
  readonly newStacks: readonly PeerComparison[];
  /** Cross-account trust the change adds or removes. */
  readonly trust: TrustChange;
  /** Stacks whose actions come from Terraform's plans, and changed stacks whose actions are predicted (heuristic). */
  readonly plans: { readonly planned: readonly string[]; readonly predicted: readonly string[] };
  readonly accounts: readonly AccountRegionSummary[];
  readonly onboarding: readonly OnboardedWorkload[];
  readonly stacks: readonly StackDiff[];
}
