/**
 * Jest's transformer for this repository's TypeScript: esbuild's transform, which strips the
 * types and writes CommonJS with a source map, file by file, as `npm run synth` compiles the
 * program (main.ts), with the compiler options of tsconfig.json. It checks no types: `npm test`
 * runs `tsc --noEmit` over the whole project first, and tsconfig's `isolatedModules` makes
 * every file compile on its own.
 *
 * Why not ts-jest: it loads the TypeScript compiler in every jest worker and transpiles with
 * it, which on a fresh clone (CI's case: jest's cache is empty) cost about as much as some of
 * the test files themselves; esbuild is already what the synth and the Lambda bundles use.
 *
 * What differs from ts-jest, and no test relies on: `jest.mock` calls are not hoisted above
 * the imports, and a module's exports are getters, which `jest.spyOn(module, 'fn')` cannot
 * replace.
 *
 * JavaScript, like jest.config.js: jest loads its transformer before anything can compile
 * TypeScript for it.
 */
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { transformSync, version } = require('esbuild');

const TSCONFIG = readFileSync(join(__dirname, '..', '..', 'tsconfig.json'), 'utf8');
/** Everything besides a file's own source and path that shapes what this gives for it. */
const KEY = ['esbuild', version, process.version, readFileSync(__filename, 'utf8'), TSCONFIG].join('\0');

module.exports = {
  getCacheKey(source, path, options) {
    return createHash('sha256')
      .update([KEY, path, options.configString ?? '', String(options.instrument ?? false), source].join('\0'))
      .digest('hex');
  },
  process(source, path) {
    const result = transformSync(source, {
      loader: path.endsWith('.ts') ? 'ts' : 'js',
      format: 'cjs',
      platform: 'node',
      target: `node${process.versions.node}`,
      sourcefile: path,
      sourcemap: 'external',
      sourcesContent: false,
      tsconfigRaw: TSCONFIG,
    });
    return { code: result.code, map: result.map };
  },
};
