/**
 * Token creation stacks, off while synthesizing.
 *
 * cdktf records where every token was made (each `Lazy`, each `${…}` reference, each dynamic
 * block): its `captureStackTrace` raises `Error.stackTraceLimit` to unlimited, captures and
 * formats the whole stack, and keeps it only to quote it if that token later fails to resolve
 * ("Object creation stack: …"). A stack makes thousands of tokens, and under a TypeScript runner
 * (tsx, ts-jest) every frame of every such stack is mapped back through source maps: measured
 * on a 102-stack organisation, that was about 40 % of the synth's CPU time.
 *
 * `withoutCreationStacks()` makes cdktf record an empty creation stack instead. Errors keep
 * their own stack (source-mapped, the runtime's usual depth): a construct that throws, a token
 * whose producer throws, a validation that fails all still name the file and line that failed.
 * What is lost is only the extra "where was this token created" list on a resolution error;
 * `npm run synth -- --verbose` keeps cdktf's behaviour for that hunt.
 *
 * There is no public switch: `App({ stackTraces: false })` only stops the stack kept with
 * annotations, not the one every token records. cdktf's modules call the helper through its
 * module's exports object (`(0, stack_trace_1.captureStackTrace)()`), so replacing that export
 * reaches every caller.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the export must be replaced on cdktf's own module object, which an ES import would copy
const stackTraceModule = require('cdktf/lib/tokens/private/stack-trace') as { captureStackTrace: (below?: unknown) => string[] };

const original = stackTraceModule.captureStackTrace;
const none = (): string[] => [];

/** From now on in this process, cdktf tokens record no creation stack. Idempotent. */
export function withoutCreationStacks(): void {
  stackTraceModule.captureStackTrace = none;
}

/** Restores cdktf's own behaviour (a full creation stack per token). */
export function withCreationStacks(): void {
  stackTraceModule.captureStackTrace = original;
}

/** Whether tokens made now record a creation stack. */
export function creationStacksRecorded(): boolean {
  return stackTraceModule.captureStackTrace !== none;
}
