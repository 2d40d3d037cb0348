/**
 * The organisation's account manifest: the only file in this repository that holds
 * account ids, account names and regions.
 *
 * PLACEHOLDERS: every account id, the organisation id and the e-mail addresses below
 * are placeholders for the example organisation. Replace them with your own before
 * the first deploy (`npm run accounts -- import <accountId>` prints an entry
 * scaffolded from AWS Organizations). Onboarding an account = adding one entry to
 * `workloads` and opening a pull request; see the README.
 */
import type { ManifestInput } from './schema';

export const manifest = {
  project: 'payments',
  organization: { id: 'o-exampleorg1', managementAccountId: '100000000001' },
  deployment: { accountId: '100000000002', region: 'eu-west-1', repository: 'example-org/payments-platform' },
  logArchive: { accountId: '100000000003', region: 'eu-west-1' },
  audit: { accountId: '100000000004' },
  workloads: [
    {
      name: 'dev',
      accountId: '200000000001',
      environment: 'dev',
      organizationalUnit: 'Workloads/NonProd',
      primaryRegion: 'eu-west-1',
      replicaRegions: [],
      alertEmails: ['payments-dev-alerts@example.com'],
      payments: {
        currencies: ['EUR', 'USD'],
        maxAmountMinor: 100_000,
        fraudReviewThresholdMinor: 50_000,
        // Who may call the API (IAM, SigV4); without this field, one client `default` for the account itself.
        clients: [
          { name: 'default', principals: ['200000000001'] },
          { name: 'checkout', principals: ['arn:aws:iam::200000000006:role/services/checkout-service'] },
          { name: 'invoicing', principals: ['200000000005'], rateLimitPerSecond: 10, burst: 20 },
        ],
      },
    },
    {
      name: 'staging',
      accountId: '200000000002',
      environment: 'staging',
      organizationalUnit: 'Workloads/NonProd',
      primaryRegion: 'eu-west-1',
      replicaRegions: [],
      alertEmails: ['payments-staging-alerts@example.com'],
      payments: { currencies: ['EUR', 'USD'], maxAmountMinor: 1_000_000, fraudReviewThresholdMinor: 500_000 },
    },
    {
      name: 'prod',
      accountId: '200000000003',
      environment: 'prod',
      organizationalUnit: 'Workloads/Prod',
      primaryRegion: 'eu-west-1',
      replicaRegions: ['eu-central-1'],
      alertEmails: ['payments-oncall@example.com', 'payments-leads@example.com'],
      payments: {
        currencies: ['EUR', 'USD', 'GBP'],
        maxAmountMinor: 5_000_000,
        fraudReviewThresholdMinor: 1_000_000,
        maxPaymentsPerCardPerMinute: 10,
      },
      archiveRetentionDays: 2555,
      api: {
        domains: {
          'eu-west-1': { name: 'api.eu-west-1.payments.example.com', certificateArn: 'arn:aws:acm:eu-west-1:200000000003:certificate/4f0c2b9e-8d1a-4c3e-9b7f-2a6d5e8c1f03' },
          'eu-central-1': { name: 'api.eu-central-1.payments.example.com', certificateArn: 'arn:aws:acm:eu-central-1:200000000003:certificate/9a3e7c21-5b6f-4d08-a1c4-7e2f9b3d6a15' },
        },
      },
      tags: { 'cost-center': 'payments', 'data-classification': 'pci' },
    },
  ],
} satisfies ManifestInput;
