/**
 * `npm run review -- --base <git-ref> [--plans <dir>] [--out <file.md>] [--json] [--json-out <file.json>] [--fail-on-broadening] [--fail-on-destructive]`
 *
 * Compares the synthesized Terraform of the working tree with that of `<git-ref>` (built
 * in a temporary extraction, never disturbing the working tree) and prints a review a
 * person can act on: changes to existing stacks that name an account the change adds or
 * removes, in full; then destructive changes; new stacks compared with a peer of the same
 * kind (one line when equal); a diagram of the trust added or removed; then the rest.
 * Fits one GitHub comment; what does not fit is named and left to the JSON (the artifact).
 *
 * `--plans <dir>` reads `terraform show -json` plans (`<dir>/<stack>.json`, whole or reduced
 * to `resource_changes`): for those stacks create/update/replace/delete/move come from
 * Terraform, not from the hand-kept table of replacing attributes (labelled a heuristic).
 *
 * stdout (or --out) carries only the report; one summary line and errors go to stderr.
 * Exit codes: 0 reviewed; 2 usage or synthesis error; 3 with --fail-on-broadening when
 * any change is broadening (CI requires a security approval then); 4 with
 * --fail-on-destructive when anything stateful is destroyed or replaced.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { renderMarkdown } from './review/markdown';
import { readPlans } from './review/plans';
import { buildReport } from './review/report';
import { repoRoot, synthBoth } from './review/synth';

const USAGE = 'usage: npm run review -- --base <git-ref> [--plans <dir>] [--out <file.md>] [--json] [--json-out <file.json>] [--fail-on-broadening] [--fail-on-destructive]';

const OPTIONS = {
  base: { type: 'string' },
  plans: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  'json-out': { type: 'string' },
  'fail-on-broadening': { type: 'boolean' },
  'fail-on-destructive': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const base = values.base;
  if (!base) {
    process.stderr.write(`--base is required (e.g. --base origin/main)\n${USAGE}\n`);
    return 2;
  }
  const started = Date.now();
  const plans = values.plans !== undefined ? readPlans(values.plans) : undefined;
  const repo = repoRoot(process.cwd());
  const { base: b, head } = await synthBoth(repo, base, process.env, process.cwd());
  const report = buildReport(b, head, plans ? { plans } : {});
  const text = values.json ? `${JSON.stringify(report, null, 2)}\n` : renderMarkdown(report);
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
  if (values['json-out']) writeFileSync(values['json-out'], `${JSON.stringify(report, null, 2)}\n`);
  const t = report.totals;
  process.stderr.write(
    `review: ${t.stacks} stacks (${t.stacksChanged} changed, ${t.stacksAdded} added, ${t.stacksRemoved} removed), ` +
      `${t.destructive} destructive, ${t.broadening} broadening, ${text.length} characters, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  if (values['fail-on-broadening'] && t.broadening > 0) return 3;
  if (values['fail-on-destructive'] && t.destructive > 0) return 4;
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`review failed: ${err.message}\n`);
    process.exit(2);
  },
);
