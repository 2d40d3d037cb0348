/**
 * `accounts verify`: every manifest account exists in the organisation, is ACTIVE, and each
 * workload sits in the organizational unit the manifest names (an OU id or an OU path).
 * Each mismatch names its manifest path (F-23).
 */
import { DescribeOrganizationCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import type { Manifest, ManifestProblem } from '../../accounts/schema';
import { awsCall, type RetryOptions } from './aws';
import { accountStatus, OrganizationReader } from './organizations';

export interface VerifyResult {
  readonly problems: ManifestProblem[];
  /** How many manifest accounts were checked. */
  readonly checked: number;
}

const OU_ID = /^ou-/;
const shownPath = (p: string) => (p === '' ? '(root)' : p);

export async function verifyManifest(manifest: Manifest, org: OrganizationsClient, retry: RetryOptions): Promise<VerifyResult> {
  const reader = new OrganizationReader(org, retry);
  const problems: ManifestProblem[] = [];
  const described = await awsCall('organizations:DescribeOrganization', () => org.send(new DescribeOrganizationCommand({})), retry);
  const actualOrg = described.Organization?.Id;
  if (actualOrg !== manifest.organization.id) {
    problems.push({ path: 'organization.id', message: `these credentials belong to organisation ${actualOrg ?? '(none)'}, manifest says ${manifest.organization.id}` });
  }
  const management = described.Organization?.MasterAccountId;
  if (management !== manifest.organization.managementAccountId) {
    problems.push({ path: 'organization.managementAccountId', message: `the management account is ${management ?? '(unknown)'}, manifest says ${manifest.organization.managementAccountId}` });
  }

  const byId = new Map((await reader.accounts()).map((a) => [a.Id!, a]));
  const entries: { path: string; id: string; ou?: string }[] = [
    { path: 'organization.managementAccountId', id: manifest.organization.managementAccountId },
    { path: 'deployment.accountId', id: manifest.deployment.accountId },
    { path: 'logArchive.accountId', id: manifest.logArchive.accountId },
    { path: 'audit.accountId', id: manifest.audit.accountId },
    ...manifest.workloads.map((w, i) => ({ path: `workloads[${i}]`, id: w.accountId, ou: w.organizationalUnit })),
  ];
  for (const e of entries) {
    const idPath = e.ou !== undefined ? `${e.path}.accountId` : e.path;
    const account = byId.get(e.id);
    if (!account) {
      problems.push({ path: idPath, message: `account ${e.id} is not in organisation ${actualOrg ?? manifest.organization.id}` });
      continue;
    }
    const status = accountStatus(account);
    if (status !== 'ACTIVE') {
      problems.push({ path: idPath, message: `account ${e.id} (${account.Name ?? 'unnamed'}) is ${status}, not ACTIVE` });
    }
    if (e.ou === undefined) continue;
    const parent = await reader.parentOf(e.id);
    const actualPath = await reader.pathOf(parent);
    const matches = OU_ID.test(e.ou) ? parent.Id === e.ou : actualPath === e.ou;
    if (!matches) {
      problems.push({ path: `${e.path}.organizationalUnit`, message: `account ${e.id} is in ${parent.Id} (${shownPath(actualPath)}), manifest says ${e.ou}` });
    }
  }
  return { problems, checked: entries.length };
}
