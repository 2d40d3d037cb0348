/**
 * The order jest starts test files in. The workers share the files; the run ends when the
 * last file ends, so the longest files go first and the short ones fill the gaps at the end.
 *
 * jest's own order does that from the durations it recorded in its cache (files that failed
 * last time first), and without them by file size, which says little here: a short file that
 * runs the local workflow or synthesizes a large organisation takes far longer than a long
 * file of quick checks. A fresh clone has no recorded durations, so the files known to take
 * long are named below with about how long they take (seconds, on two cores, with two workers
 * busy); a recorded duration, where jest has one, wins. test/tools/test-order.test.ts checks
 * that every file named exists.
 */
const Sequencer = require('@jest/test-sequencer').default;
const { relative } = require('node:path');

/** Files that take five seconds or more, with about how long. */
const EXPECTED_SECONDS = {
  'test/workflow/execution.test.ts': 22,
  'test/stacks/compiled-program.test.ts': 18,
  'test/tools/permissions.test.ts': 17,
  'test/tools/review/scale.test.ts': 17,
  'test/policy/runtime.test.ts': 16,
  'test/local/capacity.test.ts': 15,
  'test/tools/review/review-repo.test.ts': 13,
  'test/tools/review/ci.test.ts': 13,
  'test/local/faults.test.ts': 10,
  'test/local/reconcile-deliveries.test.ts': 8,
  'test/workflow/idempotency.test.ts': 9,
  'test/tools/review/determinism.test.ts': 8,
  'test/stacks/parallel-synth.test.ts': 8,
  'test/local/tools.test.ts': 7,
  'test/tools/review/judge.test.ts': 7,
  'test/stacks/prepare-pass.test.ts': 5,
  'test/lambdas/bundle-cache.test.ts': 5,
  'test/stacks/app.test.ts': 5,
};

/** What a file not named above is taken to take when jest recorded nothing for it. */
const OTHER_SECONDS = 2;

class LongestFirst extends Sequencer {
  sort(tests) {
    const root = (test) => test.context.config.rootDir;
    const seconds = (test) => {
      const recorded = this.time(test);
      if (recorded !== undefined && recorded !== null) return recorded / 1000;
      return EXPECTED_SECONDS[relative(root(test), test.path).split('\\').join('/')] ?? OTHER_SECONDS;
    };
    const size = (test) => test.context.hasteFS.getSize(test.path) ?? 0;
    // As jest's own order does: the recorded duration, which jest's estimate of the run's time reads.
    for (const test of tests) test.duration = this.time(test);
    const keyed = tests.map((test) => ({ test, failed: this.hasFailed(test), seconds: seconds(test), size: size(test) }));
    keyed.sort((a, b) => Number(b.failed) - Number(a.failed) || b.seconds - a.seconds || b.size - a.size);
    return keyed.map((k) => k.test);
  }
}

module.exports = LongestFirst;
module.exports.EXPECTED_SECONDS = EXPECTED_SECONDS;
