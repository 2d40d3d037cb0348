/**
 * Entry point of `cdktf synth` / `npm run synth`: loads the manifest and builds the
 * App. Nothing else. A bad manifest prints every problem and exits non-zero before
 * anything is written (F-23). The guardrails rule pack checks every stack during the
 * synth; any finding prints the report (stack, resource, rule, fix) and exits non-zero.
 * The report is also written to `<outdir>/guardrails-report.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadManifest, manifestPath } from './accounts/load';
import { ManifestError } from './accounts/schema';
import { buildApp } from './stacks/app';

export interface SynthResult {
  readonly ok: boolean;
  /** What a person reads on stderr (the guardrails summary on success, the problems on failure). */
  readonly message?: string;
}

/** Validates the manifest at `file` and, only if it is valid, synthesizes every stack into `outdir` under the guardrails. */
export function synthesize(file: string, outdir: string): SynthResult {
  let loaded;
  try {
    loaded = loadManifest(file);
  } catch (err) {
    if (err instanceof ManifestError) return { ok: false, message: `${err.message}\nNothing was synthesized.\n` };
    throw err;
  }
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
    const why = failure instanceof Error ? `${failure.message}\n` : '';
    return { ok: false, message: `${why}Guardrails did not run; refusing to synthesize without them.\n` };
  }
  mkdirSync(outdir, { recursive: true });
  writeFileSync(join(outdir, 'guardrails-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const summary = `${guardrails.format(report)}\n`;
  if (report.findings.length > 0) {
    return { ok: false, message: `${summary}Synth failed: fix the findings above or suppress one with Guardrails.suppress(construct, ruleId, reason).\n` };
  }
  if (failure !== undefined) throw failure;
  return { ok: true, message: summary };
}

if (require.main === module) {
  const result = synthesize(manifestPath(), process.env.CDKTF_OUTDIR ?? 'cdktf.out');
  process.stderr.write(result.message ?? '');
  if (!result.ok) process.exitCode = 1;
}
