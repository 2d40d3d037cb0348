/**
 * Source-mapped stack traces, off while synthesizing.
 *
 * cdktf records where every token was made (each `Lazy`, each `${…}` reference, each dynamic
 * block) by capturing and formatting the whole call stack, and keeps it only to quote it if
 * that token later fails to resolve. A stack makes thousands of tokens, and under a TypeScript
 * runner that turns on Node's source-map support (tsx does) every frame of every such stack is
 * mapped back through source maps: measured on a 102-stack organisation, about 40 % of the
 * synth's CPU time.
 *
 * While stacks are built, `withStacksOnlyForErrors` goes further: no stack is captured at all
 * (see `withoutStackCapture`), and a build that throws is run again with stacks, so that its
 * error still names the file and line.
 *
 * `withoutSourceMappedStacks()` turns Node's source-map support off for the synth
 * (`process.setSourceMapsEnabled`, public Node API; nothing of cdktf is touched). Tokens still
 * record their creation stack, in the positions of the transformed JavaScript, which is cheap.
 * `withSourceMappedStacks()` turns it back on. V8 formats an error's stack when it is first
 * read, so an error thrown while it was off and printed after it is back on still names the
 * `.ts` file and line that threw; `npm run synth -- --verbose` keeps it on throughout.
 */

/** From now on in this process, stack traces are not mapped through source maps. */
export function withoutSourceMappedStacks(): void {
  process.setSourceMapsEnabled(false);
}

/** Stack traces are mapped through source maps again (as the TypeScript runner set them up). */
export function withSourceMappedStacks(): void {
  process.setSourceMapsEnabled(true);
}

/**
 * Runs `build` with the stack traces V8 captures while it runs formatted as nothing but their
 * first line (`Error: message`), and restores the formatter after.
 *
 * cdktf captures the whole call stack (no depth limit) for every token it makes and formats it
 * at once, only to quote it should that token later fail to resolve; with source maps off this
 * formatting is still about a third of the CPU a large synth spends. Tokens made inside `build`
 * record no creation stack. An error thrown inside `build` keeps its full stack as long as it is
 * first read after `build` returns or throws (V8 formats a stack when it is first read), which
 * is how the synth reads them; `npm run synth -- --verbose` keeps creation stacks.
 */
export function withoutCreationStacks<T>(build: () => T): T {
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = firstLineOnly;
  try {
    return build();
  } finally {
    Error.prepareStackTrace = previous;
  }
}

/**
 * Runs `build` with no stack trace captured at all, and restores V8's stack trace limit after.
 *
 * Even formatted as nothing, each creation stack cdktf records is first captured whole (it lifts
 * `Error.stackTraceLimit` to capture every frame): walking a construct's deep call stack for
 * every token was, measured on a 150-stack organisation, about a seventh of a synth's CPU. While
 * `build` runs, `Error.stackTraceLimit` is an accessor property, which V8 does not read as a
 * limit, so it captures no frames (assigning to it, as cdktf does, changes nothing).
 *
 * The price: an error thrown inside `build` has no stack (`error.stack` is undefined), so code
 * run inside `build` must not depend on one (Node's `assert.ok(false)` without a message, which
 * reads its caller's line from the stack, says less). A caller that wants to show where a
 * construct threw builds again with `withoutCreationStacks`, which keeps errors' stacks
 * (building is deterministic; the synth does this).
 */
export function withoutStackCapture<T>(build: () => T): T {
  const limit = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit');
  Object.defineProperty(Error, 'stackTraceLimit', { configurable: true, enumerable: true, get: () => undefined, set: () => undefined });
  try {
    return withoutCreationStacks(build);
  } finally {
    if (limit) Object.defineProperty(Error, 'stackTraceLimit', limit);
    else delete (Error as { stackTraceLimit?: number }).stackTraceLimit;
  }
}

/**
 * Runs `build` without capturing stacks (`withoutStackCapture`); should it throw an error that
 * therefore has no stack, runs it again capturing them (`withoutCreationStacks`), so that the
 * error thrown names the file and line, as it would have without either. For builds that do
 * the same every time, as building stacks does.
 */
export function withStacksOnlyForErrors<T>(build: () => T): T {
  try {
    return withoutStackCapture(build);
  } catch (err) {
    if (!(err instanceof Error) || err.stack !== undefined) throw err;
    const result = withoutCreationStacks(build);
    // Built again without the error: it was not the build's own (a file briefly missing, too many open files…). Say so.
    process.stderr.write(`warning: building stacks failed once (${err.message}), and succeeded when built again\n`);
    return result;
  }
}

function firstLineOnly(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : '';
}
