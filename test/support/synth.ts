/**
 * Synthesizes a manifest and gives tests the Terraform JSON of each stack, exactly what
 * `npm run synth` writes (F-25: tests read the synthesized documents, never hand-copied ones).
 *
 * One synth per manifest per test run: the first test file that asks for a manifest
 * synthesizes it into the run's shared directory (`SYNTH_CACHE_DIR`, made by
 * test/support/global-setup.ts and removed at the end of the run); every other test file,
 * in any jest worker, reads the files that synth wrote. Without that directory (a test file
 * run on its own outside jest's setup) each file synthesizes for itself.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateManifest, type Manifest, type ManifestInput } from '../../accounts/schema';
import { manifest as exampleInput } from '../../accounts/manifest';
import { parsePolicy, type TfJson } from '../../modules/core/terraform-json';
import { withStacksOnlyForErrors } from '../../stacks/source-maps';
import { planStacks, type StackSpec } from '../../stacks/topology';

export type { TfJson };

export interface Synthesized {
  readonly manifest: Manifest;
  readonly specs: StackSpec[];
  /** Terraform JSON by stack name. */
  readonly stacks: Map<string, TfJson>;
  /** cdktf.out/manifest.json: what `cdktf deploy` reads (stack dependencies among others). */
  readonly cdktfManifest: { stacks: Record<string, { dependencies: string[]; synthesizedStackPath: string }> };
}

/** Validates (throwing with every problem) and returns the typed manifest. */
export function parseManifest(input: unknown): Manifest {
  const result = validateManifest(input);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return result.manifest;
}

export const exampleManifest = (): Manifest => parseManifest(structuredClone(exampleInput) as ManifestInput);

const cache = new Map<string, Synthesized>();

/**
 * stacks/app.ts, loaded when a test file first synthesizes. Most test files read a synth another
 * file already published in the run's shared directory; they need not load cdktf and the
 * provider bindings at all (about half a second of every such file).
 */
function buildAppLazily(): typeof import('../../stacks/app').buildApp {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  return (require('../../stacks/app') as typeof import('../../stacks/app')).buildApp;
}

function read(manifest: Manifest, outdir: string): Synthesized {
  const specs = planStacks(manifest);
  const stacks = new Map<string, TfJson>();
  for (const spec of specs) {
    stacks.set(spec.name, JSON.parse(readFileSync(join(outdir, 'stacks', spec.name, 'cdk.tf.json'), 'utf8')) as TfJson);
  }
  const cdktfManifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
  return { manifest, specs, stacks, cdktfManifest };
}

/** Full synth of every stack (`app.synth()`, guardrails included); cached per manifest content for the test run. */
export function synthManifest(manifest: Manifest): Synthesized {
  const key = JSON.stringify(manifest);
  const hit = cache.get(key);
  if (hit) return hit;
  const shared = process.env.SYNTH_CACHE_DIR;
  const done = shared ? join(shared, createHash('sha256').update(key).digest('hex')) : undefined;
  if (done && existsSync(join(done, 'manifest.json'))) {
    const result = read(manifest, done);
    cache.set(key, result);
    return result;
  }
  const outdir = mkdtempSync(join(shared ?? tmpdir(), 'synth-'));
  try {
    // Loaded before the stacks are built, with stack traces as usual (see withStacksOnlyForErrors).
    const build = buildAppLazily();
    // As `npm run synth` builds stacks: without token creation stacks (the JSON is the same; test/stacks/source-maps.test.ts).
    withStacksOnlyForErrors(() => build(manifest, { outdir }).app.synth());
    const result = read(manifest, outdir);
    cache.set(key, result);
    if (done) {
      try {
        // Published whole or not at all: another worker may have published the same synth first.
        renameSync(outdir, done);
      } catch {
        // keep ours; it is removed below
      }
    }
    return result;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Every resource of a type in a stack, as [logical name, config]. */
export function resourcesOf(tf: TfJson, type: string): [string, Record<string, unknown>][] {
  return Object.entries(tf.resource?.[type] ?? {});
}

/** Parses a policy that the stack wrote as a JSON string (not a policy-document data source). */
export function policyJson(value: unknown): { Version?: string; Statement: Record<string, unknown>[] } {
  const parsed = parsePolicy(value);
  if (!parsed.ok) throw new Error(`${parsed.reason}: ${JSON.stringify(value)}`);
  return { Version: parsed.version, Statement: parsed.statements };
}
