/**
 * .github/scripts/stack.sh run with a stand-in `terraform` on PATH: what it writes to the job
 * summary. GitHub takes at most 1 MiB of summary per step and drops the whole of a step's
 * summary that passes it, so a stage job that applies many stacks must stop adding plans before
 * that, or the production approver sees none of them.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const STACK_SH = join(__dirname, '../../.github/scripts/stack.sh');
/** GitHub's limit on one step's summary. */
const STEP_SUMMARY_LIMIT = 1024 * 1024;

describe('stack.sh and the job summary', () => {
  let dir: string;
  let bin: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stack-sh-'));
    bin = join(dir, 'bin');
    mkdirSync(bin);
    // A Terraform whose every plan has changes and whose `show` prints a plan of PLAN_BYTES characters.
    writeFileSync(
      join(bin, 'terraform'),
      ['#!/usr/bin/env bash', 'case " $* " in', '  *" plan "*) exit 2 ;;', '  *" show "*) head -c "$PLAN_BYTES" /dev/zero | tr "\\0" "x"; echo ;;', '  *) exit 0 ;;', 'esac', ''].join('\n'),
    );
    chmodSync(join(bin, 'terraform'), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Applies `stack` with stack.sh, `planBytes` of plan text, the step's summary in `summary`. */
  const apply = (stack: string, planBytes: number, summary: string) => {
    mkdirSync(join(dir, 'out', 'stacks', stack), { recursive: true });
    const r = spawnSync('bash', [STACK_SH, 'apply', stack, join(dir, 'ci'), join(dir, 'out')], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, PLAN_BYTES: String(planBytes), GITHUB_STEP_SUMMARY: summary },
      encoding: 'utf8',
    });
    expect([stack, r.status, r.stderr]).toEqual([stack, 0, '']);
  };

  test('given a step summary just short of 900 kB, then a plan that would pass it is named, not shown', () => {
    const summary = join(dir, 'nearly.md');
    writeFileSync(summary, 'y'.repeat(899_000));
    apply('payments-y-eu-west-1', 5_000, summary);
    const added = readFileSync(summary, 'utf8').slice(899_000);
    expect(added).toBe("- payments-y-eu-west-1 (applied): not shown (this step's summary is full); the whole plan is in the run log\n");
  });

  test('given a step summary already past what plans may take, then a plan adds nothing to it', () => {
    const summary = join(dir, 'full.md');
    writeFileSync(summary, 'y'.repeat(970_000));
    apply('payments-z-eu-west-1', 5_000, summary);
    expect(statSync(summary).size).toBe(970_000);
  });

  test('given a small plan, then the summary shows it whole', () => {
    const summary = join(dir, 'small.md');
    apply('payments-a-eu-west-1', 2_000, summary);
    const text = readFileSync(summary, 'utf8');
    expect(text).toContain('<details><summary>payments-a-eu-west-1 (applied)</summary>');
    expect(text).toContain('x'.repeat(2_000));
    expect(text).not.toContain('(cut');
  });

  test('given a stage that applies forty stacks with large plans, then the summary stays under 1 MiB, shows the first plans and names every later one', () => {
    // given one step's summary, when forty stacks with 70 kB plans are applied in it
    const summary = join(dir, 'stage.md');
    const stacks = Array.from({ length: 40 }, (_, i) => `payments-w${String(i).padStart(3, '0')}-eu-west-1`);
    for (const stack of stacks) apply(stack, 70_000, summary);
    // then GitHub keeps it (at most 1 MiB), each plan is either shown (cut to its share) or named with where to find it
    expect(statSync(summary).size).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT);
    const text = readFileSync(summary, 'utf8');
    const shown = stacks.filter((s) => text.includes(`<details><summary>${s} (applied)</summary>`));
    const named = stacks.filter((s) => text.includes(`- ${s} (applied): not shown (this step's summary is full); the whole plan is in the run log`));
    expect(shown.length).toBeGreaterThan(10);
    expect(named.length).toBeGreaterThan(0);
    expect([...shown, ...named]).toEqual(stacks);
    // and the last 64 kB or more of the 1 MiB are left to the lines the workflow writes between the plans
    expect(statSync(summary).size).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT - 64 * 1024);
    // and the full text of every plan is kept beside the run
    for (const s of stacks) expect(readFileSync(join(dir, 'ci', 'show', `${s}.md`), 'utf8')).toContain('x'.repeat(70_000));
  });
});

describe("stack.sh and the end of the job's AWS session", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stack-sh-session-'));
    mkdirSync(join(dir, 'bin'));
    // A Terraform that logs every call and whose plans have changes.
    writeFileSync(join(dir, 'bin', 'terraform'), ['#!/usr/bin/env bash', 'echo "$*" >> "$TF_CALLS"', 'case " $* " in', '  *" plan "*) exit 2 ;;', '  *) exit 0 ;;', 'esac', ''].join('\n'));
    chmodSync(join(dir, 'bin', 'terraform'), 0o755);
    mkdirSync(join(dir, 'out', 'stacks', 'payments-a-eu-west-1'), { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs stack.sh `cmd` for one stack with the session ending `secondsLeft` from now (none: no end known); the Terraform calls it made. */
  const run = (cmd: 'apply' | 'destroy' | 'plan-readonly', secondsLeft: number | undefined) => {
    const calls = join(dir, `calls-${cmd}-${secondsLeft ?? 'none'}`);
    writeFileSync(calls, '');
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, TF_CALLS: calls, GITHUB_STEP_SUMMARY: join(dir, 'summary.md') };
    delete env.CI_SESSION_ENDS_AT;
    if (secondsLeft !== undefined) env.CI_SESSION_ENDS_AT = String(Math.floor(Date.now() / 1000) + secondsLeft);
    // `record` of a read-only plan is `npm run ci`: a stand-in npm takes it
    writeFileSync(join(dir, 'bin', 'npm'), '#!/usr/bin/env bash\nexit 0\n');
    chmodSync(join(dir, 'bin', 'npm'), 0o755);
    const r = spawnSync('bash', [STACK_SH, cmd, 'payments-a-eu-west-1', join(dir, 'ci'), join(dir, 'out')], { env, encoding: 'utf8' });
    return {
      status: r.status,
      stdout: r.stdout,
      terraform: readFileSync(calls, 'utf8')
        .trim()
        .split('\n')
        .filter((l) => l !== ''),
    };
  };

  test('given less than an hour of session left, then an apply or a destroy is not started: no Terraform call, an error that says to re-run', () => {
    for (const cmd of ['apply', 'destroy'] as const) {
      const r = run(cmd, 59 * 60);
      expect([cmd, r.status, r.terraform]).toEqual([cmd, 1, []]);
      expect(r.stdout).toMatch(
        new RegExp(`^::error::payments-a-eu-west-1: ${cmd} not started: this job's AWS session ends in 5[89] min, less than the 60 min an apply may take .*Re-run the failed jobs`),
      );
    }
  });

  test('given more than an hour left, or no end known, then the apply runs; a read-only plan runs whatever is left', () => {
    expect(run('apply', 61 * 60)).toMatchObject({
      status: 0,
      terraform: [expect.stringMatching(/^-chdir=\S+ init /), expect.stringMatching(/ plan /), expect.stringMatching(/ show /), expect.stringMatching(/ apply .*tfplan$/)],
    });
    expect(run('apply', undefined).status).toBe(0);
    const plan = run('plan-readonly', 60);
    expect(plan.terraform.some((c) => / plan .*-lock=false/.test(c))).toBe(true);
  });
});
