// @ts-check
/**
 * Jest's transformer for this repository's TypeScript: esbuild's transform, which strips the
 * types and writes CommonJS with a source map, file by file, as `npm run synth` compiles the
 * program (main.ts). It checks no types: `npm test` runs `tsc --noEmit` over the whole project
 * first, and tsconfig's `isolatedModules` makes every file compile on its own.
 *
 * Why not ts-jest: it loads the TypeScript compiler in every jest worker and transpiles with
 * it, which on a fresh clone (CI's case: jest's cache is empty) cost about as much as some of
 * the test files themselves; esbuild is already what the synth and the Lambda bundles use.
 *
 * JavaScript, like jest.config.js: jest loads its transformer before anything can compile
 * TypeScript for it.
 */
const { createHash } = require('node:crypto');
const { transformSync, version } = require('esbuild');

/** What tsconfig.json says that changes the JavaScript written (target ES2022 defines class fields). */
const TSCONFIG = { compilerOptions: { useDefineForClassFields: true, esModuleInterop: true } };

module.exports = {
  /** @param {string} source @param {string} path @param {{ configString?: string }} options */
  getCacheKey(source, path, options) {
    return createHash('sha256')
      .update(['esbuild', version, process.version, JSON.stringify(TSCONFIG), path, options.configString ?? '', source].join('\0'))
      .digest('hex');
  },
  /** @param {string} source @param {string} path */
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
