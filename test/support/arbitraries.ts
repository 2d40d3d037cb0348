/**
 * fast-check generators of valid manifests: any number of workloads, any regions,
 * names at their length limits, so properties hold for manifests nobody wrote by hand.
 */
import fc from 'fast-check';
import { REGION_NAMES } from '../../accounts/regions';
import type { ManifestInput } from '../../accounts/schema';
import { tlsDomains } from './manifests';

const letters = 'abcdefghijklmnopqrstuvwxyz';
const tail = `${letters}0123456789-`;

/** A valid workload name: starts with a letter, [a-z0-9-], 1..16. */
export const workloadName = fc.tuple(fc.constantFrom(...letters.split('')), fc.string({ unit: fc.constantFrom(...tail.split('')), maxLength: 15 })).map(([a, b]) => a + b);

/** A valid project prefix: starts with a letter, ends with a letter or digit, 2..12. */
export const projectName = fc
  .tuple(fc.constantFrom(...letters.split('')), fc.string({ unit: fc.constantFrom(...tail.split('')), maxLength: 10 }), fc.constantFrom(...`${letters}0123456789`.split('')))
  .map(([a, b, c]) => a + b + c);

const region = fc.constantFrom(...REGION_NAMES);

export const manifestArb: fc.Arbitrary<ManifestInput> = fc
  .record({
    project: projectName,
    names: fc.uniqueArray(workloadName, { minLength: 1, maxLength: 8 }),
    ids: fc.uniqueArray(fc.integer({ min: 1, max: 899_999_999_999 }), { minLength: 12, maxLength: 12 }),
    regions: fc.array(fc.tuple(region, fc.uniqueArray(region, { maxLength: 3 })), { minLength: 8, maxLength: 8 }),
    deploymentRegion: region,
    archiveRegion: region,
    env: fc.array(fc.constantFrom('dev' as const, 'staging' as const, 'prod' as const), { minLength: 8, maxLength: 8 }),
  })
  .map(({ project, names, ids, regions, deploymentRegion, archiveRegion, env }) => {
    const id = (i: number) => String(100_000_000_000 + ids[i]!).padStart(12, '0');
    return {
      project,
      organization: { id: 'o-abcdefghij', managementAccountId: id(0) },
      deployment: { accountId: id(1), region: deploymentRegion, repository: 'org/repo' },
      logArchive: { accountId: id(2), region: archiveRegion },
      audit: { accountId: id(3) },
      workloads: names.map((name, i) => {
        const [primary, replicas] = regions[i]!;
        const replicaRegions = replicas.filter((r) => r !== primary);
        return {
          name,
          accountId: id(4 + i),
          environment: env[i]!,
          organizationalUnit: 'Workloads',
          primaryRegion: primary,
          replicaRegions,
          alertEmails: ['a@example.com'],
          payments: { currencies: ['USD'], maxAmountMinor: 1000, fraudReviewThresholdMinor: 500 },
          ...(env[i] === 'prod' ? { api: { domains: tlsDomains(id(4 + i), name, [primary, ...replicaRegions]) } } : {}),
        };
      }),
    } satisfies ManifestInput;
  });
