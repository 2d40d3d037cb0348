/**
 * Entry point of `npm run synth` and `cdktf synth` (cdktf.json's `app`): runs the synth program,
 * stacks/synth.ts (what it does and its flags are described there and in the README),
 * compiled into one JavaScript file.
 *
 * Why compiled: run from its TypeScript sources, a synth spends more time finding, transforming
 * and loading its modules (ours, cdktf's and the provider bindings') than synthesizing a small
 * organisation. esbuild bundles the program into `.gen/synth/` (git-ignored), and later runs
 * reuse that file as long as nothing that shapes it has changed:
 *   - the content of every source file esbuild read for it (its metafile lists them), and the
 *     names of the files beside them;
 *   - the installed packages (`node_modules/.package-lock.json`, which npm rewrites on every
 *     install);
 *   - package.json, tsconfig.json, this file and the Node version.
 * Any change rebuilds it first (under a second). The bundled program writes byte for byte what
 * the sources write (test/stacks/compiled-program.test.ts).
 *
 * Errors stay readable: a crash prints its stack with every frame of the compiled file mapped
 * back to the TypeScript file and line (from the bundle's source map, read only then).
 * `--verbose` (or `PAYMENTS_SYNTH_VERBOSE=1`) runs the program from its sources under tsx,
 * with source-mapped stack traces throughout, token creation stacks included.
 *
 * A large organisation's stacks are shared out between processes, one per core
 * (stacks/parallel-synth.ts); the others are the compiled program run by Node, as workers.
 *
 * This file runs under Node's own TypeScript support (type stripping, Node 22.18 or later), so
 * it uses only erasable syntax and imports only Node's modules; tsx runs it too.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS `require`, not `import`: Node's type stripping rewrites no import statement, and a TypeScript file with module syntax in a package without "type" is re-parsed as an ES module with a warning. */
const { createHash } = require('node:crypto') as typeof import('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
const { enableCompileCache, SourceMap } = require('node:module') as typeof import('node:module');
const { dirname, join, relative, resolve } = require('node:path') as typeof import('node:path');

/** What stacks/program.ts exports. */
interface Program {
  runSynth(
    argv: readonly string[],
    context?: { readonly worker?: { readonly command: string; readonly args: readonly string[] }; readonly readableStack?: (stack: string) => string },
  ): Promise<number>;
  reportCrash(err: unknown): void;
}

/** What a build recorded: the key of everything but the sources, each source file's hash, and the names in their folders. */
interface BuildRecord {
  readonly key: string;
  readonly sources: Record<string, string>;
  readonly folders: string;
  readonly bundle: string;
}

const ENTRY = __filename;
const ROOT = __dirname;
const OUT = join(ROOT, '.gen', 'synth');
const RECORD = join(OUT, 'build.json');
const PROGRAM_SOURCE = join(ROOT, 'stacks', 'program.ts');

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hashOf = (file: string): string => (existsSync(file) ? sha256(readFileSync(file)) : 'absent');

/** The key of what shapes the bundle besides its own source files. */
function fixedKey(): string {
  const installed = existsSync(join(ROOT, 'node_modules', '.package-lock.json')) ? join(ROOT, 'node_modules', '.package-lock.json') : join(ROOT, 'package-lock.json');
  return sha256(['compiled synth program 1', process.version, hashOf(ENTRY), hashOf(join(ROOT, 'package.json')), hashOf(join(ROOT, 'tsconfig.json')), hashOf(installed)].join('\n'));
}

/** The bundle recorded by the last build, if everything that shaped it is unchanged. */
function currentBundle(key: string): string | undefined {
  if (!existsSync(RECORD)) return undefined;
  let record: BuildRecord;
  try {
    record = JSON.parse(readFileSync(RECORD, 'utf8')) as BuildRecord;
  } catch {
    return undefined;
  }
  if (record.key !== key || !existsSync(join(OUT, record.bundle))) return undefined;
  for (const [file, hash] of Object.entries(record.sources)) if (hashOf(join(ROOT, file)) !== hash) return undefined;
  if (foldersOf(Object.keys(record.sources)) !== record.folders) return undefined;
  return join(OUT, record.bundle);
}

/**
 * What an import could newly resolve to, in every folder that holds a source file and every
 * folder above it up to the repository: the module files there, and the folders that are
 * modules (hold an index file or package.json). A file added there (`./x.ts` beside
 * `./x/index.ts`, `modules/guardrails.ts` beside `modules/guardrails/`) rebuilds the program.
 */
function foldersOf(sources: readonly string[]): string {
  const folders = new Set<string>();
  for (const file of sources) for (let d = dirname(file); !folders.has(d); d = dirname(d)) folders.add(d);
  const isModule = (path: string, name: string) => name.slice(name.lastIndexOf('.')) in LOADERS || ['index.ts', 'index.js', 'package.json'].some((f) => existsSync(join(path, name, f)));
  return sha256(
    [...folders]
      .sort()
      .map((d) => {
        const path = join(ROOT, d);
        const names = existsSync(path) ? readdirSync(path).filter((name) => isModule(path, name)) : ['(gone)'];
        return `${d}: ${names.sort().join(' ')}`;
      })
      .join('\n'),
  );
}

const LOADERS: Record<string, 'ts' | 'js' | 'json'> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.json': 'json' };

/**
 * Reads every source file of ours for esbuild (not node_modules, which the installed packages'
 * record covers), and records the hash of exactly what was read: a file edited while the
 * program builds makes the record disagree with it, so the next run rebuilds. Also gives each
 * module that names `__dirname` or `__filename` its own, as if it ran from its source file (the
 * bundle lives in `.gen/synth/`, two folders below the repository).
 */
function sourcesPlugin(read: Map<string, string>) {
  return {
    name: 'sources',
    setup(build: { onLoad(options: { filter: RegExp }, callback: (args: { path: string }) => { contents: string; loader: 'ts' | 'js' | 'json' } | undefined): void }): void {
      build.onLoad({ filter: /\.(m|c)?(ts|js)$|\.json$/ }, (args) => {
        const file = relative(ROOT, args.path).split('\\').join('/');
        const loader = LOADERS[file.slice(file.lastIndexOf('.'))];
        if (file.split('/').includes('node_modules') || loader === undefined) return undefined;
        const bytes = readFileSync(args.path);
        read.set(file, sha256(bytes));
        const contents = bytes.toString('utf8');
        if (loader !== 'ts' || !/\b__(dirname|filename)\b/.test(contents)) return { contents, loader };
        const prelude = `var __dirname = require("node:path").join(__repositoryRoot, ${JSON.stringify(dirname(file))}); var __filename = require("node:path").join(__repositoryRoot, ${JSON.stringify(file)});`;
        // On the first line, so that every line keeps its number in the source map.
        return { contents: `${prelude} ${contents}`, loader };
      });
    },
  };
}

/** Bundles stacks/program.ts into `.gen/synth/` and records what shaped it. */
async function build(key: string): Promise<string> {
  const esbuild = require('esbuild') as typeof import('esbuild');
  const read = new Map<string, string>();
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [PROGRAM_SOURCE],
    outfile: join(OUT, 'program.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node}`,
    // Found at run time from node_modules: esbuild's native binary, and tsx for a run from the sources.
    external: ['esbuild', 'tsx', 'tsx/*'],
    banner: { js: 'var __repositoryRoot = require("node:path").resolve(__dirname, "..", "..");' },
    sourcemap: 'external',
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: 'silent',
    plugins: [sourcesPlugin(read)],
  });
  const sources: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    if (!input.split('/').includes('node_modules')) sources[input] = read.get(input) ?? hashOf(join(ROOT, input));
  }
  const code = result.outputFiles.find((f) => f.path.endsWith('.js'))!;
  const map = result.outputFiles.find((f) => f.path.endsWith('.js.map'))!;
  const bundle = `program-${sha256(key + JSON.stringify(sources)).slice(0, 16)}.js`;
  mkdirSync(OUT, { recursive: true });
  // Written under temporary names and renamed: a synth running at the same time reads either the old files or the new ones.
  const temp = `.${process.pid}.tmp`;
  writeFileSync(join(OUT, `${bundle}.map${temp}`), map.contents);
  renameSync(join(OUT, `${bundle}.map${temp}`), join(OUT, `${bundle}.map`));
  writeFileSync(join(OUT, `${bundle}${temp}`), code.contents);
  renameSync(join(OUT, `${bundle}${temp}`), join(OUT, bundle));
  writeFileSync(`${RECORD}${temp}`, `${JSON.stringify({ key, sources, folders: foldersOf(Object.keys(sources)), bundle } satisfies BuildRecord, null, 2)}\n`);
  renameSync(`${RECORD}${temp}`, RECORD);
  // Earlier programs, and files of builds that were killed, once no synth can still be starting
  // from them (a synth on another Node version or another branch of this checkout may use one).
  for (const old of readdirSync(OUT)) {
    if (old.startsWith(bundle) || old === 'build.json' || !(old.startsWith('program-') || old.endsWith('.tmp'))) continue;
    if (Date.now() - statSync(join(OUT, old)).mtimeMs > 10 * 60_000) rmSync(join(OUT, old), { force: true });
  }
  // The compiled code V8 kept of earlier bundles is of no more use.
  rmSync(join(ROOT, '.gen', 'node-compile-cache'), { recursive: true, force: true });
  return join(OUT, bundle);
}

