/**
 * A synth worker run from the sources (see stacks/parallel-synth.ts): synthesizes the share
 * its request on stdin names.
 */
import { readFileSync } from 'node:fs';
import { synthWorkerShare } from './parallel-synth';

synthWorkerShare(readFileSync(0, 'utf8'));
