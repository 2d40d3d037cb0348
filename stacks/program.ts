/**
 * The compiled synth program (see main.ts): main.ts loads it for the synth command and its
 * crash report; run by Node itself, it is a synth worker (see stacks/parallel-synth.ts),
 * which synthesizes the share its request on stdin names.
 */
import { readWorkerRequest, synthWorkerShare, WORKER_VARIABLE } from './parallel-synth';

export { reportCrash, runSynth } from './synth';

if (require.main === module && process.env[WORKER_VARIABLE] === '1') synthWorkerShare(readWorkerRequest());
