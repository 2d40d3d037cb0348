/**
 * For every workflow job that assumes a role, the token GitHub will give it is derived from the
 * workflow YAML (its events, branches and `environment:`), following GitHub's OIDC reference:
 * a job with an environment gets sub `repo:<owner/repo>:environment:<name>`; otherwise a pull
 * request gets `repo:<owner/repo>:pull_request` and a push, schedule or dispatch gets
 * `repo:<owner/repo>:ref:<ref>`; `ref` and `job_workflow_ref` (`<owner/repo>/.github/workflows/<file>@<ref>`)
 * are always present. Each token is then put to every CI role's SYNTHESIZED trust: the job's own
 * role must accept it and no other role may; tokens a hostile change could produce (a dispatch
 * from another branch, a pull request that declares an environment, a fork) must be refused by all.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Manifest } from '../../accounts/schema';
import { GITHUB_AUDIENCE } from '../../modules/access/github-oidc';
import { Naming } from '../../modules/core/naming';
import { CI_JOBS, jobRole, jobSub, type CiEvent } from '../../tools/ci/engine';
import { otherOrgManifest } from '../stacks/other-org';
import { exampleManifest, synthManifest } from '../support/synth';
import { ciRolesOf, pinsSubAndAud, trustAccepts, type TokenClaims } from './oidc';

const DIR = join(__dirname, '../../.github/workflows');
type Job = { permissions?: Record<string, string>; environment?: string; steps?: { run?: string; uses?: string }[] };
type Workflow = { on: Record<string, { branches?: string[] } | null | unknown[]>; jobs: Record<string, Job> };
const workflows = readdirSync(DIR)
  .filter((f) => f.endsWith('.yml'))
  .sort()
  .map((file) => ({ file, wf: parse(readFileSync(join(DIR, file), 'utf8')) as Workflow }));

interface DerivedToken {
  readonly label: string;
  readonly job: string;
  readonly event: string;
  readonly claims: TokenClaims;
}

/** The workflows name the example manifest's default branch; another organisation's workflows would name its own. */
const FILE_BRANCH = exampleManifest().deployment.defaultBranch;

function derive(m: Manifest): { legit: DerivedToken[]; hostile: DerivedToken[] } {
  const repo = m.deployment.repository;
  const branchOf = (b: string) => (b === FILE_BRANCH ? m.deployment.defaultBranch : b);
  const token = (file: string, job: string, event: string, ref: string, environment: string | undefined, repository = repo): DerivedToken => ({
    label: `${file}:${job} on ${event} at ${ref}${environment ? ` in ${environment}` : ''}${repository !== repo ? ` from ${repository}` : ''}`,
    job,
    event,
    claims: {
      sub: environment !== undefined ? `repo:${repository}:environment:${environment}` : event === 'pull_request' ? `repo:${repository}:pull_request` : `repo:${repository}:ref:${ref}`,
      aud: GITHUB_AUDIENCE,
      repository,
      ref,
      job_workflow_ref: `${repository}/.github/workflows/${file}@${ref}`,
      ...(environment !== undefined ? { environment } : {}),
    },
  });
  const legit: DerivedToken[] = [];
  const hostile: DerivedToken[] = [];
  const environments = [
    ...new Set(
      workflows.flatMap(({ wf }) =>
        Object.values(wf.jobs)
          .map((j) => j.environment)
          .filter((e): e is string => e !== undefined),
      ),
    ),
  ];
  const main = `refs/heads/${m.deployment.defaultBranch}`;
  for (const { file, wf } of workflows) {
    for (const [job, spec] of Object.entries(wf.jobs)) {
      if (spec.permissions?.['id-token'] !== 'write') continue;
      for (const event of Object.keys(wf.on)) {
        if (event === 'pull_request') legit.push(token(file, job, event, 'refs/pull/7/merge', spec.environment));
        else if (event === 'push') for (const b of (wf.on.push as { branches: string[] }).branches) legit.push(token(file, job, event, `refs/heads/${branchOf(b)}`, spec.environment));
        else if (event === 'schedule') legit.push(token(file, job, event, main, spec.environment));
        else if (event === 'workflow_dispatch') {
          legit.push(token(file, job, event, main, spec.environment));
          hostile.push(token(file, job, event, 'refs/heads/feature-x', spec.environment));
        } else throw new Error(`${file}: no rule for the token of event ${event}; add one here`);
      }
      // The same job edited on another branch and pushed, and the job run from a fork of the repository.
      hostile.push(token(file, job, 'push', 'refs/heads/feature-x', spec.environment));
      hostile.push(token(file, job, 'push', main, spec.environment, 'someone/fork'));
      // A pull request may edit its workflow to declare any environment.
      if ('pull_request' in wf.on) for (const e of environments) hostile.push(token(file, job, 'pull_request', 'refs/pull/7/merge', e));
    }
  }
  return { legit, hostile };
}

