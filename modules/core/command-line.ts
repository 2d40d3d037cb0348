/**
 * Strict command-line parsing, shared by the synth (stacks/synth.ts) and every tool
 * (tools/cli.ts re-exports it).
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export type Values<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>>['values'];

/**
 * A tool's flags, parsed strictly: an unknown or misspelt flag, a missing value or a stray
 * argument prints the message and `usage` on stderr and gives exit status 2; `--help` (when
 * `options` has it) prints `usage` on stdout and gives 0. Otherwise the parsed values.
 */
export function parseCommandLine<const O extends ParseArgsOptionsConfig>(argv: readonly string[], options: O, usage: string): Values<O> | number {
  let values: Values<O>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if ((values as Record<string, unknown>).help === true) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return values;
}
