/**
 * How `npm run <tool>` starts a TypeScript tool (package.json's scripts): Node with tsx's
 * CommonJS hook, `node --require tsx/cjs <file>`. Tests that run a tool as a user does start it
 * the same way, and test/tools/strict-args.test.ts checks that every tool script has this form.
 */
import { resolve } from 'node:path';

/** The words a tool script begins with, before the tool's file. */
export const TOOL_SCRIPT_PREFIX = ['node', '--require', 'tsx/cjs'] as const;

/** `process.execPath`'s arguments that run `file` with `args` as its npm script does. */
export function toolArgs(file: string, args: readonly string[] = []): string[] {
  const [, flag, hook] = TOOL_SCRIPT_PREFIX;
  return [flag, require.resolve(hook, { paths: [resolve(__dirname, '../..')] }), file, ...args];
}
