/**
 * `npm run static-checks [-- --verbose]`: the checks `npm test` runs before jest, side by side
 * (each is one process on one core): `tsc --noEmit` over the whole project, ESLint with no
 * warnings allowed, and Prettier's check. ESLint and Prettier keep content-keyed caches in
 * `node_modules/.cache`, and tsc its incremental build information (which records each file's
 * content hash), so a fresh clone checks every file and a later run only what changed and
 * what depends on it.
 *
 * Quiet when all pass: one line on stderr. A check that fails prints its whole output on
 * stdout, under its name, and the tool exits 1 (the line on stderr names the checks that
 * failed); `--verbose` prints every check's output. Exit 2 on a usage error.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { parseCommandLine } from './cli';

const ROOT = join(__dirname, '..');
const bin = (pkg: string, path: string) => join(dirname(require.resolve(`${pkg}/package.json`)), path);

interface Check {
  readonly name: string;
  readonly args: readonly string[];
}

export const CHECKS: readonly Check[] = [
  { name: 'tsc', args: [bin('typescript', 'bin/tsc'), '--noEmit', '-p', 'tsconfig.json', '--incremental', '--tsBuildInfoFile', 'node_modules/.cache/tsc/tsconfig.tsbuildinfo'] },
  { name: 'eslint', args: [bin('eslint', 'bin/eslint.js'), '--max-warnings', '0', '--cache', '--cache-location', 'node_modules/.cache/eslint/', '--cache-strategy', 'content', '.'] },
  { name: 'prettier', args: [bin('prettier', 'bin/prettier.cjs'), '--check', '--cache', '--cache-strategy', 'content', '.'] },
];

interface Outcome {
  readonly check: Check;
  readonly code: number | null;
  readonly output: string;
  readonly seconds: number;
}

function run(check: Check): Promise<Outcome> {
  const started = process.hrtime.bigint();
  return new Promise((done) => {
    const child = spawn(process.execPath, check.args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', (err) => (output += `${err.message}\n`));
    child.on('close', (code) => done({ check, code, output, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
  });
}

const USAGE = `usage: npm run static-checks [-- --verbose]
  --verbose  print every check's output, not only a failing one's`;

export async function main(argv: readonly string[]): Promise<number> {
  const values = parseCommandLine(argv, { verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (typeof values === 'number') return values;
  const outcomes = await Promise.all(CHECKS.map(run));
  const failed = outcomes.filter((o) => o.code !== 0);
  for (const o of outcomes) {
    if (o.code !== 0 || values.verbose)
      process.stdout.write(`── ${o.check.name} (${o.code === 0 ? 'passed' : `failed, exit ${o.code}`}) ──\n${o.output}${o.output.endsWith('\n') || o.output === '' ? '' : '\n'}`);
  }
  const times = outcomes.map((o) => `${o.check.name} ${o.seconds.toFixed(1)} s`).join(', ');
  process.stderr.write(failed.length === 0 ? `static checks passed (${times})\n` : `static checks failed: ${failed.map((o) => o.check.name).join(', ')}\n`);
  return failed.length === 0 ? 0 : 1;
}

if (require.main === module) main(process.argv.slice(2)).then((code) => (process.exitCode = code));
