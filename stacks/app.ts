/**
 * Builds the CDKTF App for a validated manifest: one stack per `StackSpec`, with the
 * dependencies the topology gives, so `cdktf deploy` orders them explicitly, and the
 * guardrails rule pack applied to every stack (a finding fails the synth).
 */
import { App, type TerraformStack } from 'cdktf';
import type { Manifest } from '../accounts/schema';
import { Guardrails, organisationOf, PAYMENTS_RULE_PACK } from '../modules/guardrails';
import type { AccountStackProps } from './account-stack';
import { BootstrapStack } from './bootstrap-stack';
import { DeploymentStack } from './deployment-stack';
import { LogArchiveStack } from './log-archive-stack';
import { PaymentsStack } from './payments-stack';
import { planStacks, type StackKind, type StackSpec } from './topology';

const STACK_CLASSES: Record<StackKind, new (scope: App, props: AccountStackProps) => TerraformStack> = {
  deployment: DeploymentStack,
  'log-archive': LogArchiveStack,
  bootstrap: BootstrapStack,
  payments: PaymentsStack,
};

export interface BuiltApp {
  readonly app: App;
  readonly specs: StackSpec[];
  readonly stacks: Map<string, TerraformStack>;
  /** The rule pack checks every stack at `app.synth()`; its `report` is filled in by the synth. */
  readonly guardrails: Guardrails;
}

/**
 * `only`: build just these stacks (a synth worker's share; see stacks/parallel-synth.ts). Each
 * stack's JSON depends on no other stack object, so a share synthesizes exactly as in the whole
 * App; only the dependencies between stacks of different shares are left out here.
 */
export function buildApp(manifest: Manifest, options: { outdir?: string; only?: ReadonlySet<string> } = {}): BuiltApp {
  const app = new App({ outdir: options.outdir ?? 'cdktf.out', skipValidation: false });
  const specs = planStacks(manifest).filter((spec) => options.only === undefined || options.only.has(spec.name));
  const stacks = new Map<string, TerraformStack>();
  for (const spec of specs) {
    stacks.set(spec.name, new STACK_CLASSES[spec.kind](app, { manifest, spec }));
  }
  for (const spec of specs) {
    const stack = stacks.get(spec.name)!;
    for (const dep of spec.dependsOn) {
      const other = stacks.get(dep);
      if (other) stack.addDependency(other);
      else if (options.only === undefined) throw new Error(`stack ${spec.name} depends on ${dep}, which the manifest does not create`);
    }
  }
  const guardrails = Guardrails.applyTo(app, PAYMENTS_RULE_PACK, organisationOf(manifest));
  return { app, specs, stacks, guardrails };
}
