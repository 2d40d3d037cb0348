/**
 * A local run shares its process with whatever runs next (a test file after another, a tool
 * that runs several): once stopped, nothing its functions installed in the process keeps
 * running. The functions' bundles install async hooks when loaded (X-Ray's context tracking,
 * which the tracer brings); left on, every later promise of the process pays for them.
 */
import asyncHooks from 'node:async_hooks';
import { LocalWorkflow } from '../../tools/local/local-workflow';
import { exampleManifest } from '../support/synth';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

test('given a local run, when it stops, then the async hooks its functions installed when loaded no longer see the promises of this process', async () => {
  // given a local run whose functions' async hooks are counted as they see promises made
  const createHook = asyncHooks.createHook;
  let installed = 0;
  let seen = 0;
  asyncHooks.createHook = (callbacks) => {
    installed++;
    return createHook({ ...callbacks, init: (...args) => (seen++, callbacks.init?.(...args)) });
  };
  let local: LocalWorkflow;
  try {
    local = await LocalWorkflow.start({ manifest: exampleManifest() });
  } finally {
    asyncHooks.createHook = createHook;
  }
  const promises = () => Promise.all(Array.from({ length: 100 }, (_, i) => Promise.resolve(i).then((x) => x + 1)));
  try {
    expect(installed).toBeGreaterThan(0);
    // while it runs, they see this process's promises (as they would in the function's own process)
    seen = 0;
    await promises();
    expect(seen).toBeGreaterThan(0);
  } finally {
    // when it stops
    await local.stop();
  }
  // then they see none
  seen = 0;
  await promises();
  expect(seen).toBe(0);
});
