/**
 * `npm run synth` (main.ts) runs the synth program compiled into one file in
 * `.gen/synth/`: what it writes is byte for byte what cdktf writes from the sources; the file
 * is reused while its sources are unchanged and rebuilt when one changes; and a construct that
 * throws is reported with the TypeScript file and line that threw, from a worker process too.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { buildApp } from '../../stacks/app';
import { planStacks } from '../../stacks/topology';
import { synthCommand } from '../../tools/review/synth';
import { copyRepository, withoutSharedStore } from '../support/checkouts';
import { exampleManifest } from '../support/synth';

const ROOT = resolve(__dirname, '../..');
/** Where main.ts keeps the programs it built for every checkout that shares node_modules. */
const STORE = join(ROOT, 'node_modules', '.cache', 'payments-synth');
/** A module preloaded (`--require`) to make loading esbuild fail: proof that a synth did not start it. */
const NO_ESBUILD = `const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'esbuild') throw new Error('esbuild refused');
  return load.call(this, request, ...rest);
};
`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function synth(root: string, outdir: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, synthCommand(root), { cwd: root, env: { ...process.env, CDKTF_OUTDIR: outdir, ...env }, encoding: 'utf8' });
}

describe('the compiled synth program', () => {
  const dirs: string[] = [];
  const tempDir = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** The example organisation written by one cdktf App of every stack from the sources: made once, for both cases below. */
  let fromSources: string | undefined;
  const sourcesSynth = (): string => {
    if (fromSources === undefined) {
      const dir = tempDir('sources-');
      buildApp(exampleManifest(), { outdir: dir }).app.synth();
      fromSources = dir;
    }
    return fromSources;
  };

  test.each([
    ['shared out between two processes', { PAYMENTS_SYNTH_WORKERS: '2' }],
    ['in one process', { PAYMENTS_SYNTH_WORKERS: '1' }],
  ])('given the example manifest, when `npm run synth` synthesizes it %s, then every stack and manifest.json are byte for byte what one cdktf App of every stack writes from the sources', (_, env) => {
    const compiled = tempDir('compiled-');
    const run = synth(ROOT, compiled, env);
    expect(run.stderr).toMatch(/^Guardrails \(payments pack, \d+ rules\): 9 stacks, 0 findings/);
    expect(run.status).toBe(0);

    const sources = sourcesSynth();
    const expected = filesUnder(sources);
    expect(expected).toEqual(expect.arrayContaining(['manifest.json', ...planStacks(exampleManifest()).map((s) => join('stacks', s.name, 'cdk.tf.json'))]));
    expect(filesUnder(compiled)).toEqual([...expected, 'guardrails-report.json', 'stacks.json'].sort());
    for (const file of expected) expect([file, readFileSync(join(compiled, file)).equals(readFileSync(join(sources, file)))]).toEqual([file, true]);
  });

  test('given a TypeScript manifest that imports a module without its extension (which only tsx loads), when `npm run synth` synthesizes it, then it is loaded through tsx and synthesized', () => {
    const dir = tempDir('ts-manifest-');
    const file = join(dir, 'manifest.ts');
    writeFileSync(file, `import { manifest as example } from ${JSON.stringify(join(ROOT, 'accounts', 'manifest'))};\nexport const manifest = example;\n`);
    const run = synth(ROOT, join(dir, 'out'), { PAYMENTS_MANIFEST: file, PAYMENTS_SYNTH_WORKERS: '1' });
    expect(run.stderr).toMatch(/^Guardrails \(payments pack, \d+ rules\): 9 stacks, 0 findings/);
    expect(run.status).toBe(0);
  });

  test('given the compiled program run by Node (by hand, or by cdktf zipping an asset with the file its zip code came from), then it exits 2 and says what it is', () => {
    const recordFile = join(ROOT, '.gen', 'synth', 'build.json');
    expect(synth(ROOT, tempDir('program-')).status).toBe(0); // the current program
    const program = join(ROOT, '.gen', 'synth', (JSON.parse(readFileSync(recordFile, 'utf8')) as { bundle: string }).bundle);
    const run = spawnSync(process.execPath, [program, 'some-folder', 'some.zip'], { cwd: tempDir('program-run-'), encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('is the compiled synth program: `npm run synth` (main.ts) runs it');
  });

  describe('in a copy of the repository', () => {
    let copy: string;
    const record = () => JSON.parse(readFileSync(join(copy, '.gen', 'synth', 'build.json'), 'utf8')) as { bundle: string; sources: Record<string, string> };

    beforeAll(() => {
      // given: the repository's tracked files, its packages, and its Lambda bundle cache (only to save esbuild the time)
      copy = copyRepository(tempDir('repository-copy-'));
      if (existsSync(join(ROOT, '.gen', 'lambdas'))) cpSync(join(ROOT, '.gen', 'lambdas'), join(copy, '.gen', 'lambdas'), { recursive: true });
    });

    test('given no compiled program in the copy, but the one the repository built in the shared store, when synthesized, then the copy takes it from there without loading esbuild at all', () => {
      // given: the repository's own program is current, so it is in the store
      expect(synth(ROOT, join(copy, 'out-repository')).status).toBe(0);
      const repository = JSON.parse(readFileSync(join(ROOT, '.gen', 'synth', 'build.json'), 'utf8')) as { bundle: string };
      expect(existsSync(join(STORE, `${repository.bundle}.json`))).toBe(true);
      // when the copy (same files, no .gen/synth) synthesizes with esbuild made impossible to load
      expect(existsSync(join(copy, '.gen', 'synth'))).toBe(false);
      const hook = join(tempDir('no-esbuild-'), 'no-esbuild.cjs');
      writeFileSync(hook, NO_ESBUILD);
      const run = synth(copy, join(copy, 'out-store'), { NODE_OPTIONS: `--require=${hook}` });
      // then it succeeds with the same program, now recorded as the copy's own
      expect(run.stderr).toMatch(/^Guardrails \(payments pack/);
      expect(run.status).toBe(0);
      expect(record().bundle).toBe(repository.bundle);
      expect(readFileSync(join(copy, '.gen', 'synth', repository.bundle)).equals(readFileSync(join(ROOT, '.gen', 'synth', repository.bundle)))).toBe(true);
      // and the hook does refuse esbuild: with the store out of reach, the same synth fails for want of it
      rmSync(join(copy, '.gen', 'synth'), { recursive: true, force: true });
      const relink = withoutSharedStore(copy);
      try {
        const refused = synth(copy, join(copy, 'out-refused'), { NODE_OPTIONS: `--require=${hook}` });
        expect(refused.status).not.toBe(0);
        expect(refused.stderr).toContain('esbuild refused');
      } finally {
        relink();
        rmSync(join(copy, '.gen', 'synth'), { recursive: true, force: true });
      }
    });

    test('given the launcher edited, when synthesized, then main.ts compiles it again and the edited launcher runs; edited back, the earlier one runs again', () => {
      const source = join(copy, 'stacks', 'launcher.ts');
      const original = readFileSync(source, 'utf8');
      expect(original.split('export function launch(): void {').length).toBe(2);
      try {
        writeFileSync(source, original.replace('export function launch(): void {', "export function launch(): void {\n  process.stderr.write('edited launcher\\n');"));
        const edited = synth(copy, join(copy, 'out-launcher-edited'));
        expect(edited.status).toBe(0);
        expect(edited.stderr).toMatch(/^edited launcher\nGuardrails \(payments pack/);
      } finally {
        writeFileSync(source, original);
      }
      const back = synth(copy, join(copy, 'out-launcher-back'));
      expect(back.status).toBe(0);
      expect(back.stderr).toMatch(/^Guardrails \(payments pack/);
      rmSync(join(copy, '.gen', 'synth'), { recursive: true, force: true });
    });

    test('given the compiled launcher damaged, when synthesized, then it is compiled again and the synth succeeds; given a launcher source that does not compile, then the synth fails saying so and leaves no manifest.json behind', () => {
      expect(synth(copy, join(copy, 'out-launcher-0')).status).toBe(0);
      const launchers = () => readdirSync(join(copy, '.gen', 'synth')).filter((f) => /^launcher-[0-9a-f]+\.js$/.test(f));
      expect(launchers()).toHaveLength(1);
      const compiled = join(copy, '.gen', 'synth', launchers()[0]!);
      // not JavaScript, then JavaScript without a launcher in it (which Node keeps as loaded)
      for (const damage of ['this is not JavaScript', '']) {
        writeFileSync(compiled, damage);
        const repaired = synth(copy, join(copy, 'out-launcher-1'));
        expect(repaired.stderr).toMatch(/^Guardrails \(payments pack/);
        expect(repaired.status).toBe(0);
        expect(readFileSync(compiled, 'utf8')).not.toBe(damage);
      }

      const source = join(copy, 'stacks', 'launcher.ts');
      const original = readFileSync(source, 'utf8');
      const outdir = join(copy, 'out-launcher-2');
      expect(synth(copy, outdir).status).toBe(0);
      expect(existsSync(join(outdir, 'manifest.json'))).toBe(true);
      try {
        writeFileSync(source, `${original}\nexport function broken( {\n`);
        const failed = synth(copy, outdir);
        expect(failed.status).toBe(1);
        expect(failed.stderr).toContain('could not be compiled or loaded: nothing was synthesized');
        expect(failed.stderr).toMatch(/launcher\.ts:\d+:\d+: ERROR/);
        expect(existsSync(join(outdir, 'manifest.json'))).toBe(false);
      } finally {
        writeFileSync(source, original);
      }
      rmSync(join(copy, '.gen', 'synth'), { recursive: true, force: true });
    });

    test('given no compiled program yet, when synthesized twice, then the first run builds it (naming every source file it read) and the second reuses it', () => {
      // given a source the store has no program for (a new file beside the others)
      writeFileSync(join(copy, 'stacks', 'store-miss.ts'), 'export {};\n');
      expect(existsSync(join(copy, '.gen', 'synth'))).toBe(false);
      expect(synth(copy, join(copy, 'out-1')).status).toBe(0);
      const first = record();
      expect(Object.keys(first.sources)).toEqual(expect.arrayContaining(['stacks/program.ts', 'stacks/payments-stack.ts', 'modules/guardrails/guardrails.ts', 'accounts/load.ts']));
      expect(Object.keys(first.sources).filter((f) => f.includes('node_modules'))).toEqual([]);
      const built = statSync(join(copy, '.gen', 'synth', first.bundle)).ino;

      // the second run, with esbuild made impossible to load, still synthesizes: it built nothing
      const hook = join(tempDir('no-esbuild-'), 'no-esbuild.cjs');
      writeFileSync(hook, NO_ESBUILD);
      expect(synth(copy, join(copy, 'out-2'), { NODE_OPTIONS: `--require=${hook}` }).status).toBe(0);
      expect(record().bundle).toBe(first.bundle);
      expect(statSync(join(copy, '.gen', 'synth', first.bundle)).ino).toBe(built);
    });

    test("given the program's code cache, when it is missing, unusable or current, here or in the store, then a synth that succeeds writes it only where it was not usable, one that fails never does, and the output is the same each time", () => {
      expect(synth(copy, join(copy, 'out-cache-0')).status).toBe(0);
      const here = join(copy, '.gen', 'synth', `${record().bundle}.v8-cache`);
      const stored = join(STORE, `${record().bundle}.v8-cache`);
      expect(existsSync(join(STORE, `${record().bundle}.json`))).toBe(true);
      const written = (file: string) => statSync(file, { throwIfNoEntry: false })?.ino;
      const sameOutput = (outdir: string) => {
        const files = filesUnder(join(copy, 'out-cache-0')).filter((f) => f !== 'guardrails-report.json');
        expect(filesUnder(join(copy, outdir)).filter((f) => f !== 'guardrails-report.json')).toEqual(files);
        for (const f of files) expect([f, readFileSync(join(copy, outdir, f)).equals(readFileSync(join(copy, 'out-cache-0', f)))]).toEqual([f, true]);
      };

      // missing in both places, and the synth fails at the manifest: still none
      rmSync(here, { force: true });
      rmSync(stored, { force: true });
      const bad = join(tempDir('bad-manifest-'), 'manifest.json');
      writeFileSync(bad, '{"organization": {}}\n');
      expect(synth(copy, join(copy, 'out-cache-bad'), { PAYMENTS_MANIFEST: bad }).status).toBe(1);
      expect([written(here), written(stored)]).toEqual([undefined, undefined]);

      // missing in both places, and the synth succeeds: written to both
      expect(synth(copy, join(copy, 'out-cache-1')).status).toBe(0);
      expect([written(here), written(stored)]).toEqual([expect.any(Number), expect.any(Number)]);
      sameOutput('out-cache-1');

      // none of the copy's own: it takes the store's, which V8 accepts (so it is not written again there)
      const inStore = written(stored);
      rmSync(here);
      expect(synth(copy, join(copy, 'out-cache-2')).status).toBe(0);
      expect(written(here)).toBeDefined();
      expect(written(stored)).toBe(inStore);
      sameOutput('out-cache-2');

      // current in both places: neither is written again
      const ownNow = written(here);
      expect(synth(copy, join(copy, 'out-cache-3')).status).toBe(0);
      expect([written(here), written(stored)]).toEqual([ownNow, inStore]);

      // unusable in both places (not V8's): V8 refuses it, the synth compiles afresh and replaces both
      writeFileSync(here, 'not a code cache');
      writeFileSync(stored, 'not a code cache');
      expect(synth(copy, join(copy, 'out-cache-4')).status).toBe(0);
      expect([readFileSync(here, 'utf8') === 'not a code cache', readFileSync(stored, 'utf8') === 'not a code cache']).toEqual([false, false]);
      sameOutput('out-cache-4');

      // a program changed in place to other code of the same length (V8 itself checks only the length): its cache is not used, the new code runs;
      // and the store's cache, which belongs to the store's program (the original), is not replaced by one of other bytes
      const program = join(copy, '.gen', 'synth', record().bundle);
      const original = readFileSync(program, 'utf8');
      expect(original.split('`Guardrails (').length).toBe(2);
      const storeCache = written(stored);
      try {
        writeFileSync(program, original.replace('`Guardrails (', '`GUARDRAILS ('));
        const changed = synth(copy, join(copy, 'out-cache-5'));
        expect(changed.status).toBe(0);
        expect(changed.stderr).toMatch(/^GUARDRAILS \(payments pack/);
        expect(written(stored)).toBe(storeCache);
      } finally {
        writeFileSync(program, original);
      }
    });

    test('given a source that does not compile, when synthesized where an earlier synth wrote its output, then the synth fails naming the file, and leaves no manifest.json, stack list or report behind', () => {
      const outdir = join(copy, 'out-before');
      expect(synth(copy, outdir).status).toBe(0);
      for (const f of ['manifest.json', 'stacks.json', 'guardrails-report.json']) expect([f, existsSync(join(outdir, f))]).toEqual([f, true]);
      const file = join(copy, 'stacks', 'payments-stack.ts');
      const source = readFileSync(file, 'utf8');
      writeFileSync(file, `${source}\nexport const broken = ;\n`);
      try {
        const run = synth(copy, outdir);
        expect(run.status).toBe(1);
        expect(run.stderr).toContain('payments-stack.ts');
        for (const f of ['manifest.json', 'stacks.json', 'guardrails-report.json']) expect([f, existsSync(join(outdir, f))]).toEqual([f, false]);
      } finally {
        writeFileSync(file, source);
      }
    });

    test('given a construct changed to throw, when synthesized, then the program is rebuilt, and whether a worker or this process built the stack, the error names the message and the .ts file and line that threw, and no manifest.json is left', () => {
      const file = join(copy, 'stacks', 'payments-stack.ts');
      const source = readFileSync(file, 'utf8');
      const superCall = source.indexOf('super(scope');
      expect(superCall).toBeGreaterThan(0);
      const lineEnd = source.indexOf('\n', superCall);
      writeFileSync(file, `${source.slice(0, lineEnd + 1)}    throw new Error('payments stack refused');\n${source.slice(lineEnd + 1)}`);
      const throwLine = source.slice(0, lineEnd + 1).split('\n').length;
      const shareSource = readFileSync(join(copy, 'stacks', 'parallel-synth.ts'), 'utf8');
      expect(shareSource).toContain('__dirname');
      const buildAppLine = shareSource.slice(0, shareSource.indexOf('built = buildApp(')).split('\n').length;
      try {
        const before = record().bundle;
        for (const env of [{ PAYMENTS_SYNTH_WORKERS: '2' }, { PAYMENTS_SYNTH_WORKERS: '1' }]) {
          const run = synth(copy, join(copy, 'out-broken'), env);
          expect([env, run.status]).toEqual([env, 1]);
          expect(run.stderr).toContain('Error: payments stack refused');
          expect(run.stderr).toContain(`${join(copy, 'stacks', 'payments-stack.ts')}:${throwLine}:`);
          // a frame in a file the compiled program gives its own __dirname: the line is still the source's
          expect(run.stderr).toContain(`${join(copy, 'stacks', 'parallel-synth.ts')}:${buildAppLine}:`);
          expect(existsSync(join(copy, 'out-broken', 'manifest.json'))).toBe(false);
          expect(existsSync(join(copy, 'out-broken', 'stacks.json'))).toBe(false);
        }
        expect(record().bundle).not.toBe(before);
      } finally {
        writeFileSync(file, source);
      }
    });
  });
});
