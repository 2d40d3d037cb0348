/**
 * The compiled synth program (see main.ts): main.ts loads it for the synth command and its
 * crash report; run by Node itself, it is a synth worker (see stacks/parallel-synth.ts),
 * which synthesizes the share its request on stdin names.
 */
import { readWorkerRequest, synthWorkerShare, WORKER_VARIABLE } from './parallel-synth';

export { reportCrash, runSynth } from './synth';

if (require.main === module) {
  if (process.env[WORKER_VARIABLE] === '1') synthWorkerShare(readWorkerRequest());
  else {
    // Not a command of its own: a run by hand, or cdktf zipping an ARCHIVE or DIRECTORY asset by running the file its zip code was
    // loaded from (this one, once bundled), must fail, not exit 0 having done nothing.
    process.stderr.write(`${process.argv[1]} is the compiled synth program: \`npm run synth\` (main.ts) runs it, and it runs itself as a synth worker (${WORKER_VARIABLE}=1)\n`);
    process.exitCode = 2;
  }
}
