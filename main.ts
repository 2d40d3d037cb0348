/**
 * Entry point of `npm run synth` and `cdktf synth` (cdktf.json's `app`): runs the synth
 * launcher, stacks/launcher.ts, which runs the synth program (stacks/synth.ts) compiled into one
 * JavaScript file. What the synth does and its flags are described there and in the README.
 *
 * Plain JavaScript, in a TypeScript file: `npm run synth` and cdktf.json run it with Node's
 * type stripping off (`node --no-experimental-strip-types main.ts`), and a synth then loads no
 * TypeScript stripper at all (loading it took about a tenth of a small organisation's synth):
 * this file is JavaScript, the launcher and the program are compiled, and so is a TypeScript
 * manifest (accounts/load.ts). `node main.ts` and tsx run it the same way.
 *
 * All it does: find the launcher compiled from the current source (and this file) for this Node
 * version, in `.gen/synth/` or in the store every checkout with the same node_modules shares
 * (`node_modules/.cache/payments-synth/`), or compile it with esbuild into both, and run it. A
 * launcher that does not load is compiled again once. test/stacks/entry.test.ts checks that this
 * file stays plain JavaScript.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- plain JavaScript: CommonJS `require` */
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const launcherSource = join(__dirname, 'stacks', 'launcher.ts');
let launcher;
/** Why the first attempt to load the launcher failed, if it did. */
let firstFailure;
try {
  const launcherText = readFileSync(launcherSource, 'utf8');
  // This file's own text too: it says how the launcher is compiled.
  const launcherName = `launcher-${createHash('sha256')
    .update(`synth launcher 1\n${process.version}\n${readFileSync(__filename, 'utf8')}\n${launcherText}`)
    .digest('hex')
    .slice(0, 16)}.js`;
  const launcherHere = join(__dirname, '.gen', 'synth', launcherName);
  const launcherStored = join(__dirname, 'node_modules', '.cache', 'payments-synth', launcherName);
  for (let attempt = 1; launcher === undefined; attempt++) {
    if (!existsSync(launcherHere)) {
      let code;
      let compiled = false;
      try {
        // A second attempt does not trust the store's copy either.
        if (attempt > 1) throw new Error('compile it');
        code = readFileSync(launcherStored, 'utf8');
      } catch {
        code = require('esbuild').transformSync(launcherText, { loader: 'ts', format: 'cjs', target: `node${process.versions.node}`, sourcefile: launcherSource }).code;
        compiled = true;
      }
      for (const file of compiled ? [launcherStored, launcherHere] : [launcherHere]) {
        try {
          // Under a temporary name, then renamed: a synth starting meanwhile reads the whole file or none.
          mkdirSync(join(file, '..'), { recursive: true });
          const temp = `${file}.${process.pid}.tmp`;
          writeFileSync(temp, code);
          renameSync(temp, file);
          // The other launchers there, made more than ten minutes ago (one made since may belong to a synth of another branch or Node version still starting).
          for (const name of readdirSync(join(file, '..'))) {
            if (!name.startsWith('launcher-') || name === launcherName) continue;
            try {
              if (Date.now() - statSync(join(file, '..', name)).mtimeMs > 10 * 60_000) rmSync(join(file, '..', name), { force: true });
            } catch {
              // removed by another synth meanwhile
            }
          }
        } catch (err) {
          // The store only saves time: a read-only node_modules leaves it as it is.
          if (file === launcherHere) throw err;
        }
      }
    }
    try {
      const loaded = require(launcherHere);
      if (typeof loaded.launch !== 'function') throw new Error(`${launcherHere} is not a synth launcher`);
      launcher = loaded;
    } catch (err) {
      // Damaged (or removed meanwhile by a synth pruning old launchers): compiled again once. Node keeps a module
      // that loaded without its `launch` (an empty file), so it is forgotten too.
      if (attempt > 1) throw err;
      firstFailure = err;
      delete require.cache[launcherHere];
      rmSync(launcherHere, { force: true });
    }
  }
} catch (err) {
  // No launcher, so no synth: nothing may deploy from the previous synth's output either.
  for (const file of ['manifest.json', 'stacks.json', 'guardrails-report.json']) rmSync(join(process.env.CDKTF_OUTDIR ?? 'cdktf.out', file), { force: true });
  // esbuild's own message names the file and line that does not compile; anything else is told with its stack.
  for (const failure of firstFailure === undefined ? [err] : [firstFailure, err]) {
    process.stderr.write(`${failure instanceof Error ? ('errors' in failure && Array.isArray(failure.errors) ? failure.message : (failure.stack ?? failure.message)) : String(failure)}\n`);
  }
  process.stderr.write(`The synth launcher (${launcherSource}) could not be compiled or loaded: nothing was synthesized.\n`);
  process.exitCode = 1;
}
if (launcher !== undefined) launcher.launch();
