/**
 * Synth maps no stack trace through source maps while it builds (token creation stacks cost
 * more CPU than the rest of the synth under a TypeScript runner), and errors stay readable: a
 * construct that throws, or a token whose producer throws, still names its message and the
 * source file and line that failed.
 */
import { spawnSync } from 'node:child_process';
import { App, Lazy, TerraformOutput, TerraformStack, Tokenization } from 'cdktf';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HardenedBucket } from '../../modules/data/hardened-bucket';
import { buildApp } from '../../stacks/app';
import { exampleManifest } from '../support/synth';
import { withoutCreationStacks, withoutSourceMappedStacks, withoutStackCapture, withStacksOnlyForErrors, withSourceMappedStacks } from '../../stacks/source-maps';

describe('source-mapped stack traces', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'source-maps-'));
  const enabledBefore = process.sourceMapsEnabled;
  afterAll(() => {
    process.setSourceMapsEnabled(enabledBefore);
    rmSync(outdir, { recursive: true, force: true });
  });

  test('given the switch, then Node maps stack traces only while it is on', () => {
    withoutSourceMappedStacks();
    expect(process.sourceMapsEnabled).toBe(false);
    withSourceMappedStacks();
    expect(process.sourceMapsEnabled).toBe(true);
  });

  test('given a TypeScript runner, when an error thrown with source maps off is read after they are back on, then it names the .ts line that threw', () => {
    const dir = mkdtempSync(join(tmpdir(), 'source-maps-tsx-'));
    try {
      const script = join(dir, 'throws.ts');
      const stackTraces = resolve(__dirname, '../../stacks/source-maps');
      writeFileSync(
        script,
        [
          `import { withoutSourceMappedStacks, withSourceMappedStacks } from ${JSON.stringify(stackTraces)};`,
          'type Bucket = { name: string };',
          '',
          'function build(b: Bucket): never {',
          '  throw new Error(`bad bucket ${b.name}`);',
          '}',
          'withoutSourceMappedStacks();',
          'let error: Error | undefined;',
          "try { build({ name: 'x' }); } catch (e) { error = e as Error; }",
          'withSourceMappedStacks();',
          'process.stdout.write(error!.stack!);',
        ].join('\n'),
      );
      const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), script], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^Error: bad bucket x\n\s+at build \(.*throws\.ts:5:\d+\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('given source maps off, when a construct throws while the app is built, then the error names what is wrong and the file and line that threw', () => {
    withoutSourceMappedStacks();
    const stack = new TerraformStack(new App({ outdir }), 'bad-construct');
    let error: Error | undefined;
    try {
      new HardenedBucket(stack, 'logs', { bucketName: 'logs-111111111111', encryption: { s3Managed: { reason: ' ' } } });
    } catch (e) {
      error = e as Error;
    }
    withSourceMappedStacks();
    expect(error?.message).toBe('HardenedBucket logs-111111111111: SSE-S3 needs the reason a customer-managed key cannot be used');
    expect(error?.stack).toMatch(/hardened-bucket\.ts:\d+/);
    expect(error?.stack).toMatch(/source-maps\.test\.ts:\d+/);
  });

  test('given source maps off, when a token fails to resolve at synth, then the error names the failure and the file and line of the producer that threw', () => {
    withoutSourceMappedStacks();
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'bad-token');
    new TerraformOutput(stack, 'out', {
      value: Lazy.stringValue({
        produce: () => {
          throw new Error('no value for this output');
        },
      }),
    });
    let error: Error | undefined;
    try {
      app.synth();
    } catch (e) {
      error = e as Error;
    }
    withSourceMappedStacks();
    expect(error?.message).toMatch(/^Resolution error: no value for this output/);
    expect(error?.stack).toMatch(/source-maps\.test\.ts:\d+/);
  });

  describe('token creation stacks', () => {
    const creationStackOf = (token: string) => Tokenization.reverseString(token).firstToken!.creationStack;

    test('given tokens made inside withoutCreationStacks, then they record no creation stack; outside, cdktf records one as before', () => {
      const inside = withoutCreationStacks(() => Lazy.stringValue({ produce: () => 'x' }));
      const outside = Lazy.stringValue({ produce: () => 'x' });
      expect(creationStackOf(inside)).toEqual([]);
      expect(creationStackOf(outside).length).toBeGreaterThan(0);
    });

    test('given an error thrown inside withoutCreationStacks, when read after, then it names its message and the file and line that threw; and the formatter is restored', () => {
      const before = Error.prepareStackTrace;
      let error: Error | undefined;
      try {
        withoutCreationStacks(() => {
          throw new Error('construct refused');
        });
      } catch (e) {
        error = e as Error;
      }
      expect(Error.prepareStackTrace).toBe(before);
      expect(error?.stack).toMatch(/^Error: construct refused\n\s+at .*source-maps\.test\.ts:\d+/);
    });

    test('given tokens made inside withoutStackCapture, then no frame is captured, even when asked for every frame as cdktf does, and the limit is restored', () => {
      const before = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit');
      const inside = withoutStackCapture(() => {
        const captured: { stack?: string } = {};
        Error.stackTraceLimit = Number.MAX_SAFE_INTEGER;
        Error.captureStackTrace(captured);
        return { token: Lazy.stringValue({ produce: () => 'x' }), captured: captured.stack, thrown: new Error('inside').stack };
      });
      expect(creationStackOf(inside.token)).toEqual([]);
      expect(inside.captured ?? '').toBe('');
      expect(inside.thrown).toBeUndefined();
      expect(Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')).toEqual(before);
      expect(new Error('after').stack).toMatch(/^Error: after\n\s+at /);
    });

    test('given an error thrown inside withoutStackCapture, then the limit is restored and the error still carries its message', () => {
      const before = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit');
      expect(() =>
        withoutStackCapture(() => {
          throw new Error('construct refused');
        }),
      ).toThrow('construct refused');
      expect(Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')).toEqual(before);
    });

    test('given a build that throws, when run by withStacksOnlyForErrors, then it is run a second time and the error names the file and line that threw', () => {
      let runs = 0;
      let error: Error | undefined;
      try {
        withStacksOnlyForErrors(() => {
          runs++;
          throw new Error('construct refused');
        });
      } catch (e) {
        error = e as Error;
      }
      expect(runs).toBe(2);
      expect(error?.stack).toMatch(/^Error: construct refused\n\s+at .*source-maps\.test\.ts:\d+/);
      // and a build that succeeds runs once, without any stack captured
      let once = 0;
      expect(withStacksOnlyForErrors(() => (once++, new Error('no stack').stack))).toBeUndefined();
      expect(once).toBe(1);
    });

    test('given a build that fails once only, when run by withStacksOnlyForErrors, then the second run succeeds and says on stderr that the first failed', () => {
      let calls = 0;
      const warned = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        expect(
          withStacksOnlyForErrors(() => {
            if (calls++ === 0) throw new Error('too many open files');
            return 'built';
          }),
        ).toBe('built');
        expect(warned.mock.calls.map(([text]) => String(text))).toEqual(['warning: building stacks failed once (too many open files), and succeeded when built again\n']);
      } finally {
        warned.mockRestore();
      }
    });

    test('given the example organisation synthesized with and without creation stacks, then the JSON written is the same', () => {
      const a = mkdtempSync(join(tmpdir(), 'creation-stacks-'));
      const b = mkdtempSync(join(tmpdir(), 'creation-stacks-'));
      try {
        withoutStackCapture(() => buildApp(exampleManifest(), { outdir: a }).app.synth());
        buildApp(exampleManifest(), { outdir: b }).app.synth();
        const files = readdirSync(join(a, 'stacks'));
        expect(files.length).toBeGreaterThan(0);
        for (const f of files) expect([f, readFileSync(join(a, 'stacks', f, 'cdk.tf.json'), 'utf8') === readFileSync(join(b, 'stacks', f, 'cdk.tf.json'), 'utf8')]).toEqual([f, true]);
      } finally {
        rmSync(a, { recursive: true, force: true });
        rmSync(b, { recursive: true, force: true });
      }
    });
  });
});

describe('stack traces in a test file (test/support/stack-traces.ts)', () => {
  /** The line of this file that holds `marker` (1-based). */
  const lineOf = (marker: string) =>
    readFileSync(__filename, 'utf8')
      .split('\n')
      .findIndex((l) => l.endsWith(marker)) + 1;

  test('given an error made in a test file, then its stack names the .ts line, through source maps, so a failing test points at its source', () => {
    const error = new Error('made here'); // the error's line
    expect(error.stack).toContain(`source-maps.test.ts:${lineOf("// the error's line")}:`);
  });

  test('given a stack captured on a plain object, as cdktf records where a token was made, then it still names the file and line, formatted without source maps', () => {
    const capture = { stack: '' };
    Error.captureStackTrace(capture);
    expect(capture.stack).toMatch(/^Error: \n\s+at .*source-maps\.test\.ts:\d+:\d+/);
  });
});
