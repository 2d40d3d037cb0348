/**
 * Bundles are built once: a process that finds a zip whose recorded inputs (the handler's own
 * files, esbuild's version and options, the lock file, the zip writer) hash the same reuses it
 * without starting esbuild, and that zip is byte-identical to a fresh build.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_DIR, HANDLERS, bundleHandler, freshBundle } from '../../modules/workflow/lambda-bundle';
import { exampleManifest } from '../support/synth';

type BundleModule = typeof import('../../modules/workflow/lambda-bundle');

describe('the bundle cache', () => {
  beforeAll(() => {
    for (const name of HANDLERS) bundleHandler(name);
  });

  test('given every bundle built once, when a new process builds the example organisation, then it runs esbuild zero times', () => {
    let runs = -1;
    let bundled = 0;
    const outdir = mkdtempSync(join(tmpdir(), 'bundle-cache-'));
    jest.isolateModules(() => {
      // a fresh copy of the modules: nothing bundled in memory, as in a second `npm run synth`
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require('../../modules/workflow/lambda-bundle') as BundleModule;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { buildApp } = require('../../stacks/app') as typeof import('../../stacks/app');
      const { app } = buildApp(exampleManifest(), { outdir });
      bundled = app.node.findAll().filter((c) => (c as { terraformResourceType?: string }).terraformResourceType === 'aws_lambda_function').length;
      runs = fresh.esbuildRunCount();
    });
    rmSync(outdir, { recursive: true, force: true });
    expect(bundled).toBeGreaterThan(0);
    expect(runs).toBe(0);
  });

  test.each(HANDLERS)('given the cached %s zip, then it is byte-identical to a fresh esbuild build', (name) => {
    const cached = readFileSync(bundleHandler(name).zipPath);
    expect(cached.equals(freshBundle(name).zip)).toBe(true);
  });

  test('given a cached bundle, then its record names the repository files esbuild read for it (so a change to any of them rebuilds it), never node_modules', () => {
    const record = JSON.parse(readFileSync(join(BUNDLE_DIR, 'submit.json'), 'utf8')) as { inputs: string[]; key: string; sha256: string };
    expect(record.inputs).toEqual(expect.arrayContaining(['lambdas/submit/index.ts', 'contract/payment.ts']));
    expect(record.inputs.some((i) => i.startsWith('lambdas/runtime/'))).toBe(true);
    expect(record.inputs.filter((i) => i.includes('node_modules') || i.startsWith('..'))).toEqual([]);
    expect(record.sha256).toBe(bundleHandler('submit').sha256);
  });
});
