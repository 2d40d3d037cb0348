/**
 * The synth launcher, which main.ts (`npm run synth`, `cdktf synth`) runs, compiled: runs the
 * synth program, stacks/synth.ts (what it does and its flags are described there and in the
 * README), compiled into one JavaScript file.
 *
 * Why compiled: run from its TypeScript sources, a synth spends more time finding, transforming
 * and loading its modules (ours, cdktf's and the provider bindings') than synthesizing a small
 * organisation. esbuild bundles the program into `.gen/synth/` (git-ignored), and later runs
 * reuse that file as long as nothing that shapes it has changed:
 *   - the content of every source file esbuild read for it (its metafile lists them), and the
 *     names of the files beside them;
 *   - the installed packages (`node_modules/.package-lock.json`, which npm rewrites on every
 *     install);
 *   - package.json, tsconfig.json, main.ts, this file and the Node version.
 * Any change rebuilds it first (under a second). The bundled program writes byte for byte what
 * the sources write (test/stacks/compiled-program.test.ts).
 *
 * Every program built is also kept in `node_modules/.cache/payments-synth/`, which every
 * checkout that uses the same node_modules shares (a worktree with node_modules linked, or a
 * commit that `npm run review` extracts): a checkout without a current program of its own takes
 * a stored one whose record holds here (the same key, sources and folder names) instead of
 * building it. The store keeps the eight programs most recently built or used.
 *
 * The bundle leaves out `archiver`, which cdktf imports when it loads but a synth of ours never
 * uses; a stand-in loads it on first use (`deferredPackage`).
 *
 * Errors stay readable: a crash prints its stack with every frame of the compiled file mapped
 * back to the TypeScript file and line (from the bundle's source map, read only then).
 * `--verbose` (or `PAYMENTS_SYNTH_VERBOSE=1`) runs the program from its sources under tsx,
 * with source-mapped stack traces throughout, token creation stacks included.
 *
 * A large organisation's stacks are shared out between processes, one per core
 * (stacks/parallel-synth.ts); the others are workers started through main.ts, which load the
 * same program with the same code cache.
 *
 * main.ts compiles this file alone (not bundled) into `.gen/synth/`, so it imports only Node's
 * modules; what it loads from node_modules (esbuild, tsx) it loads with `require` when needed.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, type Dirent } from 'node:fs';
import { createRequire, SourceMap } from 'node:module';
import { constants, Script } from 'node:vm';
import { basename, dirname, join, relative, resolve } from 'node:path';

/** What stacks/program.ts exports. */
interface Program {
  runSynth(
    argv: readonly string[],
    context?: {
      readonly worker?: { readonly command: string; readonly args: readonly string[]; readonly env?: Readonly<Record<string, string>> };
      readonly readableStack?: (stack: string) => string;
    },
  ): Promise<number>;
  reportCrash(err: unknown): void;
  runWorker(): void;
}

/** In a synth worker (with `PAYMENTS_SYNTH_WORKER=1`), the compiled program its first process runs. */
const PROGRAM_VARIABLE = 'PAYMENTS_SYNTH_PROGRAM';

/** What a build recorded: the key of everything but the sources, each source file's hash, and the names in their folders. */
interface BuildRecord {
  readonly key: string;
  readonly sources: Record<string, string>;
  readonly folders: string;
  readonly bundle: string;
}

