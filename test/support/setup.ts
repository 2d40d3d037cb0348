/**
 * In every test file, as in `npm run synth`: stack traces are not mapped through source maps
 * while stacks are built (see stacks/source-maps.ts); test/stacks/source-maps.test.ts checks
 * errors stay readable.
 */
import { withoutSourceMappedStacks } from '../../stacks/source-maps';

withoutSourceMappedStacks();
