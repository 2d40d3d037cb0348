/**
 * A review builds each side with that side's own synth command: what its package.json gives
 * `npm run synth` (`node --no-experimental-strip-types main.ts` now, `node main.ts` before, `tsx main.ts` in trees from before main.ts compiled the
 * program itself), and lists its stacks with the list that synth writes (`stacks.json`), or,
 * in a tree from before the synth wrote one, with the tree's own `tools/stacks.ts`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthCommand, synthSide } from '../../../tools/review/synth';

describe('the synth command of a side', () => {
  const tree = mkdtempSync(join(tmpdir(), 'synth-command-'));
  afterAll(() => rmSync(tree, { recursive: true, force: true }));
  const withSynthScript = (script: string | undefined) => writeFileSync(join(tree, 'package.json'), JSON.stringify({ name: 'side', scripts: script === undefined ? {} : { synth: script } }));

  test("given this repository, then main.ts is run by Node itself with type stripping off, as its package.json's synth script says", () => {
    expect(synthCommand(join(__dirname, '..', '..', '..'))).toEqual(['--no-experimental-strip-types', 'main.ts']);
  });

  test.each([
    ['node main.ts', ['main.ts']],
    ['node --no-experimental-strip-types main.ts', ['--no-experimental-strip-types', 'main.ts']],
    ['  node   --max-old-space-size=512 main.ts ', ['--max-old-space-size=512', 'main.ts']],
  ])('given a tree whose synth script is %p, then main.ts is run by Node with the same arguments', (script, args) => {
    withSynthScript(script);
    expect(synthCommand(tree)).toEqual(args);
  });

  test.each([['tsx main.ts'], ['node other.ts'], ['node main.ts && rm -rf x'], ['node $(evil) main.ts'], [undefined]])(
    'given a tree whose synth script is %p, then main.ts is run under tsx',
    (script) => {
      withSynthScript(script);
      const command = synthCommand(tree);
      expect(command).toHaveLength(2);
      expect(command[0]).toBe(require.resolve('tsx/cli'));
      expect(command[1]).toBe('main.ts');
    },
  );

  test('given a tree without a package.json it can read, then main.ts is run under tsx', () => {
    writeFileSync(join(tree, 'package.json'), '{ not json');
    expect(synthCommand(tree)[1]).toBe('main.ts');
    expect(synthCommand(tree)).toHaveLength(2);
  });
});

describe('the stack list of a side', () => {
  const trees: string[] = [];
  afterAll(() => trees.forEach((t) => rmSync(t, { recursive: true, force: true })));

  /** A tree whose synth writes one stack (and the stack list when `writesList`) and whose tools/stacks.ts lists another name, so the answer tells which was read. */
  function tree(writesList: boolean): string {
    const dir = mkdtempSync(join(tmpdir(), 'side-list-'));
    trees.push(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'side', scripts: { synth: 'node main.ts' } }));
    const entry = { name: 'one', kind: 'bootstrap', accountId: '111111111111', region: 'eu-west-1', dependsOn: [], wave: 0 };
    writeFileSync(
      join(dir, 'main.ts'),
      `const fs = require('node:fs'); const path = require('node:path'); const out = process.env.CDKTF_OUTDIR;
       fs.mkdirSync(path.join(out, 'stacks', 'one'), { recursive: true });
       fs.writeFileSync(path.join(out, 'stacks', 'one', 'cdk.tf.json'), '{}');
       fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify({ stacks: { one: { synthesizedStackPath: 'stacks/one/cdk.tf.json' } } }));
       ${writesList ? `fs.writeFileSync(path.join(out, 'stacks.json'), ${JSON.stringify(JSON.stringify([{ ...entry, wave: 1 }]))});` : ''}`,
    );
    mkdirSync(join(dir, 'tools'));
    writeFileSync(join(dir, 'tools', 'stacks.ts'), `process.stdout.write(${JSON.stringify(JSON.stringify([{ ...entry, wave: 2 }]))});`);
    return dir;
  }
  const side = (dir: string) => synthSide({ tree: dir, repo: dir, label: 'side', env: { ...process.env, PAYMENTS_MANIFEST: '' }, cwd: dir });

  test('given a tree whose synth writes stacks.json, then the side lists what it wrote, without running tools/stacks.ts', async () => {
    const s = await side(tree(true));
    expect([...s.stacks.keys()]).toEqual(['one']);
    expect(s.specs.map((x) => x.wave)).toEqual([1]);
  });

  test('given a tree from before the synth wrote stacks.json, then the side lists its stacks with its own tools/stacks.ts', async () => {
    const s = await side(tree(false));
    expect(s.specs.map((x) => x.wave)).toEqual([2]);
  });
});
