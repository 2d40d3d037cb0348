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

export type ResourceAction = 'create' | 'update' | 'delete' | 'replace';

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
    readonly broadening: number;
    readonly narrowing: number;
    readonly securityChanged: number;
  };
  readonly destructive: readonly DestructiveChange[];
  readonly security: readonly SecurityFinding[];
  readonly accounts: readonly AccountRegionSummary[];
  readonly onboarding: readonly OnboardedWorkload[];
  readonly stacks: readonly StackDiff[];
}
