/**
 * aws-local-stepfunctions 3 calls `Promise.withResolvers` (Node ≥ 22); this machine and CI
 * run Node 20. We polyfill it (the spec'd semantics, 6 lines) instead of running the local
 * executions on a separate Node 22 binary: the tests run inside jest on the Node that runs
 * everything else, the handlers' bundles load in the same process as the simulator, and
 * the polyfill disappears by itself on Node 22 (`??=`). Import this module before
 * aws-local-stepfunctions.
 */
type WithResolvers = <T>() => { promise: Promise<T>; resolve: (value: T | PromiseLike<T>) => void; reject: (reason?: unknown) => void };
const P = Promise as unknown as { withResolvers?: WithResolvers };
P.withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
export {};
