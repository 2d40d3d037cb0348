/**
 * Lints the CI workflows as data (the `yaml` package), so a careless edit cannot weaken
 * them: every action pinned to a full commit SHA with a version comment, least
 * `permissions` declared on every job (id-token only where OIDC is used), AWS reached only
 * through OIDC role assumption, never keys, and no account id or role ARN typed into a
 * workflow (they come from the manifest: F-19).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { exampleManifest, synthManifest } from '../support/synth';

const DIR = join(__dirname, '../../.github/workflows');
const files = readdirSync(DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

type Step = { uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, unknown> };
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
      const writes = Object.entries(perms)
        .filter(([k, v]) => v === 'write' && k !== 'id-token')
        .map(([k]) => k);
      // Only jobs that run none of the pull request's code may write: the comments (each reads an artifact) and drift (main only).
      const allowed: Record<string, string[]> = { comment: ['pull-requests'], 'comment-plans': ['pull-requests'], drift: ['issues'] };
      expect([name, writes]).toEqual([name, allowed[name] ?? []]);
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
        expect(
          Object.keys(s.with ?? {})
            .filter((k) => k !== 'role-duration-seconds')
            .sort(),
        ).toEqual(['aws-region', 'role-session-name', 'role-to-assume']);
      }
    }
  });
});

const runsOf = (wf: Workflow, job: string) => (wf.jobs[job]!.steps ?? []).map((s) => s.run ?? '').join('\n');
const STACK_SH = readFileSync(join(__dirname, '../../.github/scripts/stack.sh'), 'utf8');

describe('the workflows run what `npm run ci` decides', () => {
  test('given the pull-request workflow, then plans come from `ci pr-steps`, run read-only through stack.sh, and the security approval waits on its environment', () => {
    const { wf } = load('pull-request.yml');
    expect(runsOf(wf, 'test')).toMatch(/npm ci[\s\S]*npm test/);
    expect(runsOf(wf, 'review')).toContain('npm run -s review -- --base "$BASE_SHA"');
    expect(runsOf(wf, 'review')).toContain('npm run -s ci -- pr-steps --review review.json --base "$BASE_SHA"');
    // The review's code runs without a write token; the comment job posts it and runs nothing of the pull request.
    expect(wf.jobs.review!.permissions).toEqual({ contents: 'read' });
    const comment = wf.jobs.comment!;
    expect(comment.needs).toBe('review');
    expect((comment.steps ?? []).map((s) => s.uses?.split('@')[0])).toEqual(['actions/download-artifact', 'actions/github-script']);
    const script = String(comment.steps!.find((s) => s.uses?.startsWith('actions/github-script@'))!.with!.script);
    expect(script).toContain("'<!-- payments-infra-review -->'");
    expect(script).toMatch(/updateComment[\s\S]*createComment/);
    // What is posted is `ci comment`'s text, which keeps within GitHub's limit on a comment (the review's list of CI plans
    // appended by the shell could pass it, and GitHub refuses such a comment), in both jobs that post.
    expect(runsOf(wf, 'review')).toContain('npm run -s ci -- comment --markdown review.md --steps pr-steps.jsonl > comment.md');
    expect(runsOf(wf, 'review-plans')).toContain('npm run -s ci -- comment --markdown review.md --steps first/pr-steps.jsonl > comment.md');
    for (const job of ['comment', 'comment-plans']) {
      const posted = String(wf.jobs[job]!.steps!.find((s) => s.uses?.startsWith('actions/github-script@'))!.with!.script);
      expect(posted).toContain("fs.readFileSync('comment.md', 'utf8')");
    }
    expect(JSON.stringify(wf.jobs.review)).not.toContain('>> review.md');
    expect(JSON.stringify(wf.jobs['review-plans'])).not.toContain('>> review.md');
    // The review again with Terraform's plans, posted by a job shaped like `comment`.
    expect(runsOf(wf, 'review-plans')).toContain('npm run -s review -- --base "$BASE_SHA" --plans plans');
    expect(wf.jobs['review-plans']!.permissions).toEqual({ contents: 'read' });
    expect((wf.jobs['comment-plans']!.steps ?? []).map((s) => s.uses?.split('@')[0])).toEqual(['actions/download-artifact', 'actions/github-script']);
    expect(wf.jobs.plan!.needs).toBe('review');
    expect(JSON.stringify(wf.jobs.plan)).toContain('"TF_VAR_access_role":"plan"');
    expect(runsOf(wf, 'plan')).toContain('.github/scripts/stack.sh plan-readonly "$STACK" ci');
    expect(wf.jobs['security-approval']).toMatchObject({ environment: 'security-review', if: "needs.review.outputs.broadening != '0'" });
  });

  test('given a review that fails or is skipped, then the pull request gate fails: it always runs, needs every job and accepts only success (or nothing to do)', () => {
    const { wf } = load('pull-request.yml');
    const gate = wf.jobs.gate!;
    expect(gate.if).toBe('always()');
    expect([...(gate.needs as string[])].sort()).toEqual(
      Object.keys(wf.jobs)
        .filter((j) => j !== 'gate')
        .sort(),
    );
    const run = runsOf(wf, 'gate');
    expect(run).toContain('.review.result == "success"');
    expect(run).toContain('.test.result == "success"');
    expect(run).toMatch(/"\$broadening" != 0 \] && \[ "\$approval" != success \][\s\S]*exit 1/);
    expect(run).toMatch(/"\$plan" != success \][\s\S]*exit 1/);
  });

  test('given the deploy workflow, then a preview plans read-only wave by wave, each stage job runs only when its stage has changes, and a final result job always runs', () => {
    const { wf } = load('deploy.yml');
    expect(runsOf(wf, 'preview')).toContain('npm run -s ci -- waves --context ci/context.json');
    expect(runsOf(wf, 'preview')).toContain('npm run -s ci -- preview-steps --context ci/context.json --results ci/results --wave "$wave"');
    expect(runsOf(wf, 'preview')).toContain('.github/scripts/stack.sh plan-readonly');
    expect(runsOf(wf, 'preview')).toContain('npm run -s ci -- gate --context ci/context.json --results ci/results --summary ci/gate.md >> "$GITHUB_OUTPUT"');
    expect(JSON.stringify(wf.jobs.preview)).toContain('"TF_VAR_access_role":"plan"');
    const stages = [
      ['shared', 'shared-infrastructure', []],
      ['nonprod', 'nonprod', ['deploy-shared']],
      ['prod', 'production', ['deploy-shared', 'deploy-nonprod']],
    ] as const;
    for (const [stage, environment, before] of stages) {
      const job = wf.jobs[`deploy-${stage}`]!;
      expect(job.environment).toBe(environment);
      expect(job.needs).toEqual(['preview', ...before]);
      expect(job.if).toContain(`needs.preview.outputs.${stage} == 'true'`);
      expect(job.if).toContain("needs.preview.result == 'success'");
      for (const b of before) expect(job.if).toContain(`needs.${b}.result`);
      const run = runsOf(wf, `deploy-${stage}`);
      expect(run).toContain('npm run -s ci -- stage-steps --context ci/context.json --results ci/results --ledger ci/ledger --stage "$STAGE" --wave "$wave"');
      expect(run).toContain('.github/scripts/stack.sh apply "$stack" ci');
      expect(run).toContain('--wave destroy');
      expect(run).toContain('.github/scripts/stack.sh destroy "$stack" ci base.out');
      expect(JSON.stringify(job)).toContain(`"STAGE":"${stage}"`);
    }
    expect(wf.jobs.result!.if).toBe('always()');
    expect(wf.jobs.result!.needs).toEqual(['preview', 'deploy-shared', 'deploy-nonprod', 'deploy-prod']);
    expect(runsOf(wf, 'result')).toContain('npm run -s ci -- result --context ci/context.json --results ci/results');
  });

  test('given a re-run of failed jobs, then each stage job reads the ledgers of earlier attempts and writes its own; state Terraform could not save goes to the state bucket, never to an artifact', () => {
    const { wf } = load('deploy.yml');
    for (const stage of ['shared', 'nonprod', 'prod']) {
      const steps = wf.jobs[`deploy-${stage}`]!.steps!;
      const downloads = steps.filter((s) => s.uses?.startsWith('actions/download-artifact@')).map((s) => s.with);
      expect(downloads).toContainEqual({ pattern: `ledger-${stage}-*`, 'merge-multiple': true, path: 'ci/ledger' });
      const uploads = steps.filter((s) => s.uses?.startsWith('actions/upload-artifact@'));
      const ledger = uploads.find((s) => String(s.with?.name).startsWith('ledger-'))!;
      expect(ledger).toMatchObject({ if: 'always()', with: { name: `ledger-${stage}-\${{ github.run_attempt }}`, path: 'ci/ledger/' } });
      expect(uploads.map((s) => JSON.stringify(s.with))).not.toContainEqual(expect.stringContaining('tfstate'));
    }
    expect(STACK_SH).toMatch(/apply[^\n]*tfplan \|\| \{ keep_errored_state; exit 1; \}/);
    expect(STACK_SH).toMatch(/aws s3 cp --only-show-errors "\$file" "s3:\/\/\$bucket\/\$key"/);
  });

  test('given the jobs that go through every stack (stages, preview, drift), then their sessions last 4 hours, which their roles allow, so the last stack is still planned and its state still written', () => {
    const deployment = synthManifest(exampleManifest()).stacks.get(`deployment-${exampleManifest().deployment.region}`)!;
    const roles = Object.values(deployment.resource!.aws_iam_role!) as { name: string; max_session_duration?: number }[];
    const jobs: [string, string, string][] = [
      ['deploy.yml', 'deploy-shared', '-ci-apply-shared'],
      ['deploy.yml', 'deploy-nonprod', '-ci-apply-nonprod'],
      ['deploy.yml', 'deploy-prod', '-ci-apply-prod'],
      ['deploy.yml', 'preview', '-ci-preview'],
      ['drift.yml', 'drift', '-ci-drift'],
    ];
    for (const [file, job, role] of jobs) {
      const creds = load(file).wf.jobs[job]!.steps!.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))!;
      expect([job, creds.with?.['role-duration-seconds']]).toEqual([job, 14400]);
      // a session longer than the role allows is refused by STS
      expect([role, roles.find((r) => r.name.endsWith(role))!.max_session_duration]).toEqual([role, 14400]);
    }
    // a pull request plans one stack per job: an hour is enough
    expect(roles.find((r) => r.name.endsWith('-ci-plan'))!.max_session_duration ?? 3600).toBe(3600);
  });

  test('given a stage job, then before its session begins it records when the session will end at the latest, for stack.sh, which starts no apply in its last hour', () => {
    const { wf } = load('deploy.yml');
    for (const job of ['deploy-shared', 'deploy-nonprod', 'deploy-prod']) {
      const steps = wf.jobs[job]!.steps!;
      const creds = steps.findIndex((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
      const record = steps.findIndex((s) => /CI_SESSION_ENDS_AT=/.test(s.run ?? ''));
      expect([job, record >= 0 && record < creds]).toEqual([job, true]);
      expect(steps.slice(creds).some((s) => /stack\.sh (apply|destroy)/.test(s.run ?? ''))).toBe(true);
      // run as the job runs it: the end it records is the session's length from now
      const dir = mkdtempSync(join(tmpdir(), 'session-end-'));
      try {
        const envFile = join(dir, 'env');
        writeFileSync(envFile, '');
        const before = Math.floor(Date.now() / 1000);
        const r = spawnSync('bash', ['-e', '-c', steps[record]!.run!], { env: { ...process.env, GITHUB_ENV: envFile }, encoding: 'utf8' });
        expect(r.status).toBe(0);
        const ends = Number(/^CI_SESSION_ENDS_AT=(\d+)$/m.exec(readFileSync(envFile, 'utf8'))?.[1]);
        const length = Number(steps[creds]!.with!['role-duration-seconds']);
        expect([job, ends - before >= length, ends - before <= length + 5]).toEqual([job, true, true]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    expect(STACK_SH).toMatch(/session_margin=3600/);
  });

  test('given the deploy workflow, then what a stage job reads outlives the longest run (35 days: the production approval may wait 30), and a shorter repository limit is warned of', () => {
    const { wf } = load('deploy.yml');
    const uploads = Object.values(wf.jobs).flatMap((j) => (j.steps ?? []).filter((s) => s.uses?.startsWith('actions/upload-artifact@')));
    expect(uploads.length).toBeGreaterThan(0);
    for (const u of uploads) expect([u.with?.name, u.with?.['retention-days']]).toEqual([u.with?.name, 35]);
    // the check, as the preview's run block holds it
    const lines = runsOf(wf, 'preview').split('\n');
    const from = lines.findIndex((l) => l.includes('"${GITHUB_RETENTION_DAYS:-90}"'));
    const check = lines.slice(from, lines.findIndex((l, k) => k > from && l.trim() === 'fi') + 1).join('\n');
    expect(check).toMatch(/^\s*if [\s\S]*::warning::[\s\S]*fi$/);
    const warn = (days: string | undefined) => {
      const env: NodeJS.ProcessEnv = { ...process.env };
      if (days === undefined) delete env.GITHUB_RETENTION_DAYS;
      else env.GITHUB_RETENTION_DAYS = days;
      return spawnSync('bash', ['-e', '-c', check], { env, encoding: 'utf8' }).stdout;
    };
    expect(warn('30')).toContain('::warning::this repository keeps artifacts 30 days');
    expect(warn('35')).toBe('');
    expect(warn(undefined)).toBe('');
  });

  test('given the drift workflow, then it plans every applied stack read-only, reports "would change" apart from "failed to plan" and keeps one issue', () => {
    const { wf } = load('drift.yml');
    const run = runsOf(wf, 'drift');
    expect(JSON.stringify(wf.jobs.drift)).toContain('"TF_VAR_access_role":"plan"');
    expect(run).toContain('npm run -s ci -- drift-steps --state-keys state-keys.json');
    expect(run).toContain('.github/scripts/stack.sh plan-readonly');
    expect(run).toContain('npm run -s ci -- drift-report --results ci/results --state-keys state-keys.json');
    const script = String(wf.jobs.drift!.steps!.find((s) => s.uses?.startsWith('actions/github-script@'))!.with!.script);
    expect(script).toContain("'<!-- payments-drift -->'");
    expect(script).toMatch(/issues\.update[\s\S]*issues\.create/);
    // drift-report exits 2 on drift and on a crash alike: only a report that begins with the marker replaces the issue's text
    expect(script).toMatch(/if \(!report\.startsWith\(marker\)\) \{\s*core\.setFailed\([\s\S]*?\);\s*return;\s*\}[\s\S]*issues\.update/);
    // and the issue's body stays within what GitHub takes, however many stacks drifted: run the script's own lines that make it
    const lines = script.split('\n');
    const make = lines
      .slice(
        lines.findIndex((l) => l.includes('const run =')),
        lines.findIndex((l) => l.includes('const body =')) + 1,
      )
      .join('\n');
    const bodyOf = new Function('report', 'context', `${make}\nreturn body;`) as (report: string, context: unknown) => string;
    const context = { serverUrl: 'https://github.com', repo: { owner: 'example', repo: 'payments' }, runId: 1 };
    const huge = `<!-- payments-drift -->\n${Array.from({ length: 3_000 }, (_, i) => `- \`payments-w${i}-eu-west-1\`: 3 resource(s)`).join('\n')}\n`;
    expect(bodyOf(huge, context).length).toBeLessThanOrEqual(65_536);
    expect(bodyOf(huge, context)).toMatch(/^<!-- payments-drift -->[\s\S]*\(cut to fit one issue[\s\S]*Run: https:\/\/github\.com\/example\/payments\/actions\/runs\/1\n$/);
    expect(bodyOf('<!-- payments-drift -->\nsmall\n', context)).toBe('<!-- payments-drift -->\nsmall\n\nRun: https://github.com/example/payments/actions/runs/1\n');
  });
});

describe('approvals that GitHub may silently skip', () => {
  // Required reviewers exist for private repositories only on GitHub Enterprise (on Free, Pro and Team, only for public ones), and
  // an environment without them runs its job at once; with them, the person who started the run may approve it unless self-review
  // is prevented, and an administrator may bypass them unless that is turned off. The jobs that stand for another person's
  // approval check that it was required.
  const approvalJobs: [string, string, string][] = [
    ['deploy.yml', 'deploy-prod', 'production'],
    ['pull-request.yml', 'security-approval', 'security-review'],
  ];
  let bin: string;
  beforeAll(() => {
    bin = mkdtempSync(join(tmpdir(), 'fake-gh-'));
    // gh api <path> --jq <filter>: the environment GitHub would answer with (FAKE_ENV, JSON) through jq, as gh applies --jq;
    // any other path fails as gh does for an environment that does not exist
    writeFileSync(
      join(bin, 'gh'),
      [
        '#!/usr/bin/env bash',
        '[ "$1 $2 $3" = "api repos/$GITHUB_REPOSITORY/environments/$ENVIRONMENT --jq" ] && [ -n "${FAKE_ENV:-}" ] || { echo "gh: Not Found (HTTP 404)" >&2; exit 1; }',
        'jq -r "$4" <<< "$FAKE_ENV"',
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, 'gh'), 0o755);
  });
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  /** An environment as GitHub's REST API describes it. */
  const environmentJson = (o: { bypass?: boolean | 'absent'; rules?: object[] }) =>
    JSON.stringify({
      id: 1,
      name: 'env',
      ...(o.bypass === 'absent' ? {} : { can_admins_bypass: o.bypass ?? false }),
      ...(o.rules ? { protection_rules: o.rules } : {}),
      deployment_branch_policy: null,
    });
  const reviewers = (preventSelfReview: boolean) => ({ id: 2, node_id: 'x', type: 'required_reviewers', prevent_self_review: preventSelfReview, reviewers: [{ type: 'Team' }] });
  const branchPolicy = { id: 3, node_id: 'y', type: 'branch_policy' };
  const waitTimer = { id: 4, node_id: 'z', type: 'wait_timer', wait_timer: 30 };

  test.each(approvalJobs)("%s %s first checks that its environment %s requires another person's approval, and stops without it", (file, job, environment) => {
    const j = load(file).wf.jobs[job]!;
    expect(j.environment).toBe(environment);
    expect((j.permissions as Record<string, string>).actions).toBe('read');
    const check = j.steps![0]!;
    expect(check.env?.ENVIRONMENT).toBe(environment);
    expect(check.env?.GH_TOKEN).toBe('${{ github.token }}');
    // GitHub runs a run block as `bash -e {0}` (with the workflow's default shell, also pipefail)
    const run = (env: Record<string, string>) =>
      spawnSync('bash', ['-e', '-o', 'pipefail', '-c', check.run!], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, GITHUB_REPOSITORY: 'example/payments', ENVIRONMENT: environment, ...env },
        encoding: 'utf8',
      });
    expect(run({ FAKE_ENV: environmentJson({ rules: [branchPolicy, reviewers(true)] }) }).status).toBe(0);
    // GitHub documents can_admins_bypass only for setting it: where a response leaves it out, the reviewers still count
    expect(run({ FAKE_ENV: environmentJson({ bypass: 'absent', rules: [reviewers(true)] }) }).status).toBe(0);
    const refused: [string, string][] = [
      ['no rules', environmentJson({})],
      ['a branch policy only', environmentJson({ rules: [branchPolicy] })],
      ['a wait timer only', environmentJson({ rules: [waitTimer] })],
      ['reviewers who may approve their own run', environmentJson({ rules: [reviewers(false)] })],
      ['reviewers an administrator may bypass', environmentJson({ bypass: true, rules: [reviewers(true)] })],
    ];
    for (const [what, json] of refused) {
      const r = run({ FAKE_ENV: json });
      expect([what, r.status]).toEqual([what, 1]);
      expect(r.stdout).toContain(`::error::environment ${environment} does not require another person's approval`);
    }
    // an environment GitHub does not know (or a token that may not read it)
    expect(run({ FAKE_ENV: '' }).status).not.toBe(0);
  });
});

