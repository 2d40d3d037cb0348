/**
 * The synth launcher (stacks/launcher.ts) bundles the synth program with `archiver` (which cdktf imports when it loads, only to
 * zip ARCHIVE and DIRECTORY assets) left out and loaded on first use. The same build step, on a
 * small tree of packages: a package nested under the importer, as archiver is under cdktf, and
 * another copy of it at the top, which only other importers get.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { deferredPackage as deferred } from '../../stacks/launcher';

const deferredPackage = (name: string, importer: string): Plugin => deferred(name, importer) as Plugin;

const FILES: Record<string, string> = {
  'node_modules/importer/index.js': `const dep = require('dep');
module.exports = { call: (x) => dep(x), version: () => dep.version, isDep: () => 'version' in dep };`,
  // what the importer gets: its own copy, as cdktf gets the archiver under cdktf/node_modules
  'node_modules/importer/node_modules/dep/index.js': `globalThis.nestedLoads = (globalThis.nestedLoads ?? 0) + 1;
module.exports = function dep(x) { return 'nested:' + x; };
module.exports.version = 'nested 1.0';`,
  'node_modules/dep/index.js': `globalThis.topLoads = (globalThis.topLoads ?? 0) + 1;
module.exports = function dep(x) { return 'top:' + x; };`,
  'entry.js': `const importer = require('importer');
const direct = require('dep');
const before = globalThis.nestedLoads ?? 0;
const called = importer.call('x');
console.log(JSON.stringify({ before, called, version: importer.version(), isDep: importer.isDep(), after: globalThis.nestedLoads, direct: direct('y'), topLoads: globalThis.topLoads }));`,
};

describe('a package deferred in the compiled program', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'deferred-package-'));
    for (const [file, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), `${text}\n`);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const bundleAndRun = async (plugins: Plugin[]) => {
    const outfile = join(dir, 'out', `bundle-${plugins.length}.js`);
    await build({ absWorkingDir: dir, entryPoints: [join(dir, 'entry.js')], outfile, bundle: true, platform: 'node', format: 'cjs', logLevel: 'silent', plugins });
    const run = spawnSync(process.execPath, [outfile], { cwd: tmpdir(), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    return { result: JSON.parse(run.stdout) as Record<string, unknown>, code: readFileSync(outfile, 'utf8') };
  };

  test('given the package imported by the importer, when bundled with it deferred, then it is not in the bundle, is loaded from the importer on first use only, and answers as itself', async () => {
    const { result, code } = await bundleAndRun([deferredPackage('dep', 'importer')]);
    expect(code).not.toContain('nested:');
    expect(result).toEqual({ before: 0, called: 'nested:x', version: 'nested 1.0', isDep: true, after: 1, direct: 'top:y', topLoads: 1 });
  });

  test('given the same tree bundled as it is, then the package is in the bundle and runs when the program loads', async () => {
    const { result, code } = await bundleAndRun([]);
    expect(code).toContain('nested:');
    expect(result).toEqual({ before: 1, called: 'nested:x', version: 'nested 1.0', isDep: true, after: 1, direct: 'top:y', topLoads: 1 });
  });
});
