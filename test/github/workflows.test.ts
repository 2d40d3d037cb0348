/**
 * Lints the CI workflows as data (the `yaml` package), so a careless edit cannot weaken
 * them: every action pinned to a full commit SHA with a version comment, least
 * `permissions` declared on every job (id-token only where OIDC is used), AWS reached only
 * through OIDC role assumption, never keys, and no account id or role ARN typed into a
 * workflow (they come from the manifest: F-19).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const DIR = join(__dirname, '../../.github/workflows');
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, unknown> };
type Job = { permissions?: Record<string, string> | string; steps?: Step[]; environment?: string; needs?: string | string[]; if?: string };
type Workflow = { on: Record<string, unknown>; permissions?: unknown; jobs: Record<string, Job> };

const load = (f: string) => ({ text: readFileSync(join(DIR, f), 'utf8'), wf: parse(readFileSync(join(DIR, f), 'utf8')) as Workflow });

describe('GitHub workflows', () => {
  test('there is a pull-request, a deploy and a drift workflow', () => {
    expect(files).toEqual(['deploy.yml', 'drift.yml', 'pull-request.yml']);
    expect(Object.keys(load('pull-request.yml').wf.on)).toEqual(['pull_request']);
    expect(Object.keys(load('deploy.yml').wf.on)).toEqual(['push']);
    expect(Object.keys(load('drift.yml').wf.on)).toContain('schedule');
  });

  test.each(files)('%s pins every action to a 40-hex commit SHA with a version comment', (f) => {
    const { text, wf } = load(f);
    const uses = Object.values(wf.jobs).flatMap((j) => (j.steps ?? []).map((s) => s.uses).filter((u): u is string => u !== undefined));
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
    for (const line of text.split('\n').filter((l) => /^\s*-?\s*uses:/.test(l))) expect(line).toMatch(/@[0-9a-f]{40} # v\d+(\.\d+)*$/);
  });

  test.each(files)('F-19 %s declares least permissions on every job: workflow default none, id-token only with OIDC, writes only where needed', (f) => {
    const { wf } = load(f);
    expect(wf.permissions).toEqual({});
    for (const [name, job] of Object.entries(wf.jobs)) {
      expect([name, typeof job.permissions]).toEqual([name, 'object']);
      const perms = job.permissions as Record<string, string>;
      for (const v of Object.values(perms)) expect(['read', 'write', 'none']).toContain(v);
      const usesOidc = (job.steps ?? []).some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
      expect([name, perms['id-token'] === 'write']).toEqual([name, usesOidc]);
      const writes = Object.entries(perms).filter(([k, v]) => v === 'write' && k !== 'id-token').map(([k]) => k);
      expect([name, writes]).toEqual([name, name === 'review' ? ['pull-requests'] : []]);
    }
  });

  test.each(files)('F-19 %s reaches AWS only through OIDC role assumption: no keys, no secrets, no account ids', (f) => {
    const { text, wf } = load(f);
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-session-token/i);
    expect(text).not.toMatch(/secrets\./);
    expect(text).not.toMatch(/\b\d{12}\b/);
    expect(text).not.toMatch(/arn:aws/);
    for (const job of Object.values(wf.jobs)) {
      for (const s of job.steps ?? []) {
        if (!s.uses?.startsWith('aws-actions/configure-aws-credentials@')) continue;
        expect(s.with?.['role-to-assume']).toEqual('${{ steps.roles.outputs.role }}');
        expect(Object.keys(s.with ?? {}).sort()).toEqual(['aws-region', 'role-session-name', 'role-to-assume']);
      }
    }
  });

  test('the pull-request workflow installs with npm ci, tests, posts one sticky comment, and plans affected stacks with the plan role', () => {
    const { wf } = load('pull-request.yml');
    const runs = (job: string) => (wf.jobs[job]!.steps ?? []).map((s) => s.run ?? '').join('\n');
    expect(runs('test')).toMatch(/npm ci[\s\S]*npm test/);
    expect(runs('review')).toContain('npm run -s review -- --base');
    const script = String(wf.jobs.review!.steps!.find((s) => s.uses?.startsWith('actions/github-script@'))!.with!.script);
    expect(script).toContain("'<!-- payments-infra-review -->'");
    expect(script).toMatch(/updateComment[\s\S]*createComment/);
    expect(wf.jobs.plan!.needs).toBe('review');
    expect(JSON.stringify(wf.jobs.plan)).toContain('"TF_VAR_access_role":"plan"');
    expect(runs('plan')).toContain('npx cdktf plan "$STACK"');
    expect(runs('plan')).toContain('jq -r .plan roles.json');
    expect(wf.jobs['security-approval']).toMatchObject({ environment: 'security-review', if: "needs.review.outputs.broadening != '0'" });
  });

  test('the deploy workflow plans with the apply role, hashes the plans, verifies them and applies stage by stage, prod behind an environment', () => {
    const { wf } = load('deploy.yml');
    const runs = (job: string) => (wf.jobs[job]!.steps ?? []).map((s) => s.run ?? '').join('\n');
    expect(runs('plan')).toContain('jq -r .apply roles.json');
    expect(runs('plan')).toMatch(/plan -input=false -no-color -detailed-exitcode -out=tfplan/);
    expect(runs('plan')).toContain('sha256sum');
    expect(wf.jobs['apply-shared']!.needs).toBe('plan');
    expect(wf.jobs['apply-nonprod']!.needs).toEqual(['plan', 'apply-shared']);
    expect(wf.jobs['apply-prod']!.needs).toEqual(['plan', 'apply-nonprod']);
    expect(wf.jobs['apply-prod']!.environment).toBe('production');
    for (const job of ['apply-shared', 'apply-nonprod', 'apply-prod']) {
      expect(runs(job)).toContain('sha256sum -c');
      expect(runs(job)).toContain('npm run -s ci -- apply-order --stage "$STAGE"');
      expect(runs(job)).toMatch(/apply -input=false -no-color tfplan/);
    }
  });

  test('the drift workflow plans every stack read-only with -detailed-exitcode and reports those that would change', () => {
    const { wf } = load('drift.yml');
    const text = JSON.stringify(wf.jobs.drift);
    expect(text).toContain('"TF_VAR_access_role":"plan"');
    expect(text).toContain('-detailed-exitcode');
    expect(text).toContain('jq -r .plan roles.json');
    expect(text).toContain('GITHUB_STEP_SUMMARY');
  });
});
