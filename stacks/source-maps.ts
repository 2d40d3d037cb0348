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

function firstLineOnly(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : '';
}
