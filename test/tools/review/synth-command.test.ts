/**
 * A review builds each side with that side's own synth command: what its package.json gives
 * `npm run synth` (`node main.ts` now, `tsx main.ts` in trees from before main.ts compiled the
 * program itself).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthCommand } from '../../../tools/review/synth';

describe('the synth command of a side', () => {
  const tree = mkdtempSync(join(tmpdir(), 'synth-command-'));
  afterAll(() => rmSync(tree, { recursive: true, force: true }));
  const withSynthScript = (script: string | undefined) => writeFileSync(join(tree, 'package.json'), JSON.stringify({ name: 'side', scripts: script === undefined ? {} : { synth: script } }));

  test("given this repository, then main.ts is run by Node itself, as its package.json's synth script says", () => {
    expect(synthCommand(join(__dirname, '..', '..', '..'))).toEqual(['main.ts']);
  });

  test.each([['tsx main.ts'], ['node other.ts'], [undefined]])('given a tree whose synth script is %p, then main.ts is run under tsx', (script) => {
    withSynthScript(script);
    const command = synthCommand(tree);
    expect(command).toHaveLength(2);
    expect(command[0]).toBe(require.resolve('tsx/cli'));
    expect(command[1]).toBe('main.ts');
  });

  test('given a tree without a package.json it can read, then main.ts is run under tsx', () => {
    writeFileSync(join(tree, 'package.json'), '{ not json');
    expect(synthCommand(tree)[1]).toBe('main.ts');
    expect(synthCommand(tree)).toHaveLength(2);
  });
});
