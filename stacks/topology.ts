/**
 * Which stacks the manifest calls for, in which account and region, and in what
 * order they deploy. Pure data: `main.ts` builds these stacks, `npm run stacks`
 * prints them, the CI workflows deploy them wave by wave.
 *
 * Order (explicit, never by luck; F-20):
 *   wave 0  deployment-<region>          state bucket + CI roles; everything else needs them
 *   wave 1  log-archive-<region>         archive key/bucket; grants workload replication roles by ARN condition,
 *           bootstrap-<workload>         so it needs no workload stack first; bootstrap trusts the CI roles
 *   wave 2  payments-<workload>-<primary> owns the replicated data plane; needs its roles and the archive bucket
 *   wave 3  payments-<workload>-<replica> uses the key replicas and table replicas the primary created
 */
import type { AwsRegion, Manifest, Workload } from '../accounts/schema';
import { stackNames } from '../modules/core/naming';

export const STACK_KINDS = ['deployment', 'log-archive', 'bootstrap', 'payments'] as const;
export type StackKind = (typeof STACK_KINDS)[number];

export interface StackSpec {
  readonly name: string;
  readonly kind: StackKind;
  readonly accountId: string;
  /** The workload's name, for bootstrap and payments stacks. */
  readonly workload?: string;
  /** For bootstrap stacks (IAM is global) the region its provider talks to: the workload's primary. */
  readonly region: AwsRegion;
  /** For payments stacks: whether this is the workload's primary region. */
  readonly primary?: boolean;
  readonly dependsOn: readonly string[];
  /** Deploy order: a stack's wave is one more than the highest wave it depends on. */
  readonly wave: number;
}

type Draft = Omit<StackSpec, 'wave'>;

export function planStacks(manifest: Manifest): StackSpec[] {
  const drafts: Draft[] = [];
  const deployment = stackNames.deployment(manifest.deployment.region);
  const logArchive = stackNames.logArchive(manifest.logArchive.region);
  drafts.push({ name: deployment, kind: 'deployment', accountId: manifest.deployment.accountId, region: manifest.deployment.region, dependsOn: [] });
  drafts.push({ name: logArchive, kind: 'log-archive', accountId: manifest.logArchive.accountId, region: manifest.logArchive.region, dependsOn: [deployment] });
  for (const w of manifest.workloads) drafts.push(...workloadStacks(w, deployment, logArchive));
  return assignWaves(drafts);
}

function workloadStacks(w: Workload, deployment: string, logArchive: string): Draft[] {
  const bootstrap = stackNames.bootstrap(w.name);
  const primary = stackNames.payments(w.name, w.primaryRegion);
  return [
    { name: bootstrap, kind: 'bootstrap', accountId: w.accountId, workload: w.name, region: w.primaryRegion, dependsOn: [deployment] },
    { name: primary, kind: 'payments', accountId: w.accountId, workload: w.name, region: w.primaryRegion, primary: true, dependsOn: [bootstrap, logArchive] },
    ...w.replicaRegions.map((region) => ({
      name: stackNames.payments(w.name, region),
      kind: 'payments' as const,
      accountId: w.accountId,
      workload: w.name,
      region,
      primary: false,
      dependsOn: [primary],
    })),
  ];
}

function assignWaves(drafts: Draft[]): StackSpec[] {
  const byName = new Map<string, Draft>();
  for (const d of drafts) {
    if (byName.has(d.name)) throw new Error(`two stacks would be named ${d.name}; stack names must be unique`);
    byName.set(d.name, d);
  }
  const waves = new Map<string, number>();
  const visiting = new Set<string>();
  const waveOf = (name: string): number => {
    const known = waves.get(name);
    if (known !== undefined) return known;
    const d = byName.get(name);
    if (!d) throw new Error(`stack dependency ${name} does not exist`);
    if (visiting.has(name)) throw new Error(`stack dependency cycle through ${name}`);
    visiting.add(name);
    const wave = d.dependsOn.reduce((w, dep) => Math.max(w, waveOf(dep) + 1), 0);
    visiting.delete(name);
    waves.set(name, wave);
    return wave;
  };
  return drafts.map((d) => ({ ...d, wave: waveOf(d.name) }));
}

/**
 * The stack list as `npm run stacks -- --json` prints it and the synth writes it to
 * `<outdir>/stacks.json`: one object per stack, in manifest order.
 */
export function stacksJson(specs: readonly StackSpec[]): object[] {
  return specs.map((s) => ({
    name: s.name,
    kind: s.kind,
    accountId: s.accountId,
    ...(s.workload !== undefined ? { workload: s.workload } : {}),
    region: s.region,
    ...(s.primary !== undefined ? { primary: s.primary } : {}),
    dependsOn: [...s.dependsOn],
    wave: s.wave,
  }));
}
