/**
 * Tests are compiled by esbuild without type-checking (test/support/transform.js; tsconfig's
 * `isolatedModules` makes each file compile on its own), because type-checking each test file
 * against the provider bindings would cost minutes; `npm test` runs `tsc --noEmit` over the
 * whole project first instead (`npm run static-checks`).
 */
const { availableParallelism } = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/test/support/transform.js' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000,
  // One synth per manifest per run, shared by every test file (test/support/synth.ts), and
  // stack traces not source-mapped while stacks are built, as in `npm run synth` (test/support/setup.ts).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/setup.ts'],
  // After jest's own source-map support is installed: token creation stacks are not source-mapped
  // (they were more than half of a synth's CPU time in a test), errors still are (test/support/stack-traces.ts).
  setupFilesAfterEnv: ['<rootDir>/test/support/stack-traces.ts'],
  // Suites run in worker processes, replaced once one holds more than 1.5 GB after a suite: the
  // synth-heavy suites (hundreds of stacks) would otherwise accumulate in one process until V8
  // spends its time collecting garbage. Three workers on two cores (one and a half per core; jest
  // reads a percentage above 100 as a number of workers, so it is worked out here):
  // many suites wait on something else for part of their time (processes they start, the local
  // run's model clock, esbuild), and a third worker fills those gaps. On the two-core machines,
  // alternating runs of the whole suite took 145 and 131 s with three workers against 165 and
  // 150 s with two; the local run's clock does not count time its process is not given the
  // processor (tools/local/capacity.ts), so its timings hold with more suites side by side.
  maxWorkers: Math.max(1, Math.floor(availableParallelism() * 1.5)),
  // Longest files first, on a fresh clone too (test/support/sequencer.js).
  testSequencer: '<rootDir>/test/support/sequencer.js',
  workerIdleMemoryLimit: '1536MB',
};
