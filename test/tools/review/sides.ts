/**
 * Review sides from manifests: each synthesized in memory exactly as `npm run synth` would
 * (test/support/synth.ts), with the stack list `npm run stacks -- --json` prints.
 */
import type { AwsRegion, Manifest, ManifestInput } from '../../../accounts/schema';
import { manifest as exampleInput } from '../../../accounts/manifest';
import { renderMarkdown } from '../../../tools/review/markdown';
import { buildReport } from '../../../tools/review/report';
import type { Side, StackInfo } from '../../../tools/review/types';
import { tlsDomains } from '../../support/manifests';
import { parseManifest, synthManifest } from '../../support/synth';
import { stacksJson } from '../../../stacks/topology';

export function sideOf(label: string, manifest: Manifest | ManifestInput): Side {
  const m = 'workloads' in manifest && Array.isArray(manifest.workloads) ? parseManifest(structuredClone(manifest)) : (manifest as Manifest);
  const s = synthManifest(m);
  return { label, stacks: s.stacks, specs: stacksJson(s.specs) as StackInfo[], notes: [] };
}

/** A section of the Markdown: from its heading to the next heading of the same level. */
export function section(md: string, heading: string): string {
  const start = md.indexOf(`### ${heading}`);
  if (start < 0) return '';
  const next = md.indexOf('\n### ', start + 4);
  return md.slice(start, next < 0 ? undefined : next);
}

/**
 * A generated organisation of `n` workloads (ids, names and regions made up here, not the
 * example's): environments in turn, every fifth workload with a replica region.
 */
const REGIONS: AwsRegion[] = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1', 'ca-central-1', 'eu-north-1', 'ap-south-1'];

export function generatedOrganisation(n: number, seed = 7): ManifestInput {
  const regions = REGIONS;
  const id = (i: number) => String(400_000_000_000 + seed * 1_000_000 + i);
  return {
    project: 'gen-pay',
    organization: { id: `o-gen${String(seed).padStart(7, '0')}`, managementAccountId: id(1) },
    deployment: { accountId: id(2), region: regions[seed % regions.length]!, repository: 'gen/payments' },
    logArchive: { accountId: id(3), region: regions[(seed + 3) % regions.length]! },
    audit: { accountId: id(4) },
    workloads: Array.from({ length: n }, (_, i) => workloadOf(i, seed)),
  };
}

export function workloadOf(i: number, seed = 7): ManifestInput['workloads'][number] {
  const regions = REGIONS;
  const primary = regions[(i * 3 + seed) % regions.length]!;
  const replica = regions[(i * 3 + seed + 1) % regions.length]!;
  const name = `t${String(i).padStart(3, '0')}`;
  const accountId = String(500_000_000_000 + seed * 1_000_000 + i);
  const replicaRegions = i % 5 === 0 ? [replica] : [];
  const environment = (['dev', 'staging', 'prod'] as const)[i % 3]!;
  return {
    name,
    accountId,
    environment,
    organizationalUnit: 'Workloads',
    primaryRegion: primary,
    replicaRegions,
    alertEmails: [`team${i}@gen.test`],
    payments: { currencies: ['USD'], maxAmountMinor: 100_000 + i, fraudReviewThresholdMinor: 50_000 },
    ...(environment === 'prod' ? { api: { domains: tlsDomains(accountId, name, [primary, ...replicaRegions]) } } : {}),
  };
}

/**
 * The change README's example comment shows: a prod workload with two regions onboarded into
 * the example manifest (its account id is the next after the manifest's highest; its regions
 * are ones the manifest already uses).
 */
export function exampleOnboarding(example: ManifestInput): { base: ManifestInput; head: ManifestInput } {
  const head = structuredClone(example);
  const ids = [example.organization.managementAccountId, example.deployment.accountId, example.logArchive.accountId, example.audit.accountId, ...example.workloads.map((w) => w.accountId)];
  const next = String(Math.max(...ids.map(Number)) + 1).padStart(12, '0');
  const prod = example.workloads.find((w) => w.environment === 'prod' && (w.replicaRegions ?? []).length > 0)!;
  head.workloads.push({
    name: `${prod.name}-two`,
    accountId: next,
    environment: 'prod',
    organizationalUnit: prod.organizationalUnit,
    primaryRegion: prod.replicaRegions![0]!,
    replicaRegions: [prod.primaryRegion],
    alertEmails: ['payments-two-oncall@example.com'],
    payments: { currencies: ['EUR'], maxAmountMinor: 2_000_000, fraudReviewThresholdMinor: 1_000_000 },
    api: { domains: tlsDomains(next, `${prod.name}-two`, [prod.replicaRegions![0]!, prod.primaryRegion]) },
  });
  return { base: structuredClone(example), head };
}

/** The review of `exampleOnboarding` as the pull request's comment would show it. */
export function exampleComment(): string {
  const { base, head } = exampleOnboarding(structuredClone(exampleInput) as ManifestInput);
  return renderMarkdown(buildReport(sideOf('main', base), sideOf('working tree', head)));
}

/** README's copy of the comment, between its markers. */
export function readmeBlock(comment: string): string {
  return ['<!-- review-example:start -->', '', '````text', comment.trimEnd(), '````', '', '<!-- review-example:end -->'].join('\n');
}
