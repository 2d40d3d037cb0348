/**
 * Applies the rule pack to every stack of an App at synth, and records suppressions.
 *
 * How it runs: `applyTo(app)` adds a validation to the App (public `node.addValidation`).
 * `app.synth()` runs App validations after every stack has been synthesized and written, so
 * the check reads each stack's final JSON as written (overrides and escape hatches
 * included: exactly what Terraform would apply) and reports the findings of ALL stacks at
 * once. Any finding makes `app.synth()` throw (so `npm run synth`, `cdktf synth|diff|deploy`
 * exit non-zero before anything is applied) with the report; `main.ts` prints the report
 * and writes it to `cdktf.out/guardrails-report.json`.
 *
 * Only public cdktf APIs: `App` (its `manifest` and `outdir`), `TerraformStack.isStack`, `toTerraform()`, `addOverride`,
 * `node.addValidation`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, TerraformResource, TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { checkStack, SUPPRESSIONS_KEY } from './engine';
import { PAYMENTS_RULE_PACK, type RulePack } from './pack';
import { undeclaredReferences } from './references';
import { combine, formatReport, summaryLine } from './report';
import type { GuardrailsReport, Organisation, TfJson } from './types';

/**
 * The JSON `app.synth()` has just written for `stack` (App validations run after every stack
 * is written): exactly what Terraform will apply, and read back at a fraction of the cost of
 * resolving every token of the stack a second time with `toTerraform()`. Falls back to
 * `toTerraform()` when the stack was not written as JSON (HCL output).
 */
function synthesizedJson(app: App, stack: TerraformStack): TfJson {
  const entry = app.manifest.stacks[stack.node.id];
  const file = entry && !app.hclOutput ? join(app.outdir, entry.synthesizedStackPath) : undefined;
  if (file !== undefined && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as TfJson;
  return stack.toTerraform() as TfJson;
}

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
        const strays: string[] = [];
        const report = guardrails.check(app, (stack) => {
          const tf = synthesizedJson(app, stack);
          for (const reference of undeclaredReferences(tf)) strays.push(`${stack.node.id} refers to ${reference}, which it does not declare`);
          return tf;
        });
        const errors = report.findings.length === 0 ? [] : [guardrails.format(report)];
        // A reference to another stack's resource (see references.ts): refused, with each one named.
        if (strays.length > 0) errors.push(`Stacks refer to what they do not declare (stacks may not refer to one another):\n${strays.map((s) => `  ${s}`).join('\n')}`);
        return errors;
      },
    });
    return guardrails;
  }

  /**
   * Runs the pack over the JSON of every stack under `scope`: by default its current JSON
   * (`toTerraform()`, no files written); `jsonOf` may supply it otherwise.
   */
  check(scope: IConstruct, jsonOf: (stack: TerraformStack) => TfJson = (s) => s.toTerraform() as TfJson): GuardrailsReport {
    const stacks = scope.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
    this.report = combine(stacks.map((s) => checkStack(s.node.id, jsonOf(s), this.pack, this.organisation)));
    return this.report;
  }

  /** The report as a person reads it: the summary line, findings and unused suppressions in full; with `verbose`, every suppressed finding too. */
  format(report: GuardrailsReport, options: { readonly verbose?: boolean } = {}): string {
    return formatReport(report, this.pack.name, this.pack.rules.length, options);
  }

  /** The one summary line (stacks, findings, suppressions per rule). */
  summary(report: GuardrailsReport): string {
    return summaryLine(report, this.pack.name, this.pack.rules.length);
  }

  /**
   * Suppresses one rule, with a reason, on one Terraform resource (the precise form) or on the
   * resources of a scope (a module construct and everything in it) that the rule checks.
   *
   * For rules that judge parts of a resource (`iam-no-wildcards` judges each statement and
   * action of a policy), `appliesTo` names the parts covered, as the findings name them
   * (`<statement Sid>/<action>`, e.g. `ManageS3/s3:*`): anything else the rule finds on the
   * resource later, such as an `Action: "*"` added to the policy, is a finding. Without
   * `appliesTo` the suppression covers every finding of the rule on the resource.
   *
   * The suppression is written into the synthesized JSON (`"//": { "guardrails_suppressions":
   * { "<rule>": { "reason": …, "appliesTo": …, "scope": … } } }`) where reviewers see it, and
   * counted in every report. An empty reason does not suppress: it becomes a
   * `suppression-without-reason` finding.
   */
  static suppress(scope: IConstruct, ruleId: string, reason: string, options: { readonly appliesTo?: readonly string[] } = {}): void {
    if (!/^[a-z0-9-]+$/.test(ruleId)) throw new Error(`Guardrails.suppress: rule id ${JSON.stringify(ruleId)} is not a rule id (lowercase letters, digits, hyphens)`);
    const resources = scope.node.findAll().filter((c): c is TerraformResource => TerraformResource.isTerraformResource(c));
    if (resources.length === 0) throw new Error(`Guardrails.suppress(${scope.node.path}, ${ruleId}): no Terraform resource in this scope to suppress the rule on`);
    if (options.appliesTo !== undefined && options.appliesTo.length === 0)
      throw new Error(`Guardrails.suppress(${scope.node.path}, ${ruleId}): appliesTo is empty; leave it out or name what the suppression covers`);
    // On a scope, only the resources the rule checks carry it (when the rule is one of the
    // project's pack); a rule unknown here is recorded everywhere, for the check to report.
    const rule = PAYMENTS_RULE_PACK.rules.find((r) => r.id === ruleId);
    const checked = rule ? resources.filter((r) => rule.appliesTo.includes(r.terraformResourceType)) : [];
    const targets = checked.length > 0 ? checked : resources;
    const onOneResource = TerraformResource.isTerraformResource(scope);
    const record = { reason, ...(options.appliesTo !== undefined ? { appliesTo: [...options.appliesTo] } : {}), ...(onOneResource ? {} : { scope: scope.node.path }) };
    for (const r of targets) r.addOverride(`//.${SUPPRESSIONS_KEY}.${ruleId}`, record);
  }
}
