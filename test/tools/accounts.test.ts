/**
 * `npm run accounts` logic with mocked AWS clients (Organizations, STS, Account and S3 have no
 * local implementation): every branch of verify, preflight and import, paging included
 * (F-23: manifest mistakes reported with their path before anything is deployed).
 */
import { mockClient } from 'aws-sdk-client-mock';
import { AccountClient, GetRegionOptStatusCommand } from '@aws-sdk/client-account';
import { DescribeAccountCommand, DescribeOrganizationCommand, DescribeOrganizationalUnitCommand, ListAccountsCommand, ListParentsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import ts from 'typescript';
import { workloadSchema } from '../../accounts/schema';
import { AccessDeniedError, MissingCredentialsError, ThrottledError } from '../../tools/accounts/aws';
import { importAccount, workloadNameFrom } from '../../tools/accounts/import';
import { preflight, stsRegionFor } from '../../tools/accounts/preflight';
import { verifyManifest } from '../../tools/accounts/verify';
import { exampleManifest } from '../support/synth';

const m = exampleManifest();
const org = mockClient(OrganizationsClient);
const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
const account = mockClient(AccountClient);
let sleeps: number[] = [];
const retry = { sleep: async (ms: number) => void sleeps.push(ms) };
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name, $metadata: {} });

const OUS: Record<string, { name: string; parent: string }> = {
  'ou-root-workloads1': { name: 'Workloads', parent: 'r-root' },
  'ou-root-nonprod01': { name: 'NonProd', parent: 'ou-root-workloads1' },
  'ou-root-prod0001': { name: 'Prod', parent: 'ou-root-workloads1' },
  'ou-root-shared001': { name: 'Shared', parent: 'r-root' },
};
const placement: Record<string, string> = {
  [m.workloads[0]!.accountId]: 'ou-root-nonprod01',
  [m.workloads[1]!.accountId]: 'ou-root-nonprod01',
  [m.workloads[2]!.accountId]: 'ou-root-prod0001',
};
const allIds = [m.organization.managementAccountId, m.deployment.accountId, m.logArchive.accountId, m.audit.accountId, ...m.workloads.map((w) => w.accountId)];

function healthyOrganisation(overrides: { status?: Record<string, string>; missing?: string[]; placement?: Record<string, string> } = {}) {
  org.on(DescribeOrganizationCommand).resolves({ Organization: { Id: m.organization.id, MasterAccountId: m.organization.managementAccountId } });
  const accounts = allIds.filter((id) => !(overrides.missing ?? []).includes(id)).map((id) => ({ Id: id, Name: `acct-${id}`, State: (overrides.status?.[id] ?? 'ACTIVE') as 'ACTIVE' }));
  // Two pages: paging must be followed.
  org.on(ListAccountsCommand, { NextToken: undefined }).resolves({ Accounts: accounts.slice(0, 3), NextToken: 'page-2' });
  org.on(ListAccountsCommand, { NextToken: 'page-2' }).resolves({ Accounts: accounts.slice(3) });
  const where = { ...placement, ...(overrides.placement ?? {}) };
  org.on(ListParentsCommand).callsFake((input: { ChildId: string; NextToken?: string }) => {
    const parent = where[input.ChildId] ?? OUS[input.ChildId]?.parent ?? 'r-root';
    // ListParents pages too: the first page is empty with a token.
    if (input.NextToken === undefined) return { Parents: [], NextToken: `more-${input.ChildId}` };
    return { Parents: [{ Id: parent, Type: parent.startsWith('r-') ? 'ROOT' : 'ORGANIZATIONAL_UNIT' }] };
  });
  org
    .on(DescribeOrganizationalUnitCommand)
    .callsFake((input: { OrganizationalUnitId: string }) => ({ OrganizationalUnit: { Id: input.OrganizationalUnitId, Name: OUS[input.OrganizationalUnitId]!.name } }));
}

beforeEach(() => {
  org.reset();
  sts.reset();
  s3.reset();
  account.reset();
  sleeps = [];
});