/** The repository: the folder above this file that holds main.ts (this file runs from stacks/, and compiled from `.gen/synth/`). */
function repositoryRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'main.ts')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no main.ts in ${from} or any folder above it`);
  }
}

const ROOT = repositoryRoot(__dirname);
const ENTRY = join(ROOT, 'main.ts');
/** This file's source: what shapes it shapes the program's key too. */
const LAUNCHER_SOURCE = join(ROOT, 'stacks', 'launcher.ts');
const OUT = join(ROOT, '.gen', 'synth');
const RECORD = join(OUT, 'build.json');
const PROGRAM_SOURCE = join(ROOT, 'stacks', 'program.ts');
const STORE = join(ROOT, 'node_modules', '.cache', 'payments-synth');
const STORE_KEEP = 8;

/** `text` matched literally in a regular expression. */
const literally = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hashOf = (file: string): string => (existsSync(file) ? sha256(readFileSync(file)) : 'absent');

/** The key of what shapes the bundle besides its own source files. */
function fixedKey(): string {
  const installed = existsSync(join(ROOT, 'node_modules', '.package-lock.json')) ? join(ROOT, 'node_modules', '.package-lock.json') : join(ROOT, 'package-lock.json');
  return sha256(
    ['compiled synth program 1', process.version, hashOf(ENTRY), hashOf(LAUNCHER_SOURCE), hashOf(join(ROOT, 'package.json')), hashOf(join(ROOT, 'tsconfig.json')), hashOf(installed)].join('\n'),
  );
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
  if (!existsSync(join(OUT, record.bundle)) || !holdsHere(record, key)) return undefined;
  // Marked as used, here (earlier programs are pruned 10 minutes after their last use) and in the store.
  touch(join(OUT, record.bundle));
  touch(join(OUT, `${record.bundle}.map`));
  if (existsSync(join(STORE, `${record.bundle}.json`))) touch(join(STORE, `${record.bundle}.json`));
  else {
    // Built before the store existed, or the store was emptied (`npm ci` replaces node_modules): keep it there too.
    try {
      store(record, readFileSync(join(OUT, record.bundle)), readFileSync(join(OUT, `${record.bundle}.map`)));
    } catch {
      // no map beside it: the store goes without this one
    }
  }
  return join(OUT, record.bundle);
}

/** Whether everything `record` was built from is the same in this checkout. */
function holdsHere(record: BuildRecord, key: string): boolean {
  if (record.key !== key) return false;
  for (const [file, hash] of Object.entries(record.sources)) if (hashOf(join(ROOT, file)) !== hash) return false;
  return foldersOf(Object.keys(record.sources)) === record.folders;
}

/** Records of the programs in the store, the most recently used first. */
function storedRecords(): string[] {
  if (!existsSync(STORE)) return [];
  const used = (name: string) => {
    try {
      return statSync(join(STORE, name)).mtimeMs;
    } catch {
      return 0;
    }
  };
  return readdirSync(STORE)
    .filter((f) => f.endsWith('.json'))
    .map((name) => ({ name, used: used(name) }))
    .sort((a, b) => b.used - a.used || a.name.localeCompare(b.name))
    .map((r) => r.name);
}

/** Writes `data` under a temporary name and renames it: a synth running at the same time reads either the old file or the new one. */
function atomicWrite(path: string, data: string | Buffer | Uint8Array): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}

/** A program another checkout built from what this one holds, copied into `.gen/synth/` and recorded as this checkout's. */
function fromStore(key: string): string | undefined {
  for (const name of storedRecords()) {
    try {
      const record = JSON.parse(readFileSync(join(STORE, name), 'utf8')) as BuildRecord;
      if (`${record.bundle}.json` !== name || !holdsHere(record, key)) continue;
      mkdirSync(OUT, { recursive: true });
      atomicWrite(join(OUT, `${record.bundle}.map`), readFileSync(join(STORE, `${record.bundle}.map`)));
      atomicWrite(join(OUT, record.bundle), readFileSync(join(STORE, record.bundle)));
      atomicWrite(RECORD, `${JSON.stringify(record, null, 2)}\n`);
      touch(join(STORE, name));
      return replaced(record.bundle);
    } catch {
      // removed by another synth meanwhile, or unreadable: try the next, or build
    }
  }
  return undefined;
}

/** Keeps a program built here for other checkouts, and forgets all but the last `STORE_KEEP`. */
function store(record: BuildRecord, code: Uint8Array, map: Uint8Array): void {
  try {
    mkdirSync(STORE, { recursive: true });
    atomicWrite(join(STORE, `${record.bundle}.map`), map);
    atomicWrite(join(STORE, record.bundle), code);
    atomicWrite(join(STORE, `${record.bundle}.json`), `${JSON.stringify(record, null, 2)}\n`);
    for (const old of storedRecords().slice(STORE_KEEP)) {
      const bundle = old.slice(0, -'.json'.length);
      for (const file of [old, bundle, `${bundle}.map`, `${bundle}${CODE_CACHE}`]) rmSync(join(STORE, file), { force: true });
    }
    // Files of writes that were killed, and programs whose record is gone, once no synth can still be copying them.
    const records = new Set(storedRecords());
    for (const file of readdirSync(STORE)) {
      const orphan = file.endsWith('.tmp') || (file.startsWith('program-') && !file.endsWith('.json') && !records.has(`${file.replace(/\.(map|v8-cache)$/, '')}.json`));
      try {
        if (orphan && Date.now() - statSync(join(STORE, file)).mtimeMs > 10 * 60_000) rmSync(join(STORE, file), { force: true });
      } catch {
        // removed by another synth meanwhile
      }
    }
  } catch {
    // The store only saves time: a read-only or full node_modules leaves this checkout's program as it is.
  }
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
  // .tsx and .jsx too: esbuild tries them first when it resolves an import without extension.
  // A plain file that is not a module holds no index file: only folders (and links, which may be folders) are looked into.
  const isModule = (path: string, entry: Dirent) =>
    /\.(c|m)?(t|j)sx?$|\.json$/.test(entry.name) || (!entry.isFile() && ['index.ts', 'index.js', 'package.json'].some((f) => existsSync(join(path, entry.name, f))));
  return sha256(
    [...folders]
      .sort()
      .map((d) => {
        const path = join(ROOT, d);
        const names = existsSync(path)
          ? readdirSync(path, { withFileTypes: true })
              .filter((entry) => isModule(path, entry))
              .map((entry) => entry.name)
          : ['(gone)'];
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
    setup(build: { onLoad(options: { filter: RegExp; namespace: string }, callback: (args: { path: string }) => { contents: string; loader: 'ts' | 'js' | 'json' } | undefined): void }): void {
      build.onLoad({ filter: /\.(m|c)?(ts|js)$|\.json$/, namespace: 'file' }, (args) => {
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

/**
 * Makes `name`, where a module under `node_modules/<importer>/` imports it, a stand-in that
 * loads the package on first use (a call, or a read of one of its properties), from where the
 * importing module would have loaded it, and passes everything on to it: the package is left out
 * of the bundle, and its modules do not run unless it is used.
 *
 * Used for `archiver`, which cdktf imports when it is first loaded (with its streams, glob and
 * lodash: a fifth of the program) only to zip assets of type ARCHIVE or DIRECTORY. It never runs
 * in a synth of ours: every function's zip is a FILE asset, and cdktf zips the others in a child
 * process that runs the file its zip code was loaded from, which in the bundle is the program
 * itself, and that exits 2 (stacks/program.ts): such an asset fails the synth.
 */
export function deferredPackage(name: string, importer: string) {
  /** The importing file, named from its package (`cdktf/lib/private/fs.js`), when it is a file of the package `importer`. */
  const inImporter = (path: string): string | undefined => {
    const fromPackage = /^.*[\\/]node_modules[\\/](.*)$/.exec(path)?.[1]?.split('\\').join('/');
    return fromPackage?.startsWith(`${importer}/`) ? fromPackage : undefined;
  };
  return {
    name: `deferred-${name}`,
    setup(build: {
      onResolve(options: { filter: RegExp }, callback: (args: { path: string; importer: string; namespace: string }) => { path: string; namespace: string } | undefined): void;
      onLoad(options: { filter: RegExp; namespace: string }, callback: (args: { path: string }) => { contents: string; loader: 'js' }): void;
    }): void {
      const namespace = `deferred-${name}`;
      build.onResolve({ filter: new RegExp(`^${literally(name)}$`) }, (args) => {
        const fromPackage = args.namespace === 'file' ? inImporter(args.importer) : undefined;
        // Resolved at run time as the importer would resolve it: from the importer's own file, named by its package (no absolute path in the bundle).
        return fromPackage === undefined ? undefined : { path: fromPackage, namespace };
      });
      build.onLoad({ filter: /.*/, namespace }, (args) => ({
        loader: 'js',
        contents: `var real;
