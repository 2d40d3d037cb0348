/**
 * A manifest the stacks were not written against: another organisation, another project
 * prefix, another default branch, five workloads spread over other regions. Tests run every
 * access-control proof against it as well as against the example manifest.
 */
import type { Manifest, ManifestInput, WorkloadInput } from '../../accounts/schema';
import { tlsDomains } from '../support/manifests';
import { parseManifest } from '../support/synth';

const workload = (
  name: string,
  accountId: string,
  environment: 'dev' | 'staging' | 'prod',
  ou: string,
  primaryRegion: WorkloadInput['primaryRegion'],
  replicaRegions: WorkloadInput['replicaRegions'] = [],
): WorkloadInput => ({
  name,
  accountId,
  environment,
  organizationalUnit: ou,
  primaryRegion,
  replicaRegions,
  alertEmails: [`${name}@acme.test`],
  payments: { currencies: ['USD'], maxAmountMinor: 900_000, fraudReviewThresholdMinor: 100_000 },
  ...(environment === 'prod' ? { api: { domains: tlsDomains(accountId, name, [primaryRegion, ...replicaRegions]) } } : {}),
});

export const otherOrgInput = {
  project: 'acme-pay',
  organization: { id: 'o-acme00000001', managementAccountId: '711111111111' },
  deployment: { accountId: '722222222222', region: 'us-east-2', repository: 'acme/infra-live', defaultBranch: 'trunk' },
  logArchive: { accountId: '733333333333', region: 'us-west-2' },
  audit: { accountId: '744444444444' },
  workloads: [
    workload('sandbox', '811111111111', 'dev', 'ou-ab12-sandbox1', 'us-west-2'),
    workload('test', '822222222222', 'staging', 'Workloads/Test', 'ap-southeast-2'),
    workload('us', '833333333333', 'prod', 'Workloads/Prod', 'us-east-1', ['us-west-2']),
    workload('eu', '844444444444', 'prod', 'Workloads/Prod', 'eu-central-1', ['eu-west-3', 'eu-north-1']),
    workload('apac', '855555555555', 'prod', 'Workloads/Prod', 'ap-northeast-1', ['ap-southeast-1']),
  ],
} satisfies ManifestInput;

export const otherOrgManifest = (): Manifest => parseManifest(structuredClone(otherOrgInput));
