/**
 * What the compiled synth program offers main.ts (see there): the synth command, its crash
 * report, and a synth worker's job.
 */
export { reportCrash, runSynth } from './synth';
export { synthWorkerShare } from './parallel-synth';
