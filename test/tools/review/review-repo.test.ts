/**
 * Plan review end to end: in a git repository built from this one,
 * each scenario is a commit, and `npm run review -- --base HEAD~1` (the real tool: it
 * extracts the base commit, synthesizes both sides with their own code and their own
 * manifest file) must show it as the change it is.
 *
 * A scenario whose base commit the previous scenario already synthesized, as its working
 * tree, reviews against that synthesis instead of extracting and synthesizing the commit
 * again: a commit synthesizes byte-identically wherever it is (F-26; the comment-only scenario
 * below checks it here too, an extracted base against the same working tree). The first
 * scenarios, the manifest edit, the command line and the scenario after it still let the tool
 * extract and build the base commit itself.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { manifest as exampleManifest } from '../../../accounts/manifest';
import { renderMarkdown } from '../../../tools/review/markdown';
import { buildReport } from '../../../tools/review/report';
import { synthBoth, synthSide } from '../../../tools/review/synth';
import type { Report, Side } from '../../../tools/review/types';
import { baseFixture } from './fixture-stack';
import { FIXTURE_FILE, MANIFEST_FILE, SOURCE_REPO, TestRepo } from './git-repo';
import { toolArgs } from '../../support/tool-launcher';

type Manifest = typeof exampleManifest & { workloads: Record<string, unknown>[] };
type Fixture = Record<string, Record<string, unknown>>;

const { prefix: _unused, ...fixtureDefaults } = baseFixture('x');
const initialFixture: Fixture = {
  'deployment-eu-west-1': { ...fixtureDefaults, keyUsers: ['arn:aws:iam::100000000002:role/payments-ci-apply'] },
  bootstrap: { ...fixtureDefaults, table: false },
  payments: { ...fixtureDefaults },
};

let repo: TestRepo;
const env = () => ({ ...process.env, PAYMENTS_MANIFEST: MANIFEST_FILE });

/** The last working tree a review synthesized, and the commit it was (the tree is always committed when reviewed). */
let lastHead: { commit: string; side: Side } | undefined;

/**
 * Reviews the last commit against its parent, as `npm run review -- --base HEAD~1` does; with
 * `reuse`, the parent's synthesis is the previous review's working tree when that was the parent.
 */
async function reviewLastCommit(options: { reuse?: boolean } = {}): Promise<Report> {
  const parent = repo.git('rev-parse', 'HEAD~1').trim();
  let sides: { base: Side; head: Side };
  if (options.reuse && lastHead?.commit === parent) {
    const head = await synthSide({ tree: repo.dir, repo: repo.dir, label: 'working tree', env: env(), cwd: repo.dir });
    sides = { base: { ...lastHead.side, label: `HEAD~1 (${parent.slice(0, 12)})` }, head };
  } else {
    sides = await synthBoth(repo.dir, 'HEAD~1', env(), repo.dir);
  }
  lastHead = { commit: repo.git('rev-parse', 'HEAD').trim(), side: sides.head };
  return buildReport(sides.base, sides.head);
}

function editFixture(edit: (f: Fixture) => void, message: string): void {
  const f = repo.readJson<Fixture>(FIXTURE_FILE);
  edit(f);
  repo.writeJson(FIXTURE_FILE, f);
  repo.commit(message);
}

const broadeningAt = (r: Report, stack: string, address: string) => r.security.filter((f) => f.stack === stack && f.address === address && f.class === 'broadening');

beforeAll(() => {
  repo = new TestRepo(JSON.parse(JSON.stringify(exampleManifest)), initialFixture);
});
afterAll(() => repo?.dispose());

