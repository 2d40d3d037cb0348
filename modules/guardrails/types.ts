/**
 * The shapes a guardrail rule works on. A rule is a pure function of one synthesized
 * Terraform block (a resource, or an AWS provider configuration) and read access to the
 * whole stack's synthesized JSON, so cross-resource rules ("this bucket has a TLS-deny
 * policy", "this function has an alarm") need no construct internals: the rules see
 * exactly what `cdktf synth` writes and Terraform applies.
 */

/** Terraform JSON of one stack, as `stack.toTerraform()` returns it and `cdktf synth` writes it. */
export type { TfJson } from '../core/terraform-json';
import type { TfJson } from '../core/terraform-json';

/** The pseudo resource type under which AWS provider configurations are checked. */
export const AWS_PROVIDER = 'provider.aws';
/** The pseudo resource type under which the stack's state backend (`terraform.backend`) is checked. */
export const TERRAFORM_BACKEND = 'terraform.backend';

/**
 * The organisation the stacks belong to, from the account manifest: what the
 * organisation-aware rules compare principals, accounts and conditions with.
 */
export interface Organisation {
  /** The AWS Organizations id (`o-…`), what `aws:PrincipalOrgID` must equal. */
  readonly id: string;
  /** Every account of the organisation the manifest names (management, deployment, log archive, audit, workloads). */
  readonly accountIds: readonly string[];
  /** Principals the manifest names as API clients (role ARNs or account ids), accepted in API policies. */
  readonly apiClientPrincipals: readonly string[];
}

/** One block of the synthesized stack a rule looks at. */
export interface TfBlock {
  /** Terraform resource type (`aws_s3_bucket`), or `provider.aws` for a provider configuration. */
  readonly type: string;
  /** Logical name in the JSON (`archive_bucket_1A2B3C4D`), or the provider alias (`default` when none). */
  readonly name: string;
  /** Terraform address: `aws_s3_bucket.archive_bucket_1A2B3C4D`, `provider.aws`, `provider.aws.eu-central-1`. */
  readonly address: string;
  /** Construct path (`payments-prod-eu-west-1/archive/bucket`) when the JSON records it. */
  readonly constructPath?: string;
  /** The block's arguments, as synthesized (snake_case; references as `${type.name.attr}`). */
  readonly config: Readonly<Record<string, unknown>>;
}

/** Read access to the whole synthesized stack. */
export interface StackView {
  readonly name: string;
  /**
   * The stack's environment (`dev`, `staging`, `prod`, or `shared` for the organisation's
   * deployment and log-archive accounts), from the `environment` default tag of the stack's
   * default AWS provider. `undefined` when no provider sets it; rules then assume the
   * strictest environment.
   */
  readonly environment: string | undefined;
  readonly tf: TfJson;
  /**
   * The organisation from the manifest, when the caller knows it (the synth and
   * `npm run guardrails` always pass it). Without it, the organisation-aware rules know
   * only the accounts this stack's providers are pinned to.
   */
  readonly organisation?: Organisation;
  /** Every resource of a type, in JSON order. */
  resources(type: string): readonly TfBlock[];
}

/** What a rule reports for one block. */
export interface Violation {
  readonly message: string;
  /** How to fix it; defaults to the rule's `fix`. */
  readonly fix?: string;
  /**
   * For rules that judge parts of a block (a policy's statements and actions): which parts this
   * violation is about, as `<statement>/<action>` (`ManageS3/s3:*`). A suppression that lists
   * `appliesTo` silences the violation only if it names every one of them.
   */
  readonly subjects?: readonly string[];
}

export interface Rule {
  /** Stable, kebab-case; what suppressions name. */
  readonly id: string;
  /** One line: what the rule demands. */
  readonly description: string;
  /** Ids of the failure modes the rule prevents, as defined in docs/failure-modes.md. */
  readonly failures: readonly string[];
  /** Resource types (or `provider.aws`) the rule inspects. */
  readonly appliesTo: readonly string[];
  /** The usual fix, printed with every finding. */
  readonly fix: string;
  /** Pure: no I/O, no construct access; [] when the block complies. */
  check(block: TfBlock, stack: StackView): Violation[];
}

/** One violation, located. */
export interface Finding {
  readonly stack: string;
  readonly address: string;
  readonly constructPath?: string;
  readonly ruleId: string;
  readonly message: string;
  readonly fix: string;
  /** The violation's subjects, when the rule names them (see `Violation.subjects`). */
  readonly subjects?: readonly string[];
}

/** A finding that a suppression with a reason silenced. */
export interface SuppressedFinding extends Finding {
  readonly reason: string;
}

/**
 * A suppression that matched no finding (reported, not fatal): on no resource it was recorded
 * on (all those of its scope), or, when it lists `appliesTo`, the entries that matched nothing.
 */
export interface UnusedSuppression {
  readonly stack: string;
  /** The first resource it was recorded on. */
  readonly address: string;
  readonly ruleId: string;
  readonly reason: string;
  /** Construct path the suppression was given, when it was given to a scope rather than one resource. */
  readonly scope?: string;
  /** The `appliesTo` entries no finding matched (only these are unused when the suppression silenced something). */
  readonly appliesTo?: readonly string[];
}

export interface StackReport {
  readonly stack: string;
  readonly findings: readonly Finding[];
  readonly suppressed: readonly SuppressedFinding[];
  readonly unusedSuppressions: readonly UnusedSuppression[];
}

export interface GuardrailsReport {
  readonly stacks: readonly StackReport[];
  readonly findings: readonly Finding[];
  readonly suppressed: readonly SuppressedFinding[];
  readonly unusedSuppressions: readonly UnusedSuppression[];
}