const cases: [string, () => Manifest][] = [
  ['example manifest', exampleManifest],
  ['another organisation (default branch trunk)', otherOrgManifest],
];

describe.each(cases)('which job may assume which CI role — %s', (_label, load) => {
  const m = load();
  const naming = new Naming(m);
  const synth = synthManifest(m);
  const deployment = synth.specs.find((s) => s.kind === 'deployment')!;
  const roles = ciRolesOf(synth.stacks.get(deployment.name)!, m.deployment.accountId);
  const { legit, hostile } = derive(m);
  const accepts = (role: (typeof roles)[number], t: DerivedToken) => trustAccepts(role, naming.githubOidcProviderArn(), m.deployment.accountId, t.claims);

  test('given the workflows, then every job that asks for an OIDC token is a CI job with the environment the YAML declares, and calls `ci role` for its role', () => {
    const jobs = workflows.flatMap(({ file, wf }) =>
      Object.entries(wf.jobs)
        .filter(([, j]) => j.permissions?.['id-token'] === 'write')
        .map(([job, j]) => ({ file, job, environment: j.environment })),
    );
    expect(jobs.map((j) => j.job).sort()).toEqual(Object.keys(CI_JOBS).sort());
    for (const j of jobs) {
      expect({ job: j.job, workflow: CI_JOBS[j.job]!.workflow, environment: CI_JOBS[j.job]!.environment }).toEqual({ job: j.job, workflow: j.file, environment: j.environment });
      const runs = workflows
        .find((w) => w.file === j.file)!
        .wf.jobs[j.job]!.steps!.map((s) => s.run ?? '')
        .join('\n');
      expect(runs).toContain('npm run -s ci -- role --job "$GITHUB_JOB"');
    }
  });

  test('given the synthesized CI trusts, then each pins sub and aud with StringEquals, and each is used by some job', () => {
    expect(roles.length).toBeGreaterThan(0);
    for (const r of roles) expect([r.name, pinsSubAndAud(r)]).toEqual([r.name, true]);
    const used = new Set(legit.map((t) => jobRole(m, t.job).role));
    expect(roles.map((r) => r.arn).filter((a) => !used.has(a))).toEqual([]);
  });

  test("given each job's token, then the dry run names the same sub as the YAML gives", () => {
    for (const t of legit) expect([t.label, jobSub(m, t.job, t.event === 'workflow_dispatch' ? 'schedule' : (t.event as CiEvent))]).toEqual([t.label, t.claims.sub]);
  });

  test("given each job's token, then its own role's trust accepts it and no other CI role's does", async () => {
    for (const t of legit) {
      const own = jobRole(m, t.job).role;
      for (const r of roles) {
        const expected = r.arn === own;
        expect(`${t.label} → ${r.name}: ${(await accepts(r, t)) ? 'accepted' : 'refused'}`).toBe(`${t.label} → ${r.name}: ${expected ? 'accepted' : 'refused'}`);
      }
    }
  });

  test('given a token a hostile change could produce (other branch, fork, a pull request declaring an environment), then every CI role refuses it', async () => {
    expect(hostile.length).toBeGreaterThan(0);
    for (const t of hostile) for (const r of roles) expect(`${t.label} → ${r.name}: ${(await accepts(r, t)) ? 'accepted' : 'refused'}`).toBe(`${t.label} → ${r.name}: refused`);
  });

  test('given a token for another audience, then even the right job is refused', async () => {
    const t = legit.find((x) => x.job === 'preview')!;
    const own = roles.find((r) => r.arn === jobRole(m, 'preview').role)!;
    expect(await accepts(own, t)).toBe(true);
    expect(await accepts(own, { ...t, claims: { ...t.claims, aud: `https://github.com/${m.deployment.repository.split('/')[0]}` } })).toBe(false);
  });
});
