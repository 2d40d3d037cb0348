import { validateManifest } from '../../accounts/schema';
import { manifest } from '../../accounts/manifest';

describe('the example organisation manifest', () => {
  test('given the checked-in manifest, when validated, then it has no problems', () => {
    const result = validateManifest(manifest);
    expect(result.ok ? [] : result.problems).toEqual([]);
  });
});
