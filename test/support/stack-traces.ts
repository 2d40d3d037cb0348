/**
 * In every test file, after jest has installed its source-map support: stack captures that
 * are not errors are formatted as V8 formats them, without source maps.
 *
 * cdktf and constructs record where every token and construct was made by capturing the whole
 * call stack on a plain object (`Error.captureStackTrace({ stack: '' })`), and quote it only if
 * that token later fails to resolve. `npm run synth` keeps source maps off for those captures
 * (stacks/source-maps.ts, and test/support/setup.ts does the same), but jest formats every
 * stack in a test file through the `source-map-support` package instead of Node's switch, so
 * each capture's frames were mapped anyway: more than half of a synth's CPU time in a test.
 *
 * Errors are still mapped as before, so a failing test names the .ts lines that failed; only
 * the creation stacks that cdktf keeps for later name positions in the transformed JavaScript,
 * as they do under `npm run synth` (test/stacks/source-maps.test.ts checks both).
 */
import { types } from 'node:util';

const mapped = Error.prepareStackTrace;
if (mapped) {
  Error.prepareStackTrace = (error: unknown, frames: NodeJS.CallSite[]) => {
    if (types.isNativeError(error)) return mapped(error as Error, frames);
    const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
    return `${typeof name === 'string' && name ? name : 'Error'}: ${typeof message === 'string' ? message : ''}${frames.map((f) => `\n    at ${f}`).join('')}`;
  };
}
