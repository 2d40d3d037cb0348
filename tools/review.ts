/**
 * `npm run review -- --base <git-ref> [--out <file.md>] [--json] [--json-out <file.json>] [--fail-on-broadening]`
 *
 * Compares the synthesized Terraform of the working tree with that of `<git-ref>` (built
 * in a temporary extraction, never disturbing the working tree) and prints a review:
 * destructive changes first, then every security-sensitive change classed broadening or
 * narrowing, a per-account/region summary, onboarding of new workloads, and per-stack
 * details. Fits one GitHub comment (summarized, never silently truncated).
 *
 * stdout (or --out) carries only the report; progress and errors go to stderr.
 * Exit codes: 0 reviewed; 2 usage or synthesis error; 3 with --fail-on-broadening when
 * any change is broadening (CI requires a security approval then); 4 with
 * --fail-on-destructive when anything stateful is destroyed or replaced.
 */
import { writeFileSync } from 'node:fs';
import { flag, hasFlag } from './cli';
import { renderMarkdown } from './review/markdown';
import { buildReport } from './review/report';
import { repoRoot, synthBoth } from './review/synth';

const USAGE = 'usage: npm run review -- --base <git-ref> [--out <file>] [--json] [--json-out <file.json>] [--fail-on-broadening] [--fail-on-destructive]';

async function main(argv: string[]): Promise<number> {
  if (hasFlag(argv, 'help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const base = flag(argv, 'base');
  if (!base) {
    process.stderr.write(`${USAGE}\n--base is required (e.g. --base origin/main)\n`);
    return 2;
  }
  const started = Date.now();
  const repo = repoRoot(process.cwd());
  const { base: b, head } = await synthBoth(repo, base, process.env, process.cwd());
  const report = buildReport(b, head);
  const text = hasFlag(argv, 'json') ? `${JSON.stringify(report, null, 2)}\n` : renderMarkdown(report);
  const out = flag(argv, 'out');
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
  const jsonOut = flag(argv, 'json-out');
  if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(report, null, 2)}\n`);
  const t = report.totals;
  process.stderr.write(
    `review: ${t.stacks} stacks (${t.stacksChanged} changed, ${t.stacksAdded} added, ${t.stacksRemoved} removed), ` +
      `${t.destructive} destructive, ${t.broadening} broadening, ${text.length} characters, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  if (hasFlag(argv, 'fail-on-broadening') && t.broadening > 0) return 3;
  if (hasFlag(argv, 'fail-on-destructive') && t.destructive > 0) return 4;
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`review failed: ${err.message}\n`);
    process.exit(2);
  },
);