var load = function () { return real || (real = require("node:module").createRequire(require.resolve(${JSON.stringify(args.path)}))(${JSON.stringify(name)})); };
module.exports = new Proxy(function () {}, {
  apply: function (_, self, args) { return Reflect.apply(load(), self, args); },
  construct: function (_, args) { return Reflect.construct(load(), args); },
  get: function (_, key) { return Reflect.get(load(), key); },
  has: function (_, key) { return Reflect.has(load(), key); },
});
`,
      }));
    },
  };
}

/** Bundles stacks/program.ts into `.gen/synth/` and records what shaped it. */
async function build(key: string): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only to build
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
    // Without whitespace and comments: a third less for each run to read, hash and hand to V8 (and only ASCII, a one-byte string). Names and
    // code stay as they were; an error's frames are still named by their TypeScript file and line, through the source map.
    minifyWhitespace: true,
    sourcemap: 'external',
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: 'silent',
    plugins: [sourcesPlugin(read), deferredPackage('archiver', 'cdktf')],
  });
  const sources: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    if (!input.split('/').includes('node_modules')) sources[input] = read.get(input) ?? hashOf(join(ROOT, input));
  }
  const code = result.outputFiles.find((f) => f.path.endsWith('.js'))!;
  const map = result.outputFiles.find((f) => f.path.endsWith('.js.map'))!;
  const folders = foldersOf(Object.keys(sources));
  // Named by everything its record holds: programs of one name, in the store too, are interchangeable.
  const bundle = `program-${sha256([key, JSON.stringify(sources), folders].join('\n')).slice(0, 16)}.js`;
  mkdirSync(OUT, { recursive: true });
  const record: BuildRecord = { key, sources, folders, bundle };
  atomicWrite(join(OUT, `${bundle}.map`), map.contents);
  atomicWrite(join(OUT, bundle), code.contents);
  atomicWrite(RECORD, `${JSON.stringify(record, null, 2)}\n`);
  store(record, code.contents, map.contents);
  return replaced(bundle);
}

/**
 * `bundle`, just made this checkout's program: removes its earlier programs, and files of
 * builds that were killed, once no synth can still be starting from them (a synth on another
 * Node version or another branch of this checkout may use one), and the compiled code V8 kept
 * of them.
 */
function replaced(bundle: string): string {
  for (const old of readdirSync(OUT)) {
    if (old.startsWith(bundle) || old === 'build.json' || !(old.startsWith('program-') || old.endsWith('.tmp'))) continue;
    try {
      if (Date.now() - statSync(join(OUT, old)).mtimeMs > 10 * 60_000) rmSync(join(OUT, old), { force: true });
    } catch {
      // removed by another synth meanwhile
    }
  }
  // What synth workers compiled for themselves before they shared the program's code cache.
  rmSync(join(ROOT, '.gen', 'node-compile-cache'), { recursive: true, force: true });
  return join(OUT, bundle);
}

/** Marks a file as just used (what was used last is pruned last), if it is still there. */
function touch(file: string): void {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // pruned by another synth meanwhile: nothing to mark
  }
}

/** `stack` with every frame in `bundle` named by the TypeScript file and line it was compiled from. */
function mappedStack(stack: string, bundle: string): string {
  let map: InstanceType<typeof SourceMap>;
  try {
    map = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
  } catch {
    return stack;
  }
  const frame = new RegExp(`${literally(bundle)}:(\\d+):(\\d+)`, 'g');
  return stack.replace(frame, (whole, line: string, column: string) => {
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return whole;
    return `${resolve(OUT, entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

/** The compiled program, loaded with the code V8 compiled for it in an earlier synth; `keep` stores this run's for the next one, where there was none that fit. */
interface LoadedProgram {
  readonly program: Program;
  keep(): void;
}

/** Suffix of a program's code cache, beside it here and in the store. */
const CODE_CACHE = '.v8-cache';
/** A code cache file begins with the SHA-256 of the program it was made from. */
const CACHE_HEADER = 32;

/**
 * Loads `bundle` as Node loads a CommonJS module (the same wrapper, `this` and `require`
 * resolving from the bundle's folder), with V8's code cache for it (`<bundle>.v8-cache`,
 * beside it or, made by another checkout, in the store).
 *
 * Why not Node's own compile cache: Node stores a module's code as V8 compiled it before the
 * module ran, which holds little more than the outermost function; every function the synth
 * calls (each module's body, every construct, cdktf's token resolution) is compiled again, to
 * bytecode, on its first call in every run. This cache is made after a synth that succeeded,
 * so it holds every function that synth ran; it saves about a fifth of a small organisation's
 * synth.
 *
 * Which program a cache belongs to: V8 itself checks only the source's length (and its own
 * version and flags), so a program of the same length with other content would run the old
 * code. The file therefore begins with the SHA-256 of the program's bytes, and a cache whose
 * hash differs is not given to V8 (a program's name is the hash of what it was built from, not
 * of its bytes: checkouts in other places write other paths into its comments). A cache that
 * does not fit, or that V8 refuses (`cachedDataRejected`), is replaced after the synth.
 */
function loadProgram(bundle: string): LoadedProgram {
  const bytes = readFileSync(bundle);
  const hash = createHash('sha256').update(bytes).digest();
  const here = `${bundle}${CODE_CACHE}`;
  const stored = join(STORE, `${basename(bundle)}${CODE_CACHE}`);
  let cachedData: Buffer | undefined;
  for (const file of [here, stored]) {
    try {
      const data = readFileSync(file);
      if (data.length > CACHE_HEADER && data.subarray(0, CACHE_HEADER).equals(hash)) {
        cachedData = data.subarray(CACHE_HEADER);
        break;
      }
    } catch {
      // none there
    }
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${bytes.toString('utf8')}\n})`, {
    filename: bundle,
    // An `import()` in the program (none today) loads as it would in a module Node loaded.
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    ...(cachedData ? { cachedData } : {}),
  });
  const module = { exports: {} as Program, filename: bundle, id: bundle, loaded: false };
  (script.runInThisContext() as (this: unknown, ...args: unknown[]) => void).call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  module.loaded = true;
  // A cache fits if it was made from this program and V8 took the one this run was given.
  const accepted = cachedData !== undefined && script.cachedDataRejected !== true;
  const fits = (file: string): boolean => {
    try {
      const header = Buffer.alloc(CACHE_HEADER);
      const fd = openSync(file, 'r');
      try {
        return statSync(file).size > CACHE_HEADER && readSync(fd, header, 0, CACHE_HEADER, 0) === CACHE_HEADER && header.equals(hash) && accepted;
      } finally {
        closeSync(fd);
      }
    } catch {
      return false;
    }
  };
  // The store's copy of the program is what other checkouts take: its cache is written only from the same bytes.
  const sameInStore = (): boolean => {
    try {
      return (
        existsSync(join(STORE, `${basename(bundle)}.json`)) &&
        createHash('sha256')
          .update(readFileSync(join(STORE, basename(bundle))))
          .digest()
          .equals(hash)
      );
    } catch {
      return false;
    }
  };
  return {
    program: module.exports,
    keep() {
      const missing = [here, stored].filter((file) => !fits(file) && (file === here || sameInStore()));
      if (missing.length === 0) return;
      try {
        const code = script.createCachedData();
        if (code.length === 0) return; // V8 could not serialize it: nothing to keep
        const data = Buffer.concat([hash, code]);
        for (const file of missing) atomicWrite(file, data);
      } catch {
        // Only saves time: a read-only checkout synthesizes without it.
      }
    },
  };
}

async function runCompiled(): Promise<void> {
  const argv = process.argv.slice(2);
  const key = fixedKey();
  const bundle = currentBundle(key) ?? fromStore(key) ?? (await build(key));
  const { program, keep } = loadProgram(bundle);
  try {
    // A worker is main.ts again, told which program to run: it loads it as this process did, with the code cache (see `launch`).
    // With type stripping off when this process has it off (`npm run synth`), on when it is on (`node main.ts`: see the README on `--import`).
    const worker = { command: process.execPath, args: [...process.execArgv.filter((a) => a === '--no-experimental-strip-types'), ENTRY], env: { [PROGRAM_VARIABLE]: bundle } };
    process.exitCode = await program.runSynth(argv, { worker, readableStack: (stack) => mappedStack(stack, bundle) });
    // Made after a synth that succeeded, the cache holds the code of everything a synth runs (one that stopped at a bad manifest ran little of it).
    if (process.exitCode === 0) keep();
  } catch (err) {
    if (err instanceof Error && err.stack) err.stack = mappedStack(err.stack, bundle);
    program.reportCrash(err);
    process.exitCode = 1;
  }
}

function runFromSources(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- tsx only for a run from the sources
  (require('tsx/cjs/api') as { register(): void }).register();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a TypeScript file, loaded through tsx
  const program = require(PROGRAM_SOURCE) as Program;
  program.runSynth(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      program.reportCrash(err);
      process.exitCode = 1;
    },
  );
}

/**
 * `npm run synth`: from the sources with `--verbose` (or PAYMENTS_SYNTH_VERBOSE=1), otherwise
 * compiled; in a synth worker, the share of the program its first process names.
 */
export function launch(): void {
  const workerProgram = process.env.PAYMENTS_SYNTH_WORKER === '1' ? process.env[PROGRAM_VARIABLE] : undefined;
  if (workerProgram !== undefined && workerProgram !== '') {
    // Loaded as the first process loaded it, with the code V8 compiled for it: a worker starts in a fraction of the time it takes without.
    loadProgram(workerProgram).program.runWorker();
    return;
  }
  const verbose = process.argv.slice(2).includes('--verbose') || process.env.PAYMENTS_SYNTH_VERBOSE === '1';
  if (verbose) runFromSources();
  else
    runCompiled().catch((err: unknown) => {
      // The program did not compile (esbuild names the file and line): nothing may deploy from the previous synth's output either.
      for (const file of ['manifest.json', 'stacks.json', 'guardrails-report.json']) rmSync(join(process.env.CDKTF_OUTDIR ?? 'cdktf.out', file), { force: true });
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
}
