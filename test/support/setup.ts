/**
 * In every test file, as in `npm run synth`: cdktf tokens record no creation stack (see
 * stacks/creation-stacks.ts). test/stacks/creation-stacks.test.ts checks errors stay readable.
 */
import { withoutCreationStacks } from '../../stacks/creation-stacks';

withoutCreationStacks();
