/**
 * `npm test [-- <jest arguments>]`: the static checks (tools/static-checks.ts: tsc, ESLint,
 * Prettier) and the jest suite, started together. Both are mostly one process per core at a
 * time with gaps (a suite waiting on a child process, the checks' slower starts), so side by
 * side they finish sooner than one after the other.
 *
 * It still stops early: a static check that fails stops jest at once and the run fails with
 * the check's whole output (stdout) and one line naming it (stderr). Otherwise it ends when
 * jest ends, with jest's exit status, and the static checks' one summary line on stderr.
 * Arguments go to jest unchanged (a path pattern, `-t`, `--coverage`).
 */
import { spawn } from 'node:child_process';
import { passed, report, runChecks } from './static-checks';

async function main(argv: readonly string[]): Promise<number> {
  // Its own process group, so that stopping it stops its workers too.
  const jest = spawn(process.execPath, [require.resolve('jest/bin/jest'), ...argv], { stdio: 'inherit', detached: true });
  const stopJest = (signal: NodeJS.Signals) => {
    try {
      process.kill(-jest.pid!, signal);
    } catch {
      // already ended
    }
  };
  // Ctrl-C reaches this process's group, not jest's: pass it on.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stopJest(signal));
  const jestEnded = new Promise<number>((done) => jest.on('close', (code) => done(code ?? 1)));
  const checks = await runChecks();
  if (!passed(checks)) {
    stopJest('SIGTERM');
    await jestEnded;
    process.stderr.write('\n');
    return report(checks);
  }
  const code = await jestEnded;
  report(checks);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