describe('npm run review in a test repository', () => {
  test('F-26 given a comment-only commit, when reviewed, then "No changes"', async () => {
    repo.write('stacks/topology.ts', `${repo.read('stacks/topology.ts')}\n// A comment that changes nothing.\n`);
    repo.commit('comment only');
    const r = await reviewLastCommit();
    expect(r.noChanges).toBe(true);
    expect(r.totals.stacks).toBeGreaterThan(0);
    expect(renderMarkdown(r)).toContain('**No changes.**');
  });

  test('F-23 given a commit that adds a workload to the JSON manifest, when reviewed, then exactly its new stacks appear, with the roles they trust', async () => {
    const m = repo.readJson<Manifest>(MANIFEST_FILE);
    m.workloads.push({
      name: 'newco',
      accountId: '200000000042',
      environment: 'dev',
      organizationalUnit: 'Workloads/NonProd',
      primaryRegion: 'eu-west-1',
      replicaRegions: ['eu-central-1'],
      alertEmails: ['newco@example.com'],
      payments: { currencies: ['EUR'], maxAmountMinor: 1000, fraudReviewThresholdMinor: 500 },
    });
    repo.writeJson(MANIFEST_FILE, m);
    repo.commit('onboard newco');
    const r = await reviewLastCommit();
    expect(r.stacks.filter((s) => s.status === 'added').map((s) => s.name)).toEqual(['bootstrap-newco', 'payments-newco-eu-central-1', 'payments-newco-eu-west-1']);
    expect(r.stacks.filter((s) => s.status === 'removed')).toEqual([]);
    expect(r.onboarding.map((w) => [w.workload, w.accountId, w.regions, w.stacks])).toEqual([
      ['newco', '200000000042', ['eu-central-1', 'eu-west-1'], ['bootstrap-newco', 'payments-newco-eu-central-1', 'payments-newco-eu-west-1']],
    ]);
    expect(r.onboarding[0]!.trusts).toContainEqual({
      stack: 'bootstrap-newco',
      role: 'bootstrap-newco-fixture',
      principals: ['AWS:arn:aws:iam::100000000002:root'],
      conditions: ['StringEquals aws:PrincipalOrgID ["o-exampleorg1"]'],
    });
    expect(r.accounts.find((a) => a.accountId === '200000000042' && a.region === 'eu-west-1')).toMatchObject({ stacksAdded: 2, stacksChanged: 0 });
    expect(renderMarkdown(r)).toContain('#### New workload `newco`: account 200000000042');
  });

  test("F-14 given a commit that widens a role's actions, when reviewed, then broadening", async () => {
    editFixture((f) => (f['deployment-eu-west-1']!.roleActions = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:DeleteItem']), 'widen role');
    const r = await reviewLastCommit({ reuse: true });
    const fs = broadeningAt(r, 'deployment-eu-west-1', 'aws_iam_role_policy.fixture_role_policy');
    expect(fs).toHaveLength(1);
    expect(fs[0]!.details).toEqual(expect.arrayContaining(['+ action added: dynamodb:Scan', '+ action added: dynamodb:DeleteItem']));
    expect(r.totals.broadening).toBe(1);
  });

  test('F-14 given a commit that adds a principal to a key policy, when reviewed, then broadening', async () => {
    editFixture((f) => (f['deployment-eu-west-1']!.keyUsers = ['arn:aws:iam::100000000002:role/payments-ci-apply', 'arn:aws:iam::300000000007:root']), 'share key');
    const r = await reviewLastCommit({ reuse: true });
    const fs = broadeningAt(r, 'deployment-eu-west-1', 'aws_kms_key.fixture_key');
    expect(fs.map((f) => [f.category, f.details])).toEqual([['key-policy', ['+ principal added: AWS:arn:aws:iam::300000000007:root']]]);
  });

  test('F-14 given a commit that drops aws:PrincipalOrgID, when reviewed by the CLI with --fail-on-broadening, then broadening and exit code 3', () => {
    editFixture((f) => delete f['deployment-eu-west-1']!.orgId, 'drop org condition');
    const run = spawnSync(process.execPath, toolArgs(join(SOURCE_REPO, 'tools/review.ts'), ['--base', 'HEAD~1', '--json', '--fail-on-broadening']), {
      cwd: repo.dir,
      env: env(),
      encoding: 'utf8',
    });
    expect(run.status).toBe(3);
    const r = JSON.parse(run.stdout) as Report; // stdout carries only the report
    const fs = broadeningAt(r, 'deployment-eu-west-1', 'aws_iam_role.fixture_role');
    expect(fs.map((f) => f.category)).toEqual(['trust']);
    expect(fs[0]!.details.join('\n')).toContain('condition removed: StringEquals aws:PrincipalOrgID');
    expect(run.stderr).toMatch(/review: \d+ stacks/);
  });

  test('F-22 given a commit that removes a table, or one that removes a workload, when reviewed, then they are listed under destructive changes', async () => {
    editFixture((f) => (f['deployment-eu-west-1']!.table = false), 'drop table');
    const table = await reviewLastCommit();
    expect(table.destructive).toContainEqual(expect.objectContaining({ stack: 'deployment-eu-west-1', address: 'aws_dynamodb_table.fixture_table', kind: 'destroy' }));

    const m = repo.readJson<Manifest>(MANIFEST_FILE);
    m.workloads = m.workloads.filter((w) => w.name !== 'staging');
    repo.writeJson(MANIFEST_FILE, m);
    repo.commit('remove staging');
    const r = await reviewLastCommit({ reuse: true });
    expect(r.stacks.filter((s) => s.status === 'removed').map((s) => s.name)).toEqual(['bootstrap-staging', 'payments-staging-eu-west-1']);
    const destroyed = r.destructive.filter((d) => d.stack === 'payments-staging-eu-west-1' || d.stack === 'bootstrap-staging');
    expect(destroyed.map((d) => [d.stack, d.address])).toEqual(
      expect.arrayContaining([
        ['payments-staging-eu-west-1', 'aws_dynamodb_table.fixture_table'],
        ['payments-staging-eu-west-1', 'aws_s3_bucket.fixture_bucket'],
        ['payments-staging-eu-west-1', 'aws_kms_key.fixture_key'],
      ]),
    );
    expect(destroyed.every((d) => d.kind === 'destroy' && d.reason.includes('workload staging'))).toBe(true);
    const md = renderMarkdown(r);
    expect(md.indexOf('`payments-staging-eu-west-1` · `aws_dynamodb_table.fixture_table` — **destroy**')).toBeGreaterThan(0);
    expect(md.indexOf('Destructive changes')).toBeLessThan(md.indexOf('Security-sensitive changes'));
  }, 180_000); // two reviews

  test('given the reviews above, then the working tree of the test repository was never touched', () => {
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo.dir }).toString()).toBe('');
    expect(execFileSync('git', ['worktree', 'list'], { cwd: repo.dir }).toString().trim().split('\n')).toHaveLength(1);
  });
});
