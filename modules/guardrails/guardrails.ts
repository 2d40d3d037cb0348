/**
 * Applies the rule pack to every stack of an App at synth, and records suppressions.
 *
 * How it runs: `applyTo(app)` adds a validation to the App (public `node.addValidation`).
 * `app.synth()` runs App validations after every stack has been synthesized, so the check
 * sees each stack's final JSON (`stack.toTerraform()`, overrides and escape hatches
 * included: exactly what Terraform would apply) and reports the findings of ALL stacks at
 * once. Any finding makes `app.synth()` throw (so `npm run synth`, `cdktf synth|diff|deploy`
 * exit non-zero before anything is applied) with the report; `main.ts` prints the report
 * and writes it to `cdktf.out/guardrails-report.json`.
 *
 * Only public cdktf APIs: `App`, `TerraformStack.isStack`, `toTerraform()`, `addOverride`,
 * `node.addValidation`.
 */
import { App, TerraformResource, TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { checkStack, SUPPRESSIONS_KEY } from './engine';
import { PAYMENTS_RULE_PACK, type RulePack } from './pack';
import { combine, formatReport } from './report';
import type { GuardrailsReport, Organisation, TfJson } from './types';

export class Guardrails {
  /** The report of the last synth of the App (undefined until it ran). */
  report: GuardrailsReport | undefined;

  private constructor(
    readonly pack: RulePack,
    readonly organisation?: Organisation,
  ) {}

  /**
   * Checks every stack of `app` whenever it is synthesized; returns the handle whose `report` the synth fills in.
   * `organisation` (from the manifest, `organisationOf`) is what the organisation-aware rules check principals against.
   */
  static applyTo(app: App, pack: RulePack = PAYMENTS_RULE_PACK, organisation?: Organisation): Guardrails {
    const guardrails = new Guardrails(pack, organisation);
    app.node.addValidation({
      validate: () => {
        const report = guardrails.check(app);
        return report.findings.length === 0 ? [] : [guardrails.format(report)];
      },
    });
    return guardrails;
  }

  /** Runs the pack over the current JSON of every stack under `scope` (no files written). */
  check(scope: IConstruct): GuardrailsReport {
    const stacks = scope.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
    this.report = combine(stacks.map((s) => checkStack(s.node.id, s.toTerraform() as TfJson, this.pack, this.organisation)));
    return this.report;
  }

  format(report: GuardrailsReport): string {
    return formatReport(report, this.pack.name, this.pack.rules.length);
  }

  /**
   * Suppresses one rule on every Terraform resource in `scope` (a resource, or a module
   * construct and everything in it). The reason is required: it is written into the
   * synthesized JSON (`"//": { "guardrails_suppressions": { "<rule>": "<reason>" } }`) where
   * reviewers see it, and printed in every report. An empty reason does not suppress: it
   * becomes a `suppression-without-reason` finding.
   */
  static suppress(scope: IConstruct, ruleId: string, reason: string): void {
    if (!/^[a-z0-9-]+$/.test(ruleId)) throw new Error(`Guardrails.suppress: rule id ${JSON.stringify(ruleId)} is not a rule id (lowercase letters, digits, hyphens)`);
    const resources = scope.node.findAll().filter((c): c is TerraformResource => TerraformResource.isTerraformResource(c));
    if (resources.length === 0) throw new Error(`Guardrails.suppress(${scope.node.path}, ${ruleId}): no Terraform resource in this scope to suppress the rule on`);
    for (const r of resources) r.addOverride(`//.${SUPPRESSIONS_KEY}.${ruleId}`, reason);
  }
}
