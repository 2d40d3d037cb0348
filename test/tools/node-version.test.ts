/**
 * A plain `node main.ts` and the tools' fallbacks (a manifest the synth does not compile) run
 * TypeScript through Node's own type stripping, on by default and silent from Node 22.18: the
 * release CI and the workflows install (`.node-version`) and the one package.json asks for must
 * have it, in the 22 line Lambda runs (`nodejs22.x`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

test('given .node-version and package.json, then both ask for Node 22.18 or later in the 22 line', () => {
  const [major, minor] = readFileSync(join(ROOT, '.node-version'), 'utf8').trim().split('.').map(Number);
  expect(major).toBe(22);
  expect(minor).toBeGreaterThanOrEqual(18);
  const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
  expect(engines).toBe('>=22.18');
});