describe('Terraform and Node run the same way in every job', () => {
  const synth = synthManifest(exampleManifest());

  test.each(files)('%s pins Terraform to the release the synthesized stacks require, and Node to the release of .node-version', (f) => {
    const { wf, text } = load(f);
    const required = new Set([...synth.stacks.values()].map((tf) => String((tf.terraform as Record<string, unknown>).required_version)));
    expect(required.size).toBe(1);
    const m = /^~> (\d+)\.(\d+)\.(\d+)$/.exec([...required][0]!)!;
    expect(m).not.toBeNull();
    for (const [name, job] of Object.entries(wf.jobs)) {
      for (const s of job.steps ?? []) {
        if (s.uses?.startsWith('hashicorp/setup-terraform@')) {
          const v = String(s.with?.terraform_version).split('.').map(Number);
          expect([name, v[0], v[1], v[2]! >= Number(m[3])]).toEqual([name, Number(m[1]), Number(m[2]), true]);
          expect(s.with?.terraform_wrapper).toBe(false);
        }
        if (s.uses?.startsWith('actions/setup-node@')) {
          // the exact release of .node-version (22.18 or later: Node's own type stripping), read from the checkout
          expect([name, s.with?.['node-version-file'], s.with?.['node-version']]).toEqual([name, '.node-version', undefined]);
          const steps = job.steps ?? [];
          expect([name, steps.slice(0, steps.indexOf(s)).some((c) => c.uses?.startsWith('actions/checkout@'))]).toEqual([name, true]);
          // `cache: npm` needs 4.2.0 or later: earlier releases talk to the cache service GitHub shut down in April 2025
          if (s.with?.cache !== undefined) {
            const [major, minor] = new RegExp(`${s.uses}\\s*# v(\\d+)\\.(\\d+)`).exec(text)!.slice(1).map(Number) as [number, number];
            expect([name, major > 4 || (major === 4 && minor >= 2)]).toEqual([name, true]);
          }
        }
      }
      const runsTerraform = (job.steps ?? []).some((s) => (s.run ?? '').includes('stack.sh'));
      if (runsTerraform) expect([name, (job.steps ?? []).some((s) => s.uses?.startsWith('hashicorp/setup-terraform@'))]).toEqual([name, true]);
    }
  });

  test('given stack.sh, then read-only plans never take the state lock and deploys wait for it, with a plugin cache set in every job that runs Terraform', () => {
    expect(STACK_SH).toMatch(/plan-readonly\)[\s\S]*plan -input=false -no-color -lock=false/);
    expect(STACK_SH).toMatch(/apply\)[\s\S]*plan -input=false -no-color -lock-timeout="\$lock_timeout"/);
    expect(STACK_SH).toMatch(/apply -input=false -no-color -lock-timeout="\$lock_timeout" tfplan/);
    for (const f of files) {
      const { wf } = load(f);
      for (const [name, job] of Object.entries(wf.jobs)) {
        if (!(job.steps ?? []).some((s) => (s.run ?? '').includes('stack.sh')) || name === 'plan') continue;
        expect([f, name, runsOf(wf, name)]).toEqual([f, name, expect.stringContaining('TF_PLUGIN_CACHE_DIR=')]);
      }
    }
  });

  test.each(files)('%s runs Terraform only through stack.sh and decides nothing in shell: every stack list comes from `npm run -s ci --`', (f) => {
    const { wf } = load(f);
    for (const name of Object.keys(wf.jobs)) {
      const run = runsOf(wf, name);
      expect([name, /(^|\s)terraform\s/m.test(run)]).toEqual([name, false]);
      expect([name, run.includes('npm run -s stacks')]).toEqual([name, false]);
      if (!run.includes('stack.sh')) continue;
      const matrix = (wf.jobs[name] as { strategy?: { matrix?: Record<string, unknown> } }).strategy?.matrix;
      if (matrix) {
        // One stack per matrix job: the list is the review job's output, computed by `ci pr-steps`.
        expect(matrix.stack).toBe('${{ fromJSON(needs.review.outputs.plans) }}');
        expect(runsOf(wf, 'review')).toMatch(/npm run -s ci -- pr-steps[\s\S]*plans=\$\(jq[^\n]*select\(\.action == "plan"\)/);
      } else expect([name, run]).toEqual([name, expect.stringMatching(/npm run -s ci -- (preview-steps|stage-steps|drift-steps)/)]);
    }
  });

  test.each(files)('%s passes values into shell only through env: no ${{ }} inside any run block', (f) => {
    const { wf } = load(f);
    for (const [name, job] of Object.entries(wf.jobs)) for (const s of job.steps ?? []) expect([name, s.run ?? '']).toEqual([name, expect.not.stringContaining('${{')]);
  });

  test.each(files)('%s keeps artifacts no longer than needed and never uploads plan files (they hold state in cleartext)', (f) => {
    const { wf } = load(f);
    for (const job of Object.values(wf.jobs)) {
      for (const s of (job.steps ?? []).filter((x) => x.uses?.startsWith('actions/upload-artifact@'))) {
        // a week, or for what the deploy's stage jobs read, the 35 days a run may last (the production approval may wait 30)
        expect(Number(s.with?.['retention-days'])).toBeLessThanOrEqual(f === 'deploy.yml' ? 35 : 7);
        expect(String(s.with?.path)).not.toMatch(/tfplan|cdktf\.out\s*$|cdktf\.out\/\s*$/m);
      }
    }
  });
});

describe('CODEOWNERS', () => {
  const text = readFileSync(join(__dirname, '../../.github/CODEOWNERS'), 'utf8');
  const rules = text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.trim().split(/\s+/));

  test('given the CI, the review tool and the CI trust, then each path has an owner in the organisation that owns the deploying repository', () => {
    const owner = exampleManifest().deployment.repository.split('/')[0]!;
    const paths = rules.map((r) => r[0]);
    for (const p of ['/.github/', '/tools/ci/', '/tools/review/', '/tools/review.ts', '/tools/permissions/', '/modules/access/', '/accounts/', '/stacks/', '/package-lock.json'])
      expect(paths).toContain(p);
    for (const r of rules) {
      expect(r.length).toBeGreaterThan(1);
      for (const o of r.slice(1)) expect(o.startsWith(`@${owner}/`)).toBe(true);
    }
  });
});