describe('accounts verify (F-23)', () => {
  test('given an organisation that matches the manifest (paged lists), then there are no problems', async () => {
    healthyOrganisation();
    const result = await verifyManifest(m, new OrganizationsClient({}), retry);
    expect(result).toEqual({ problems: [], checked: 7 });
    expect(org.commandCalls(ListAccountsCommand)).toHaveLength(2);
    expect(org.commandCalls(ListParentsCommand).length).toBeGreaterThanOrEqual(6);
  });

  test('given a workload in another OU, then the mismatch names the manifest path, the OU id and both paths', async () => {
    healthyOrganisation({ placement: { [m.workloads[2]!.accountId]: 'ou-root-nonprod01' } });
    const { problems } = await verifyManifest(m, new OrganizationsClient({}), retry);
    expect(problems).toEqual([{ path: 'workloads[2].organizationalUnit', message: `account ${m.workloads[2]!.accountId} is in ou-root-nonprod01 (Workloads/NonProd), manifest says Workloads/Prod` }]);
  });

  test('given an OU id in the manifest, then it is compared by id; an account at the root shows (root)', async () => {
    const byId = { ...m, workloads: m.workloads.map((w, i) => (i === 0 ? { ...w, organizationalUnit: 'ou-root-nonprod01' } : i === 1 ? { ...w, organizationalUnit: 'ou-root-prod0001' } : w)) };
    healthyOrganisation({ placement: { [m.workloads[2]!.accountId]: 'r-root' } });
    const { problems } = await verifyManifest(byId, new OrganizationsClient({}), retry);
    expect(problems).toEqual([
      { path: 'workloads[1].organizationalUnit', message: `account ${m.workloads[1]!.accountId} is in ou-root-nonprod01 (Workloads/NonProd), manifest says ou-root-prod0001` },
      { path: 'workloads[2].organizationalUnit', message: `account ${m.workloads[2]!.accountId} is in r-root ((root)), manifest says Workloads/Prod` },
    ]);
  });

  test('given a missing, a suspended account and another organisation, then each is reported with its path', async () => {
    healthyOrganisation({ missing: [m.workloads[1]!.accountId], status: { [m.logArchive.accountId]: 'SUSPENDED' } });
    org.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-someoneelse1', MasterAccountId: '999999999999' } });
    const { problems } = await verifyManifest(m, new OrganizationsClient({}), retry);
    expect(problems.map((p) => p.path)).toEqual(['organization.id', 'organization.managementAccountId', 'logArchive.accountId', 'workloads[1].accountId']);
    expect(problems[2]!.message).toBe(`account ${m.logArchive.accountId} (acct-${m.logArchive.accountId}) is SUSPENDED, not ACTIVE`);
    expect(problems[3]!.message).toBe(`account ${m.workloads[1]!.accountId} is not in organisation o-someoneelse1`);
  });

  test('given throttling, then the call is retried with exponential backoff and succeeds', async () => {
    healthyOrganisation();
    org
      .on(DescribeOrganizationCommand)
      .rejectsOnce(awsError('TooManyRequestsException'))
      .rejectsOnce(awsError('TooManyRequestsException'))
      .resolves({ Organization: { Id: m.organization.id, MasterAccountId: m.organization.managementAccountId } });
    expect((await verifyManifest(m, new OrganizationsClient({}), retry)).problems).toEqual([]);
    expect(sleeps).toEqual([250, 500]);
  });

  test('given throttling that never stops, then a ThrottledError says how many attempts were made', async () => {
    healthyOrganisation();
    org.on(ListAccountsCommand).rejects(awsError('TooManyRequestsException'));
    await expect(verifyManifest(m, new OrganizationsClient({}), retry)).rejects.toThrow(ThrottledError);
    expect(sleeps).toEqual([250, 500, 1000, 2000]);
  });

  test('given access denied or no credentials, then a clear error names the call', async () => {
    org.on(DescribeOrganizationCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
    await expect(verifyManifest(m, new OrganizationsClient({}), retry)).rejects.toThrow(AccessDeniedError);
    await expect(verifyManifest(m, new OrganizationsClient({}), retry)).rejects.toThrow(/organizations:DescribeOrganization: access denied/);
    org.on(DescribeOrganizationCommand).rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    await expect(verifyManifest(m, new OrganizationsClient({}), retry)).rejects.toThrow(MissingCredentialsError);
    org.on(DescribeOrganizationCommand).rejects(awsError('SomethingElse'));
    await expect(verifyManifest(m, new OrganizationsClient({}), retry)).rejects.toThrow('SomethingElse');
  });
});

describe('accounts preflight (F-23)', () => {
  const prod = m.workloads[2]!;
  const clients = () => ({ sts: new STSClient({}), s3: new S3Client({}), accountClient: () => new AccountClient({}) });
  const assumed = () => sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'AKIA', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(0) } });

  test('given bootstrap applied, regions enabled and the bucket present, then every check passes', async () => {
    assumed();
    account.on(GetRegionOptStatusCommand, { RegionName: 'eu-west-1' }).resolves({ RegionOptStatus: 'ENABLED_BY_DEFAULT' });
    account.on(GetRegionOptStatusCommand, { RegionName: 'eu-central-1' }).resolves({ RegionOptStatus: 'ENABLED' });
    s3.on(HeadBucketCommand).resolves({});
    const checks = await preflight(m, 'prod', clients(), retry);
    expect(checks.map((c) => [c.check, c.ok])).toEqual([
      ['deploy role', true],
      ['region eu-west-1', true],
      ['region eu-central-1', true],
      ['state bucket', true],
    ]);
    expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input.RoleArn).toBe(`arn:aws:iam::${prod.accountId}:role/payments-deploy`);
  });

  test('given an opt-in region that is disabled, then the check fails naming the manifest path and the fix', async () => {
    assumed();
    account.on(GetRegionOptStatusCommand, { RegionName: 'eu-west-1' }).resolves({ RegionOptStatus: 'ENABLED_BY_DEFAULT' });
    account.on(GetRegionOptStatusCommand, { RegionName: 'eu-central-1' }).resolves({ RegionOptStatus: 'DISABLED' });
    s3.on(HeadBucketCommand).resolves({});
    const failed = (await preflight(m, 'prod', clients(), retry)).filter((c) => !c.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.detail).toMatch(/^workloads\[2\]\.replicaRegions\[0\]: eu-central-1 is DISABLED in account 200000000003; enable it/);
  });

  test('given an opt-in deployment region and a workload with an opt-in region, then the deployment region is checked in its account too', async () => {
    // given a deployment region and a workload replica that both must be enabled: Terraform assumes the workload's roles for the
    // replica through STS in the deployment region, which takes the call only where the workload account has it enabled
    const optIn = { ...m, deployment: { ...m.deployment, region: 'me-central-1' as const }, workloads: m.workloads.map((w) => (w === prod ? { ...w, replicaRegions: ['af-south-1' as const] } : w)) };
    assumed();
    account.on(GetRegionOptStatusCommand, { RegionName: prod.primaryRegion }).resolves({ RegionOptStatus: 'ENABLED_BY_DEFAULT' });
    account.on(GetRegionOptStatusCommand, { RegionName: 'af-south-1' }).resolves({ RegionOptStatus: 'ENABLED' });
    account.on(GetRegionOptStatusCommand, { RegionName: 'me-central-1' }).resolves({ RegionOptStatus: 'DISABLED' });
    s3.on(HeadBucketCommand).resolves({});
    const checks = await preflight(optIn, 'prod', clients(), retry);
    // then the deployment region is one more check, and it fails saying why and how to enable it
    expect(checks.map((c) => [c.check, c.ok])).toEqual([
      ['deploy role', true],
      [`region ${prod.primaryRegion}`, true],
      ['region af-south-1', true],
      ['region me-central-1', false],
      ['state bucket', true],
    ]);
    expect(checks[3]!.detail).toMatch(/^deployment\.region \(where Terraform assumes this account's roles for its opt-in regions\): me-central-1 is DISABLED in account 200000000003; enable it/);
    // and a workload in default regions only is not asked to enable it
    account.on(GetRegionOptStatusCommand).resolves({ RegionOptStatus: 'ENABLED_BY_DEFAULT' });
    const defaultsOnly = { ...optIn, workloads: m.workloads };
    expect((await preflight(defaultsOnly, 'prod', clients(), retry)).map((c) => c.check)).not.toContain('region me-central-1');
  });

  test('given STS refusing the deploy role because the region it is asked in is not enabled in the workload account, then the check says which region to enable there', async () => {
    // given a workload whose primary region is an opt-in one (Terraform then asks STS in the deployment region), and that region not enabled in its account
    const optIn = { ...m, deployment: { ...m.deployment, region: 'me-central-1' as const }, workloads: m.workloads.map((w) => (w === prod ? { ...w, primaryRegion: 'af-south-1' as const } : w)) };
    sts.on(AssumeRoleCommand).rejects(Object.assign(awsError('RegionDisabledException', 'STS is not activated in this region for account:200000000003'), { $metadata: { httpStatusCode: 403 } }));
    s3.on(HeadBucketCommand).resolves({});
    const role = (await preflight(optIn, 'prod', clients(), retry)).find((c) => c.check === 'deploy role')!;
    expect(role.ok).toBe(false);
    expect(role.detail).toContain(
      'STS in me-central-1 takes the call only if account 200000000003 has me-central-1 enabled: enable it (management account: aws account enable-region --account-id 200000000003 --region-name me-central-1)',
    );
    expect(role.detail).not.toContain('Apply bootstrap-prod first');
  });

  test('STS is asked where Terraform asks it: in a default region there, for an opt-in region in the deployment region', () => {
    const optInDeployment = { ...m, deployment: { ...m.deployment, region: 'me-central-1' as const } };
    expect(stsRegionFor(m, 'eu-west-1')).toBe('eu-west-1');
    expect(stsRegionFor(m, 'af-south-1')).toBe(m.deployment.region);
    expect(stsRegionFor(optInDeployment, 'af-south-1')).toBe('me-central-1');
    expect(stsRegionFor(optInDeployment, 'me-central-1')).toBe('me-central-1');
    expect(stsRegionFor(optInDeployment, 'us-east-1')).toBe('us-east-1');
  });

  test('given the deploy role cannot be assumed and the bucket is missing, then both fail and regions are reported unchecked', async () => {
    sts.on(AssumeRoleCommand).rejects(awsError('AccessDenied', 'not authorized to perform sts:AssumeRole'));
    s3.on(HeadBucketCommand).rejects(awsError('NotFound'));
    const checks = await preflight(m, 'prod', clients(), retry);
    expect(checks.every((c) => !c.ok)).toBe(true);
    expect(checks[0]!.detail).toMatch(/access denied.*Apply bootstrap-prod first/);
    expect(checks[1]!.detail).toBe('workloads[2].primaryRegion: not checked (the deploy role could not be assumed)');
    expect(checks[3]!.detail).toMatch(/does not exist: apply deployment-eu-west-1 first/);
  });

  test('given a throttled region check and a forbidden bucket, then it retries the one and reports the other', async () => {
    assumed();
    account.on(GetRegionOptStatusCommand).rejectsOnce(awsError('ThrottlingException')).resolves({ RegionOptStatus: 'ENABLED_BY_DEFAULT' });
    s3.on(HeadBucketCommand).rejects(Object.assign(new Error('Forbidden'), { name: 'Forbidden', $metadata: { httpStatusCode: 403 } }));
    const checks = await preflight(m, 'prod', clients(), retry);
    expect(sleeps).toEqual([250]);
    expect(checks.map((c) => c.ok)).toEqual([true, true, true, false]);
    expect(checks[3]!.detail).toMatch(/s3:HeadBucket.*access denied/);
  });

  test('given an unknown workload, then it names the known ones', async () => {
    await expect(preflight(m, 'nope', clients(), retry)).rejects.toThrow('no workload named "nope" in the manifest; known: dev, staging, prod');
  });
});

