/**
 * Bundles are built once: a process that finds a zip whose recorded inputs (the handler's own
 * files, esbuild's version and options, the lock file, the zip writer) hash the same reuses it
 * without starting esbuild, and that zip is byte-identical to a fresh build.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_DIR, HANDLERS, STORE_DIR, STORE_KEEP, bundleHandler, freshBundle } from '../../modules/workflow/lambda-bundle';
import { copyRepository } from '../support/checkouts';
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

describe('the bundle store shared by checkouts', () => {
  let copy: string;

  /** A fresh copy of the bundling module loaded from `root` (its repository root is `root`), as a process started there would load it. */
  const loadFrom = (root: string): BundleModule => {
    let loaded: BundleModule | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require(join(root, 'modules', 'workflow', 'lambda-bundle')) as BundleModule;
    });
    return loaded!;
  };

  beforeAll(() => {
    for (const name of HANDLERS) bundleHandler(name);
    // given: another checkout of the same commit (its tracked files, node_modules linked), with no bundle of its own
    copy = copyRepository(mkdtempSync(join(tmpdir(), 'bundle-store-')));
  });

  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  /** How many times a process started in the copy, with no bundle of its own, runs esbuild to bundle `name` (the copy is left without bundles again). */
  const esbuildRunsToBundle = (name: (typeof HANDLERS)[number]): number => {
    rmSync(join(copy, '.gen'), { recursive: true, force: true });
    try {
      const there = loadFrom(copy);
      there.bundleHandler(name);
      return there.esbuildRunCount();
    } finally {
      rmSync(join(copy, '.gen'), { recursive: true, force: true });
    }
  };

  test('given a checkout without bundles whose sources are the same, when it bundles a function, then it takes the stored zip without running esbuild, byte-identical', () => {
    const there = loadFrom(copy);
    expect(there.BUNDLE_DIR).toBe(join(copy, '.gen', 'lambdas'));
    expect(existsSync(join(copy, '.gen'))).toBe(false);
    const bundle = there.bundleHandler('submit');
    expect(there.esbuildRunCount()).toBe(0);
    expect(bundle.zipPath).toBe(join(copy, '.gen', 'lambdas', 'submit.zip'));
    expect(readFileSync(bundle.zipPath).equals(readFileSync(bundleHandler('submit').zipPath))).toBe(true);
    // and the checkout now has its own cached copy, which the next process there reuses
    const again = loadFrom(copy);
    expect(again.bundleHandler('submit').sha256).toBe(bundle.sha256);
    expect(again.esbuildRunCount()).toBe(0);
  });

  test.each([
    // Each run changes it differently: the store keeps what an earlier run built from its change.
    ['tsconfig.json', (text: string) => text.replace('"compilerOptions": {', `"storeTest": "${Date.now()}",\n  "compilerOptions": {`)],
    ['package.json', (text: string) => text.replace('"private": true,', `"private": true,\n  "storeTest": "${Date.now()}",`)],
  ])('given a checkout whose %s differs (esbuild reads it), when it bundles a function, then it runs esbuild rather than take the stored zip', (file, change) => {
    const path = join(copy, file);
    const original = readFileSync(path, 'utf8');
    const changed = change(original);
    expect(changed).not.toBe(original);
    writeFileSync(path, changed);
    try {
      expect(esbuildRunsToBundle('validate')).toBe(1);
    } finally {
      writeFileSync(path, original);
    }
  });

  test('given a checkout with a module added beside an input (what an import resolves to may change), when it bundles a function, then it runs esbuild', () => {
    const added = join(copy, 'lambdas', 'runtime', `store-test-added-${Date.now()}.ts`);
    writeFileSync(added, 'export {};\n');
    try {
      expect(esbuildRunsToBundle('status')).toBe(1);
    } finally {
      rmSync(added, { force: true });
    }
  });

  test.each([
    [
      'a folder holding an index.ts',
      (path: string) => {
        mkdirSync(path);
        writeFileSync(join(path, 'index.ts'), 'export {};\n');
      },
    ],
    [
      'a link to a folder (elsewhere) holding an index.ts',
      (path: string) => {
        const target = mkdtempSync(join(tmpdir(), 'store-test-linked-'));
        writeFileSync(join(target, 'index.ts'), 'export {};\n');
        symlinkSync(target, path);
        return target;
      },
    ],
  ])(
    'given a checkout with %s added beside an input (an import without extension may now resolve to it), when it bundles a function, then it runs esbuild',
    (_what, add: (path: string) => string | void) => {
      const added = join(copy, 'lambdas', 'runtime', `store-test-module-${Date.now()}`);
      const elsewhere = add(added);
      try {
        expect(esbuildRunsToBundle('status')).toBe(1);
      } finally {
        for (const path of [added, elsewhere]) if (path) rmSync(path, { recursive: true, force: true });
      }
    },
  );

  test('given a checkout whose handler differs, when it bundles it, then it runs esbuild, and stores the result for the next checkout; the store keeps a bounded number per function', () => {
    const handler = join(copy, 'lambdas', 'fraud', 'index.ts');
    writeFileSync(handler, `${readFileSync(handler, 'utf8')}\nexport const storeTestMarker = '${Date.now()}';\n`);
    rmSync(join(copy, '.gen'), { recursive: true, force: true });
    const there = loadFrom(copy);
    const changed = there.bundleHandler('fraud');
    expect(there.esbuildRunCount()).toBe(1);
    expect(changed.sha256).not.toBe(bundleHandler('fraud').sha256);
    // when a third checkout with the same change (the copy without its own bundles) bundles it, then it is taken from the store
    rmSync(join(copy, '.gen'), { recursive: true, force: true });
    const third = loadFrom(copy);
    expect(third.bundleHandler('fraud').sha256).toBe(changed.sha256);
    expect(third.esbuildRunCount()).toBe(0);
    expect(readdirSync(join(STORE_DIR, 'fraud')).filter((f) => f.endsWith('.json')).length).toBeLessThanOrEqual(STORE_KEEP);
  });
});
