/**
 * `npm run static-checks [-- --verbose]`: `tsc --noEmit` over the whole project, ESLint with no
 * warnings allowed, and Prettier's check, side by side (each is one process on one core).
 * ESLint and Prettier keep content-keyed caches in `node_modules/.cache`, and tsc its
 * incremental build information (which records each file's content hash), so a fresh clone
 * checks every file and a later run only what changed and what depends on it.
 *
 * `npm test` is this with `--with-jest`: jest runs beside the checks, its output as it comes
 * (paths after the flag are jest's test path patterns; any other jest flag: `npx jest`). The
 * checks fill the time jest's workers leave the cores idle (waiting on the processes they
 * start, on the local run's clock, on esbuild): on the two-core machines that takes a fresh
 * clone's `npm test` from about 175 s to about 155 s.
 *
 * Quiet when all pass: one line on stderr. A check that fails prints its whole output on
 * stdout, under its name (after jest's, with `--with-jest`), and the tool exits 1 (the line on
 * stderr names the checks that failed), as it does when jest fails; `--verbose` prints every
 * check's output. Exit 2 on a usage error.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

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

const USAGE = `usage: npm run static-checks [-- --verbose] [-- --with-jest [<test path pattern>...]]
  --verbose    print every check's output, not only a failing one's
  --with-jest  run jest beside the checks (what npm test runs), on the test files the patterns match (all without any);
               jest's other flags: npx jest`;

/** jest, beside the checks, writing to this process's stdout and stderr as it goes; resolves to its exit status. */
function runJest(patterns: readonly string[]): Promise<number | null> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin('jest', 'bin/jest.js'), ...patterns], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (err) => {
      process.stderr.write(`jest: ${err.message}\n`);
      done(null);
    });
    child.on('close', (code) => done(code));
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  let parsed: { values: { verbose?: boolean; 'with-jest'?: boolean; help?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: { verbose: { type: 'boolean' }, 'with-jest': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0 && values['with-jest'] !== true) {
    process.stderr.write(`unexpected argument '${positionals[0]}': test path patterns go after --with-jest\n${USAGE}\n`);
    return 2;
  }
  const jest = values['with-jest'] === true ? runJest(positionals) : Promise.resolve(0);
  const outcomes = await Promise.all(CHECKS.map(run));
  const jestCode = await jest;
  const failed = outcomes.filter((o) => o.code !== 0);
  for (const o of outcomes) {
    if (o.code !== 0 || values.verbose)
      process.stdout.write(`── ${o.check.name} (${o.code === 0 ? 'passed' : `failed, exit ${o.code}`}) ──\n${o.output}${o.output.endsWith('\n') || o.output === '' ? '' : '\n'}`);
  }
  const times = outcomes.map((o) => `${o.check.name} ${o.seconds.toFixed(1)} s`).join(', ');
  process.stderr.write(failed.length === 0 ? `static checks passed (${times})\n` : `static checks failed: ${failed.map((o) => o.check.name).join(', ')}\n`);
  return failed.length === 0 && jestCode === 0 ? 0 : 1;
}

if (require.main === module) main(process.argv.slice(2)).then((code) => (process.exitCode = code));
