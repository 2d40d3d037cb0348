/**
 * The manifest drives every stack: exactly the stacks its entries call for, each
 * provider pinned to its own account (F-19), each stack with its own state key,
 * explicit deploy order (F-20). Checked on the example organisation, on another
 * organisation written here, and on generated manifests.
 */
import fc from 'fast-check';
import type { AwsRegion, Manifest } from '../../accounts/schema';
import { isOptInRegion } from '../../accounts/regions';
import { exampleManifest, parseManifest, synthManifest, type Synthesized, type TfJson } from '../support/synth';
import { otherOrganisation } from '../support/manifests';
import { manifestArb } from '../support/arbitraries';

/** The stacks a manifest calls for, written out independently of stacks/topology.ts (the README's "Stacks" table). */
function expectedStacks(m: Manifest): Map<string, string> {
  const out = new Map<string, string>([
    [`deployment-${m.deployment.region}`, m.deployment.accountId],
    [`log-archive-${m.logArchive.region}`, m.logArchive.accountId],
  ]);
  for (const w of m.workloads) {
    out.set(`bootstrap-${w.name}`, w.accountId);
    for (const r of [w.primaryRegion, ...w.replicaRegions]) out.set(`payments-${w.name}-${r}`, w.accountId);
  }
  return out;
}

type Provider = {
  allowed_account_ids?: string[];
  assume_role?: { role_arn: string; session_name: string }[];
  region?: string;
  sts_region?: string;
  alias?: string;
  default_tags?: { tags: Record<string, string> }[];
};
const awsProviders = (tf: TfJson): Provider[] => (tf.provider?.aws ?? []) as Provider[];
const backendOf = (tf: TfJson) => (tf.terraform as { backend: { s3: Record<string, unknown> } }).backend.s3;

function checkStacks(s: Synthesized): void {
  const expected = expectedStacks(s.manifest);
  // exactly the stacks the manifest calls for
  expect([...s.stacks.keys()].sort()).toEqual([...expected.keys()].sort());
  const keys = new Set<string>();
  for (const [name, tf] of s.stacks) {
    const account = expected.get(name)!;
    // F-19: every AWS provider (default and aliased) may touch only its stack's account, through a role in that account
    const providers = awsProviders(tf);
    expect(providers.length).toBeGreaterThan(0);
    for (const p of providers) {
      expect(p.allowed_account_ids).toEqual([account]);
      expect(p.assume_role).toHaveLength(1);
      const roleArns = p.assume_role![0]!.role_arn.match(/arn:aws:iam::\d{12}:role\/[\w+=,.@-]+/g) ?? [];
      expect(roleArns.length).toBeGreaterThan(0);
      for (const arn of roleArns) expect(arn.split(':')[4]).toBe(account);
      // a provider for an opt-in region assumes its role through STS in the deployment region, which the caller's account has
      // enabled (the opt-in region it may not have); every other one in its own region
      const region = p.region as AwsRegion;
      expect([region, p.sts_region]).toEqual([region, isOptInRegion(region) && region !== s.manifest.deployment.region ? s.manifest.deployment.region : undefined]);
    }
    // per-stack state in the deployment account's bucket, encrypted, S3-native locking
    const backend = backendOf(tf);
    expect(backend.bucket).toContain(s.manifest.deployment.accountId);
    expect(backend.region).toBe(s.manifest.deployment.region);
    expect(backend.encrypt).toBe(true);
    expect(backend.use_lockfile).toBe(true);
    expect(String(backend.kms_key_id)).toMatch(new RegExp(`^arn:aws:kms:${s.manifest.deployment.region}:${s.manifest.deployment.accountId}:`));
    expect(keys.has(String(backend.key))).toBe(false);
    keys.add(String(backend.key));
  }
  // F-20: deploy order is declared on the stacks themselves, and waves respect it
  const waves = new Map(s.specs.map((x) => [x.name, x.wave]));
  for (const spec of s.specs) {
    expect([...s.cdktfManifest.stacks[spec.name]!.dependencies].sort()).toEqual([...spec.dependsOn].sort());
    for (const dep of spec.dependsOn) expect(waves.get(dep)!).toBeLessThan(spec.wave);
  }
}

describe('stacks from the manifest', () => {
  test('given the example organisation, when synthesized, then each stack is pinned, has its own state key and explicit order (F-19, F-20)', () => {
    checkStacks(synthManifest(exampleManifest()));
  });

  test('given another organisation with five workloads in other regions, when synthesized, then it gets exactly its stacks, pinned (F-19)', () => {
    const s = synthManifest(parseManifest(otherOrganisation()));
    expect(s.stacks.size).toBe(2 + 5 + 1 + 2 + 3 + 2 + 2);
    checkStacks(s);
  });

  test('given generated manifests, when synthesized, then every one gets exactly its stacks, pinned, with distinct state keys', () => {
    fc.assert(
      fc.property(manifestArb, (input) => checkStacks(synthManifest(parseManifest(input)))),
      { numRuns: 4 },
    );
  });

  test('given a workload with tags, when synthesized, then its providers tag everything with project, environment, account, managed-by and the manifest tags', () => {
    const s = synthManifest(parseManifest(otherOrganisation()));
    for (const p of awsProviders(s.stacks.get('payments-live-us-ca-central-1')!)) {
      expect(p.default_tags![0]!.tags).toEqual(expect.objectContaining({ project: 'acme-pay', environment: 'prod', account: 'live-us', 'managed-by': 'cdktf', team: 'payments-core' }));
    }
    const shared = awsProviders(s.stacks.get('deployment-us-east-2')!)[0]!.default_tags![0]!.tags;
    expect(shared).toEqual(expect.objectContaining({ environment: 'shared', account: 'deployment', 'managed-by': 'cdktf' }));
    expect(shared).not.toHaveProperty('team');
  });

  test('given a plan, when the access role is switched to plan, then the providers assume the read-only role in the same account', () => {
    const s = synthManifest(exampleManifest());
    for (const spec of s.specs) {
      const tf = s.stacks.get(spec.name)!;
      const roleArn = awsProviders(tf)[0]!.assume_role![0]!.role_arn;
      expect(roleArn).toContain('var.access_role');
      expect(roleArn).toContain(`"plan" = "arn:aws:iam::${spec.accountId}:role/${s.manifest.project}-plan"`);
      expect(roleArn).toContain(`"deploy" = "arn:aws:iam::${spec.accountId}:role/${s.manifest.project}-deploy"`);
      expect(tf.variable?.access_role).toEqual(expect.objectContaining({ default: 'deploy' }));
    }
  });
  test('given prod and non-prod workloads, then exactly the prod payments stacks ask for TF_VAR_gateway_endpoint (an https URL) and no other variable is added', () => {
    const s = synthManifest(parseManifest(otherOrganisation()));
    for (const spec of s.specs) {
      const vars = Object.keys(s.stacks.get(spec.name)!.variable ?? {}).sort();
      const prod = spec.kind === 'payments' && s.manifest.workloads.find((w) => w.name === spec.workload)!.environment === 'prod';
      expect(vars).toEqual(prod ? ['access_role', 'gateway_endpoint'] : ['access_role']);
      if (prod) expect(JSON.stringify(s.stacks.get(spec.name)!.variable!.gateway_endpoint)).toContain('^https://');
    }
  });
});
