/**
 * Reads AWS Organizations through an injected client: every page of every list, OU paths
 * resolved by walking ListParents and DescribeOrganizationalUnit (cached per run).
 */
import { DescribeOrganizationalUnitCommand, ListAccountsCommand, ListParentsCommand, type Account, type OrganizationsClient, type Parent } from '@aws-sdk/client-organizations';
import { awsCall, type RetryOptions } from './aws';

export class OrganizationReader {
  private readonly paths = new Map<string, string>();
  constructor(
    private readonly org: OrganizationsClient,
    private readonly retry: RetryOptions,
  ) {}

  async accounts(): Promise<Account[]> {
    const out: Account[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall('organizations:ListAccounts', () => this.org.send(new ListAccountsCommand({ NextToken: token })), this.retry);
      out.push(...(page.Accounts ?? []));
      token = page.NextToken;
    } while (token);
    return out;
  }

  /** The one parent (OU or root) of an account or OU. */
  async parentOf(childId: string): Promise<Parent> {
    const parents: Parent[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall(`organizations:ListParents(${childId})`, () => this.org.send(new ListParentsCommand({ ChildId: childId, NextToken: token })), this.retry);
      parents.push(...(page.Parents ?? []));
      token = page.NextToken;
    } while (token);
    if (parents.length !== 1 || parents[0]!.Id === undefined) throw new Error(`organizations:ListParents(${childId}) returned ${parents.length} parents; expected exactly one`);
    return parents[0]!;
  }

  /** `Workloads/Prod` for an OU id; '' for the root. */
  async pathOf(parent: Parent): Promise<string> {
    if (parent.Type === 'ROOT') return '';
    const id = parent.Id!;
    const cached = this.paths.get(id);
    if (cached !== undefined) return cached;
    const ou = await awsCall(`organizations:DescribeOrganizationalUnit(${id})`, () => this.org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: id })), this.retry);
    const name = ou.OrganizationalUnit?.Name ?? id;
    const above = await this.pathOf(await this.parentOf(id));
    const path = above === '' ? name : `${above}/${name}`;
    this.paths.set(id, path);
    return path;
  }
}

/** Status of an account in either the older `Status` or the newer `State` field. */
export function accountStatus(a: Account): string {
  return String(a.State ?? a.Status ?? 'UNKNOWN');
}
