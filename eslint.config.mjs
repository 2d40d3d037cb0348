// @ts-check
/**
 * ESLint on the TypeScript sources: ESLint's and typescript-eslint's recommended rules.
 *
 * Rules that need type information (no-floating-promises and the like) are not on: they make
 * ESLint build the whole TypeScript program, which took three times as long as this lint
 * (about 35 s against 10 s) and found nothing that `tsc` and the tests do not already.
 */
import eslint from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig([
  globalIgnores(['cdktf.out/', '.gen/', 'dist/', 'coverage/']),
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['**/*.ts'],
    extends: [eslint.configs.recommended, tseslint.configs.recommended],
    rules: {
      // A leading underscore marks a value left unused on purpose (a property taken out of a
      // rest copy, a callback parameter the signature requires), as tsc's noUnused* checks allow.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // The tools run under tsx's CommonJS hook (package.json), which does not load an `import()`
    // of a TypeScript file; everything they load is written with `import` statements or `require`.
    files: ['tools/**/*.ts', 'modules/**/*.ts', 'stacks/**/*.ts', 'accounts/**/*.ts', 'lambdas/**/*.ts', 'main.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'ImportExpression', message: "`import()` does not load TypeScript under tsx's CommonJS hook, which runs the tools: use `require` (README, Toolchain pins)." },
      ],
    },
  },
  {
    // Tests read synthesized Terraform JSON and simulator answers, whose shape is exactly what
    // they assert; typing every walk through that JSON would restate the assertions.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
]);
