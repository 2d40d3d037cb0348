/**
 * Synth records no token creation stacks (they cost more CPU than the rest of the synth under
 * a TypeScript runner), and errors stay readable: a construct that throws, or a token whose
 * producer throws, still names its message and the source file and line that failed.
 */
import { App, Lazy, TerraformOutput, TerraformStack, Tokenization } from 'cdktf';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HardenedBucket } from '../../modules/data/hardened-bucket';
import { creationStacksRecorded, withCreationStacks, withoutCreationStacks } from '../../stacks/creation-stacks';

const creationStackOf = (token: string) => (Tokenization.reverseString(token).firstToken as unknown as { creationStack: string[] }).creationStack;

describe('token creation stacks', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'creation-stacks-'));
  afterAll(() => {
    withoutCreationStacks();
    rmSync(outdir, { recursive: true, force: true });
  });

  test('given creation stacks off, when a token is made, then it records none; with them on (--verbose), cdktf records where it was made', () => {
    withoutCreationStacks();
    expect(creationStacksRecorded()).toBe(false);
    expect(creationStackOf(Lazy.stringValue({ produce: () => 'x' }))).toEqual([]);
    withCreationStacks();
    expect(creationStackOf(Lazy.stringValue({ produce: () => 'x' }))).toEqual(expect.arrayContaining([expect.stringContaining('creation-stacks.test.ts')]));
    withoutCreationStacks();
  });

  test('given creation stacks off, when a construct throws while the app is built, then the error names what is wrong and the file and line that threw', () => {
    withoutCreationStacks();
    const stack = new TerraformStack(new App({ outdir }), 'bad-construct');
    let error: Error | undefined;
    try {
      new HardenedBucket(stack, 'logs', { bucketName: 'logs-111111111111', encryption: { s3Managed: { reason: ' ' } } });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toBe('HardenedBucket logs-111111111111: SSE-S3 needs the reason a customer-managed key cannot be used');
    expect(error?.stack).toMatch(/hardened-bucket\.ts:\d+/);
    expect(error?.stack).toMatch(/creation-stacks\.test\.ts:\d+/);
  });

  test('given creation stacks off, when a token fails to resolve at synth, then the error names the failure and the file and line of the producer that threw', () => {
    withoutCreationStacks();
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'bad-token');
    new TerraformOutput(stack, 'out', {
      value: Lazy.stringValue({
        produce: () => {
          throw new Error('no value for this output');
        },
      }),
    });
    let error: Error | undefined;
    try {
      app.synth();
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(/^Resolution error: no value for this output/);
    expect(error?.stack).toMatch(/creation-stacks\.test\.ts:\d+/);
  });
});
