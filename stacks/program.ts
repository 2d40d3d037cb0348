/**
 * The compiled synth program (see main.ts and stacks/launcher.ts): the launcher loads it for the
 * synth command and its crash report and, in a synth worker (see stacks/parallel-synth.ts), for
 * the share its request on stdin names.
 */
import { readWorkerRequest, synthWorkerShare } from './parallel-synth';

export { reportCrash, runSynth } from './synth';

/** A synth worker's whole job: synthesizes the share its request on stdin names. */
export function runWorker(): void {
  synthWorkerShare(readWorkerRequest());
}

if (require.main === module) {
  // Not a command of its own: a run by hand, or cdktf zipping an ARCHIVE or DIRECTORY asset by running the file its zip code was
  // loaded from (this one, once bundled), must fail, not exit 0 having done nothing.
  process.stderr.write(`${process.argv[1]} is the compiled synth program: \`npm run synth\` (main.ts) runs it\n`);
  process.exitCode = 2;
}
