/**
 * main.ts, the synth's entry point, is plain JavaScript run with Node's type stripping off, and
 * everything a synth loads after it is compiled (the launcher, the program, a TypeScript
 * manifest that imports nothing at run time): a synth of such a manifest loads no TypeScript
 * stripper. Any other manifest is loaded through tsx.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Script } from 'node:vm';
import { synthCommand } from '../../tools/review/synth';
import { otherOrganisation } from '../support/manifests';

const ROOT = resolve(__dirname, '../..');
const COMMAND = 'node --no-experimental-strip-types main.ts';

describe('the synth entry point', () => {
  let dir: string;
  /** A module preloaded into a process: at its exit, it says whether Node loaded its TypeScript stripper (amaro). */
  let hook: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'entry-'));
    hook = join(dir, 'stripper-hook.cjs');
    writeFileSync(hook, `process.on('exit', () => process.stderr.write(process.moduleLoadList.some((m) => m.includes('amaro')) ? 'TypeScript stripper loaded\\n' : 'no TypeScript stripper\\n'));\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('given main.ts, then it is plain JavaScript, which Node runs with type stripping off', () => {
    expect(() => new Script(readFileSync(join(ROOT, 'main.ts'), 'utf8'), { filename: 'main.ts' })).not.toThrow();
  });

  test('given package.json and cdktf.json, then `npm run synth` and `cdktf synth` run main.ts the same way, with type stripping off', () => {
    expect((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { synth: string } }).scripts.synth).toBe(COMMAND);
    expect((JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')) as { app: string }).app).toBe(COMMAND);
  });

  test('given the launcher, which main.ts compiles alone (not bundled), then it imports nothing but Node modules', () => {
    const source = readFileSync(join(ROOT, 'stacks', 'launcher.ts'), 'utf8');
    const imported = [...source.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((m) => !m!.startsWith('node:'))).toEqual([]);
  });

  test('given the example organisation (a TypeScript manifest), when synthesized as `npm run synth` does, then no TypeScript stripper is loaded; a TypeScript file run by Node is the control', () => {
    const run = spawnSync(process.execPath, synthCommand(ROOT), { cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: join(dir, 'out'), NODE_OPTIONS: `--require=${hook}` }, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^Guardrails \(payments pack, \d+ rules\): 9 stacks, 0 findings/);
    expect(run.stderr).toContain('no TypeScript stripper\n');

    const typescript = join(dir, 'typed.ts');
    writeFileSync(typescript, 'const n: number = 1;\n');
    expect(spawnSync(process.execPath, ['--require', hook, typescript], { encoding: 'utf8' }).stderr).toContain('TypeScript stripper loaded\n');
  });

  test('given a TypeScript manifest that reads `import.meta`, which a compiled CommonJS module does not have, when synthesized, then it is loaded as a module as before, and synthesized', () => {
    writeFileSync(join(dir, 'organisation.json'), JSON.stringify(otherOrganisation()));
    const manifest = join(dir, 'meta-manifest.ts');
    // (no import: a manifest that imports a module is loaded through tsx whatever else it holds)
    writeFileSync(
      manifest,
      `const fs = process.getBuiltinModule('node:fs');\nconst text: string = fs.readFileSync(import.meta.dirname + '/organisation.json', 'utf8');\nexport const manifest = JSON.parse(text);\n`,
    );
    const run = spawnSync(process.execPath, synthCommand(ROOT), { cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: join(dir, 'meta-out'), PAYMENTS_MANIFEST: manifest }, encoding: 'utf8' });
    expect(run.stderr).toMatch(/^Guardrails \(payments pack, \d+ rules\): 17 stacks, 0 findings/);
    expect(run.status).toBe(0);
  });
});
