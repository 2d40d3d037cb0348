/**
 * Entry point of `cdktf synth` / `npm run synth`: loads the manifest and builds the
 * App. Nothing else. A bad manifest prints every problem and exits non-zero before
 * anything is written (F-23). The guardrails rule pack checks every stack during the
 * synth; any finding prints the report (stack, resource, rule, fix) and exits non-zero.
 * The report is also written to `<outdir>/guardrails-report.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadManifest } from './accounts/load';
import { ManifestError } from './accounts/schema';
import { buildApp } from './stacks/app';

function main(): void {
  let loaded;
  try {
    loaded = loadManifest();
  } catch (err) {
    if (err instanceof ManifestError) {
      process.stderr.write(`${err.message}\nNothing was synthesized.\n`);
      process.exit(1);
    }
    throw err;
  }
  const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
  const { app, guardrails } = buildApp(loaded.manifest, { outdir });
  let failure: unknown;
  try {
    app.synth();
  } catch (err) {
    failure = err;
  }
  const report = guardrails.report;
  if (report === undefined) {
    // The check runs as an App validation; without a report it did not run (skipValidation?) and nothing may be deployed.
    process.stderr.write(`${failure instanceof Error ? `${failure.message}\n` : ''}Guardrails did not run; refusing to synthesize without them.\n`);
    process.exit(1);
  }
  mkdirSync(outdir, { recursive: true });
  writeFileSync(join(outdir, 'guardrails-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(`${guardrails.format(report)}\n`);
  if (report.findings.length > 0) {
    process.stderr.write(`Synth failed: fix the findings above or suppress one with Guardrails.suppress(construct, ruleId, reason).\n`);
    process.exit(1);
  }
  if (failure !== undefined) throw failure;
}

main();
