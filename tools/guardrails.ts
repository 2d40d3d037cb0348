/**
 * `npm run guardrails -- --dir <dir> [--json]`: checks synthesized Terraform JSON already on
 * disk (`<dir>/stacks/<stack>/cdk.tf.json`, what `npm run synth` writes to cdktf.out, or a
 * synth someone produced elsewhere) with the rule pack the synth runs, the organisation from
 * the manifest, and the suppressions recorded in the JSON itself.
 *
 * stdout: one block per finding (stack, resource, rule, message, fix), or the whole report as
 * JSON with --json. stderr: one summary line. Exit 0 when clean, 1 on any finding (or a
 * manifest that does not validate), 2 on a usage error (unknown flag, no stacks in the folder,
 * a file that is not Terraform JSON).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkStack, organisationOf, PAYMENTS_RULE_PACK, type GuardrailsReport, type Organisation, type RulePack, type TfJson } from '../modules/guardrails';
import { combine } from '../modules/guardrails/report';
import { loadManifestOrExit } from './cli';

const USAGE = `usage: npm run guardrails -- [--dir <dir>] [--json]

  --dir <dir>   folder with the synthesized stacks: <dir>/stacks/<stack>/cdk.tf.json (default: cdktf.out);
                a folder of <stack>/cdk.tf.json or a single cdk.tf.json's folder also works
  --json        print the report as JSON on stdout instead of one block per finding
`;

export class UsageError extends Error {}

/** Every stack JSON under `dir`, by stack name (the folder it sits in). */
export function stackFiles(dir: string): Map<string, string> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a folder`);
  const under = (folder: string) =>
    existsSync(folder) && statSync(folder).isDirectory()
      ? readdirSync(folder)
          .sort()
          .filter((name) => existsSync(join(folder, name, 'cdk.tf.json')))
          .map((name): [string, string] => [name, join(folder, name, 'cdk.tf.json')])
      : [];
  const found = [...under(join(dir, 'stacks')), ...under(dir)];
  if (found.length === 0 && existsSync(join(dir, 'cdk.tf.json'))) found.push([basename(dir), join(dir, 'cdk.tf.json')]);
  if (found.length === 0) throw new UsageError(`no synthesized stacks in ${dir} (expected ${join(dir, 'stacks', '<stack>', 'cdk.tf.json')}); run npm run synth first`);
  return new Map(found);
}

function readStack(file: string): TfJson {
  let tf: unknown;
  try {
    tf = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file} is not JSON: ${(err as Error).message}`);
  }
  if (typeof tf !== 'object' || tf === null || Array.isArray(tf)) throw new UsageError(`${file} is not Terraform JSON (not an object)`);
  return tf as TfJson;
}

/** Checks every stack under `dir` with `pack` and the organisation; the same check the synth runs. */
export function checkDirectory(dir: string, organisation: Organisation, pack: RulePack = PAYMENTS_RULE_PACK): GuardrailsReport {
  return combine([...stackFiles(dir)].map(([name, file]) => checkStack(name, readStack(file), pack, organisation)));
}

export function findingsText(report: GuardrailsReport): string {
  return report.findings.map((f) => `${f.stack}  ${f.address}  [${f.ruleId}]\n  ${f.message}\n  fix: ${f.fix}\n`).join('');
}

export interface Outcome {
  readonly code: 0 | 1 | 2;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(argv: readonly string[], organisation: () => Organisation): Outcome {
  let values: { dir?: string; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: { dir: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    return { code: 2, stdout: '', stderr: `${(err as Error).message}\n${USAGE}` };
  }
  if (values.help) return { code: 0, stdout: USAGE, stderr: '' };
  const dir = values.dir ?? 'cdktf.out';
  let report: GuardrailsReport;
  const org = organisation();
  try {
    report = checkDirectory(dir, org);
  } catch (err) {
    if (err instanceof UsageError) return { code: 2, stdout: '', stderr: `${err.message}\n${USAGE}` };
    throw err;
  }
  const summary =
    `guardrails: ${report.stacks.length} stack${report.stacks.length === 1 ? '' : 's'} in ${dir} checked with the ${PAYMENTS_RULE_PACK.name} pack ` +
    `(${PAYMENTS_RULE_PACK.rules.length} rules) for organisation ${org.id}: ${report.findings.length} finding${report.findings.length === 1 ? '' : 's'}, ` +
    `${report.suppressed.length} suppressed with a reason, ${report.unusedSuppressions.length} unused suppression${report.unusedSuppressions.length === 1 ? '' : 's'}\n`;
  const stdout = values.json ? `${JSON.stringify(report, null, 2)}\n` : findingsText(report);
  return { code: report.findings.length > 0 ? 1 : 0, stdout, stderr: summary };
}

if (require.main === module) {
  const outcome = run(process.argv.slice(2), () => organisationOf(loadManifestOrExit().manifest));
  process.stdout.write(outcome.stdout);
  process.stderr.write(outcome.stderr);
  process.exitCode = outcome.code;
}
