/**
 * Tests are transpiled without type-checking (tsconfig `isolatedModules`), because
 * type-checking each test file against the provider bindings would cost minutes;
 * `npm test` runs `tsc --noEmit` over the whole project first instead.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000,
};
