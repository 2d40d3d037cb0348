/** After the jest run: removes the directory the run's synths were shared through. */
import { rmSync } from 'node:fs';

export default function globalTeardown(): void {
  if (process.env.SYNTH_CACHE_DIR) rmSync(process.env.SYNTH_CACHE_DIR, { recursive: true, force: true });
}
