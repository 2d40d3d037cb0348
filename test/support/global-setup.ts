/**
 * Before the jest run: a directory the run's synths are shared through (see synthManifest in
 * test/support/synth.ts). Workers inherit the environment, so every test file finds it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function globalSetup(): void {
  process.env.SYNTH_CACHE_DIR = mkdtempSync(join(tmpdir(), 'jest-synth-'));
}
