/**
 * Writes a file whole or not at all, as seen by other processes (jest workers, synth workers,
 * synths side by side): written under a name of its own, then renamed over `path`, so a reader
 * finds the old file, the new one, or none, never half of one.
 */
import { renameSync, writeFileSync } from 'node:fs';

export function atomicWrite(path: string, data: string | Uint8Array): void {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}
