/**
 * A synth worker run from the sources (see stacks/parallel-synth.ts): synthesizes the share
 * its request on stdin names.
 */
import { readWorkerRequest, synthWorkerShare } from './parallel-synth';

synthWorkerShare(readWorkerRequest());
