/**
 * What every stack has: its own state key in the deployment account's S3 backend
 * (encrypted with the state key, S3-native locking), and AWS providers pinned to the
 * stack's one account (F-19) that assume the access role there.
 *
 * The access role is chosen by the Terraform variable `access_role` (`deploy` by
 * default; `plan` for pull-request plans with the read-only role):
 *   TF_VAR_access_role=plan npx cdktf plan payments-prod-eu-west-1
 * Both ARNs come from the naming module; the variable only selects one of them.
 */
import { Construct } from 'constructs';
import { Fn, S3Backend, TerraformStack, TerraformVariable } from 'cdktf';
import type { AwsRegion, Manifest, Workload } from '../accounts/schema';
import { Naming, type AccessRolePurpose } from '../modules/core/naming';
import { PinnedAwsProvider } from '../modules/core/pinned-provider';
import type { StackSpec } from './topology';

export interface AccountStackProps {
  readonly manifest: Manifest;
  readonly spec: StackSpec;
}

export abstract class AccountStack extends TerraformStack {
  readonly manifest: Manifest;
  readonly spec: StackSpec;
  readonly naming: Naming;
  /** The stack's default provider: its account, its region. */
  readonly provider: PinnedAwsProvider;
  private readonly accessRole: TerraformVariable;
  private readonly regionalProviders = new Map<AwsRegion, PinnedAwsProvider>();

  constructor(scope: Construct, props: AccountStackProps) {
    super(scope, props.spec.name);
    this.manifest = props.manifest;
    this.spec = props.spec;
    this.naming = new Naming(props.manifest);

    const deployment = props.manifest.deployment;
    const backend = new S3Backend(this, {
      bucket: this.naming.stateBucket,
      key: this.naming.stateKey(props.spec.name),
      region: deployment.region,
      encrypt: true,
      kmsKeyId: `arn:aws:kms:${deployment.region}:${deployment.accountId}:${this.naming.keyAlias('tfstate')}`,
    });
    // S3-native state locking (Terraform ≥ 1.10); cdktf 0.21's S3Backend has no typed prop for it yet.
    backend.addOverride('use_lockfile', true);
    this.addOverride('terraform.required_version', '~> 1.12.0'); // the workflows pin a 1.12 release (test/github/workflows.test.ts checks they agree)

    const roles = this.accessRoles();
    this.accessRole = new TerraformVariable(this, 'access_role', {
      type: 'string',
      default: 'deploy',
      description: `Which role the providers assume in account ${props.spec.accountId}: ${Object.keys(roles).join(' or ')}`,
      validation: [
        {
          condition: `\${contains(${JSON.stringify(Object.keys(roles))}, var.access_role)}`,
          errorMessage: `access_role must be one of ${Object.keys(roles).join(', ')}.`,
        },
      ],
    });
    this.provider = this.providerFor(props.spec.region);
  }

  /**
   * Skips cdktf's preparing pass. Before it synthesizes, cdktf resolves every element of every
   * stack once more (`TerraformStack.prepareStack`), only so that a reference to another stack
   * can add the remote state and output that reference needs; it also gives a stack without a
   * backend a local one. Our stacks have their S3 backend (above) and hold no reference to one
   * another: a stack is built from the manifest and its own spec alone, and shares data through
   * explicit remote state and names. test/stacks/prepare-pass.test.ts checks that the JSON
   * written is byte for byte what the preparing pass gives, which a reference between stacks
   * would break; and should one refer to a name its own stack lacks, the synth refuses it by
   * name (modules/guardrails/references.ts). That pass was about a quarter of a stack's synth.
   */
  override prepareStack(): void {
    this.ensureBackendExists();
  }

  /** Roles the providers may assume, by the value of `access_role`. Bootstrap stacks add their first-apply role. */
  protected accessRoles(): Record<string, string> {
    const purposes: AccessRolePurpose[] = ['deploy', 'plan'];
    const roles: Record<string, string> = Object.fromEntries(purposes.map((p) => [p, this.naming.accessRoleArn(p, this.spec.accountId)]));
    // Stacks that own the access roles (which no deploy may change) are applied with the organisation's account-access role; README "First bootstrap and rotation".
    if (this.spec.kind !== 'payments') roles.bootstrap = this.naming.organizationAccessRoleArn(this.spec.accountId);
    return roles;
  }

  /** The tags every resource of this stack carries (provider default tags). */
  get tags(): Record<string, string> {
    const workload = this.workload;
    return {
      ...(workload?.tags ?? {}),
      project: this.manifest.project,
      environment: workload?.environment ?? 'shared',
      account: workload?.name ?? this.spec.kind,
      'managed-by': 'cdktf',
      stack: this.spec.name,
    };
  }

  /** The workload this stack belongs to, if any. */
  get workload(): Workload | undefined {
    return this.spec.workload === undefined ? undefined : this.manifest.workloads.find((w) => w.name === this.spec.workload);
  }

  /** The provider for `region` in this stack's account (created once, aliased unless it is the stack's own region). */
  providerFor(region: AwsRegion): PinnedAwsProvider {
    const existing = this.regionalProviders.get(region);
    if (existing) return existing;
    const isDefault = this.regionalProviders.size === 0;
    const roles = this.accessRoles();
    const provider = new PinnedAwsProvider(this, isDefault ? 'aws' : `aws-${region}`, {
      accountId: this.spec.accountId,
      region,
      deploymentRegion: this.manifest.deployment.region,
      alias: isDefault ? undefined : region,
      roleArn: Fn.lookup(roles, this.accessRole.stringValue),
      sessionName: `cdktf-${this.spec.name}`,
      tags: this.tags,
    });
    this.regionalProviders.set(region, provider);
    return provider;
  }
}

/** The workload a stack spec names; throws if the manifest has none of that name. */
export function workloadOf(manifest: Manifest, spec: StackSpec): Workload {
  const w = manifest.workloads.find((x) => x.name === spec.workload);
  if (!w) throw new Error(`stack ${spec.name} names workload ${String(spec.workload)}, which is not in the manifest`);
  return w;
}
