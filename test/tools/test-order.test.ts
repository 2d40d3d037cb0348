/**
 * The order jest starts test files in (test/support/sequencer.js): the files it names as
 * taking long exist, so a renamed file is noticed rather than silently started late.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the sequencer is the CommonJS module jest loads
const { EXPECTED_SECONDS } = require('../support/sequencer') as { EXPECTED_SECONDS: Record<string, number> };

test('given the files the test sequencer names as taking long, then each of them exists', () => {
  const named = Object.keys(EXPECTED_SECONDS);
  expect(named.length).toBeGreaterThan(0);
  expect(named.filter((file) => !existsSync(join(__dirname, '..', '..', file)))).toEqual([]);
});
