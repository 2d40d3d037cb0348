/**
 * `accounts import <accountId>`: prints a typed workload entry scaffolded from AWS
 * Organizations (id, OU path, a name derived from the account name), with TODOs for what
 * Organizations cannot know (environment, regions, alert contacts, payment limits).
 */
import { DescribeAccountCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { AccountsToolError, awsCall, type RetryOptions } from './aws';
import { accountStatus, OrganizationReader } from './organizations';

/** A workload name from an account name: lowercase, hyphens, starts with a letter, ≤ 16. */
export function workloadNameFrom(accountName: string): string {
  let n = accountName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 16)
    .replace(/-+$/, '');
  if (n === '') n = 'workload';
  return n;
}

export async function importAccount(accountId: string, org: OrganizationsClient, retry: RetryOptions): Promise<string> {
  if (!/^\d{12}$/.test(accountId)) throw new AccountsToolError(`account id must be 12 digits, got ${JSON.stringify(accountId)}`);
  const reader = new OrganizationReader(org, retry);
  const described = await awsCall(`organizations:DescribeAccount(${accountId})`, () => org.send(new DescribeAccountCommand({ AccountId: accountId })), retry);
  const account = described.Account;
  if (!account) throw new AccountsToolError(`organizations:DescribeAccount(${accountId}) returned no account`);
  const parent = await reader.parentOf(accountId);
  const path = await reader.pathOf(parent);
  const status = accountStatus(account);
  const q = (s: string) => JSON.stringify(s).replace(/^"|"$/g, '').replace(/'/g, "\\'");
  const lines = [
    `// Scaffolded by \`npm run accounts -- import ${accountId}\` from AWS Organizations: "${q(account.Name ?? '')}", ${status}, in ${parent.Id} (${path === '' ? 'root' : path}).`,
    `// Add it to \`workloads\` in accounts/manifest.ts, complete every TODO, then run \`npm run accounts -- verify\`.`,
    ...(status !== 'ACTIVE' ? [`// WARNING: the account is ${status}; only ACTIVE accounts can be deployed.`] : []),
    `import type { WorkloadInput } from './schema';`,
    ``,
    `export const ${workloadNameFrom(account.Name ?? '').replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())}Workload = {`,
    `  name: '${workloadNameFrom(account.Name ?? '')}', // TODO: check — used in stack names, ≤ 16 characters`,
    `  accountId: '${accountId}',`,
    `  environment: 'dev', // TODO: dev | staging | prod`,
    `  organizationalUnit: '${q(path === '' ? parent.Id! : path)}',`,
    `  primaryRegion: 'us-east-1', // TODO: the workload's primary region (check it is enabled: npm run accounts -- preflight <name>)`,
    `  replicaRegions: [], // TODO: regions holding replicas of the primary's data`,
    `  alertEmails: ['${q(account.Email ?? 'alerts@example.com')}'], // TODO: who receives alarms (this is the account's root e-mail)`,
    `  payments: {`,
    `    currencies: ['USD'], // TODO: ISO 4217 codes accepted`,
    `    maxAmountMinor: 100_000, // TODO: largest payment, in minor units`,
    `    fraudReviewThresholdMinor: 50_000, // TODO: amounts above this go to fraud review`,
    `  },`,
    `  // api: { domains: { 'us-east-1': { name: 'payments.example.com', certificateArn: 'arn:aws:acm:…' } } }, // TODO for prod: a TLS 1.2 custom domain per region (required)`,
    `} satisfies WorkloadInput;`,
  ];
  return `${lines.join('\n')}\n`;
}
