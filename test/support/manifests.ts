/**
 * Manifests the tests write themselves: another organisation than the example one
 * (other ids, other regions, five workloads), so nothing passes only because it was
 * tuned to accounts/manifest.ts.
 */
import type { ManifestInput } from '../../accounts/schema';

/**
 * Custom domains for a workload's API in each of its regions, with a certificate of its own
 * account and region: what a prod workload must name (its API is served with TLS 1.2 or
 * better only). The names depend only on the workload's name and region.
 */
export function tlsDomains(accountId: string, workload: string, regions: readonly string[]): Record<string, { name: string; certificateArn: string }> {
  return Object.fromEntries(regions.map((r) => [r, { name: `${workload}-api.${r}.payments.test`, certificateArn: `arn:aws:acm:${r}:${accountId}:certificate/00000000-0000-4000-8000-000000000001` }]));
}

export function otherOrganisation(): ManifestInput {
  return {
    project: 'acme-pay',
    organization: { id: 'o-zz9k2m4q7x', managementAccountId: '710000000001' },
    deployment: { accountId: '710000000010', region: 'us-east-2', repository: 'acme/payments-infra', defaultBranch: 'trunk' },
    logArchive: { accountId: '710000000020', region: 'us-west-2' },
    audit: { accountId: '710000000030' },
    workloads: [
      {
        name: 'sandbox',
        accountId: '720000000001',
        environment: 'dev',
        organizationalUnit: 'ou-ab12-34cd56ef',
        primaryRegion: 'us-east-1',
        alertEmails: ['sre@acme.test'],
        payments: { currencies: ['USD'], maxAmountMinor: 50_000, fraudReviewThresholdMinor: 25_000 },
      },
      {
        name: 'qa-eu',
        accountId: '720000000002',
        environment: 'staging',
        organizationalUnit: 'Workloads/Test',
        primaryRegion: 'eu-north-1',
        replicaRegions: ['eu-south-2'],
        alertEmails: ['qa@acme.test'],
        payments: { currencies: ['SEK', 'EUR'], maxAmountMinor: 900_000, fraudReviewThresholdMinor: 900_000 },
      },
      {
        name: 'live-us',
        accountId: '720000000003',
        environment: 'prod',
        organizationalUnit: 'Workloads/Prod/US',
        primaryRegion: 'us-east-1',
        replicaRegions: ['us-west-2', 'ca-central-1'],
        alertEmails: ['oncall@acme.test', 'risk@acme.test'],
        payments: { currencies: ['USD', 'CAD'], maxAmountMinor: 10_000_000, fraudReviewThresholdMinor: 2_500_000, maxPaymentsPerCardPerMinute: 5 },
        api: { domains: tlsDomains('720000000003', 'live-us', ['us-east-1', 'us-west-2', 'ca-central-1']) },
        tags: { team: 'payments-core' },
      },
      {
        name: 'live-apac',
        accountId: '720000000004',
        environment: 'prod',
        organizationalUnit: 'Workloads/Prod/APAC',
        primaryRegion: 'ap-southeast-2',
        replicaRegions: ['ap-northeast-1'],
        alertEmails: ['apac-oncall@acme.test'],
        payments: {
          currencies: ['AUD', 'JPY', 'NZD'],
          maxAmountMinor: 2_000_000,
          fraudReviewThresholdMinor: 1_000_000,
          limits: { JPY: { maxAmountMinor: 2_000_000, fraudReviewThresholdMinor: 1_000_000 } },
        },
        archiveRetentionDays: 3650,
        api: { domains: tlsDomains('720000000004', 'live-apac', ['ap-southeast-2', 'ap-northeast-1']) },
      },
      {
        name: 'live-latam',
        accountId: '720000000005',
        environment: 'prod',
        organizationalUnit: 'Workloads/Prod/LATAM',
        primaryRegion: 'sa-east-1',
        replicaRegions: ['mx-central-1'],
        alertEmails: ['latam-oncall@acme.test'],
        payments: { currencies: ['BRL', 'MXN'], maxAmountMinor: 3_000_000, fraudReviewThresholdMinor: 1_500_000 },
        api: { domains: tlsDomains('720000000005', 'live-latam', ['sa-east-1', 'mx-central-1']) },
      },
    ],
  };
}