describe('accounts import (F-23)', () => {
  test('given an account in a nested OU, then the printed entry is valid TypeScript that the manifest schema accepts, with TODOs', async () => {
    healthyOrganisation({ placement: { '300000000001': 'ou-root-prod0001' } });
    org.on(DescribeAccountCommand).resolves({ Account: { Id: '300000000001', Name: 'Payments Canada (Prod)', Email: 'aws+ca@example.com', State: 'ACTIVE' } });
    const text = await importAccount('300000000001', new OrganizationsClient({}), retry);
    expect(text).toContain("organizationalUnit: 'Workloads/Prod'");
    expect(text).toMatch(/TODO/);
    const js = ts.transpileModule(text.replace(/^import .*$/m, ''), { compilerOptions: { module: ts.ModuleKind.CommonJS } }).outputText;
    const exports: Record<string, unknown> = {};
    new Function('exports', js)(exports);
    const entry = Object.values(exports)[0];
    const parsed = workloadSchema.safeParse(entry);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(parsed.data).toMatchObject({ name: 'payments-canada', accountId: '300000000001', alertEmails: ['aws+ca@example.com'] });
  });

  test('given a suspended account at the root, then the entry warns and uses the root id', async () => {
    healthyOrganisation({ placement: { '300000000002': 'r-root' } });
    org.on(DescribeAccountCommand).resolves({ Account: { Id: '300000000002', Name: '9 lives', State: 'SUSPENDED' } });
    const text = await importAccount('300000000002', new OrganizationsClient({}), retry);
    expect(text).toContain('WARNING: the account is SUSPENDED');
    expect(text).toContain("organizationalUnit: 'r-root'");
  });

  test('given a malformed id, then nothing is called', async () => {
    await expect(importAccount('12345', new OrganizationsClient({}), retry)).rejects.toThrow('account id must be 12 digits');
    expect(org.calls()).toHaveLength(0);
  });

  test('given account names, then workload names follow the schema', () => {
    expect(workloadNameFrom('Payments Canada (Prod)')).toBe('payments-canada');
    expect(workloadNameFrom('123')).toBe('workload');
    expect(workloadNameFrom('9 lives')).toBe('lives');
  });
});