/** `stack` with every frame in `bundle` named by the TypeScript file and line it was compiled from. */
function mappedStack(stack: string, bundle: string): string {
  let map: InstanceType<typeof SourceMap>;
  try {
    map = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
  } catch {
    return stack;
  }
  const frame = new RegExp(`${bundle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`, 'g');
  return stack.replace(frame, (whole, line: string, column: string) => {
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return whole;
    return `${resolve(OUT, entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

async function runCompiled(): Promise<void> {
  const argv = process.argv.slice(2);
  const key = fixedKey();
  const bundle = currentBundle(key) ?? (await build(key));
  // V8 keeps the bundle's compiled code on disk (Node's compile cache, keyed by content), for this process and its workers.
  process.env.NODE_COMPILE_CACHE = join(ROOT, '.gen', 'node-compile-cache');
  enableCompileCache(process.env.NODE_COMPILE_CACHE);
  const program = require(bundle) as Program;
  try {
    // A worker is the compiled program run by Node itself (stacks/program.ts).
    process.exitCode = await program.runSynth(argv, { worker: { command: process.execPath, args: [bundle] }, readableStack: (stack) => mappedStack(stack, bundle) });
  } catch (err) {
    if (err instanceof Error && err.stack) err.stack = mappedStack(err.stack, bundle);
    program.reportCrash(err);
    process.exitCode = 1;
  }
}

function runFromSources(): void {
  (require('tsx/cjs/api') as { register(): void }).register();
  const program = require(PROGRAM_SOURCE) as Program;
  program.runSynth(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      program.reportCrash(err);
      process.exitCode = 1;
    },
  );
}

const verbose = process.argv.slice(2).includes('--verbose') || process.env.PAYMENTS_SYNTH_VERBOSE === '1';
if (verbose) runFromSources();
else
  runCompiled().catch((err: unknown) => {
    // The program did not compile (esbuild names the file and line): nothing may deploy from the previous synth's output either.
    rmSync(join(process.env.CDKTF_OUTDIR ?? 'cdktf.out', 'manifest.json'), { force: true });
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
