/**
 * `npm run ci -- comment`: the pull request's comment is the review followed by which stacks
 * CI plans, and never longer than GitHub takes for one comment (a longer one is refused, and
 * the job that posts it fails the pull request's gate).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GITHUB_COMMENT_LIMIT } from '../../tools/review/markdown';
import { commentWithPlans, main } from '../../tools/ci/ci';
import type { Step } from '../../tools/ci/engine';

const step = (i: number, action: Step['action']): Step => ({
  job: action === 'plan' ? 'plan' : 'review',
  role: 'arn:aws:iam::300000000002:role/payments-ci-plan',
  sub: 'repo:example/payments:pull_request',
  stack: `payments-w${String(i).padStart(3, '0')}-eu-west-1`,
  action,
  wave: 2,
  reason: action === 'plan' ? 'its state exists: planned with the plan role' : 'new workload: its bootstrap stack is not applied yet',
});
const steps = (n: number) => Array.from({ length: n }, (_, i) => step(i, i % 3 === 0 ? 'skip' : 'plan'));
/** A review of `length` characters, in lines, as `npm run review` writes it (beginning with its marker). */
const reviewOf = (length: number) => {
  const head = '<!-- payments-infra-review -->\n## Infrastructure review\n';
  const line = `${'x'.repeat(79)}\n`;
  return (head + line.repeat(Math.ceil(length / line.length))).slice(0, length - 1) + '\n';
};

describe('the pull request comment', () => {
  test('given a short review, then every stack follows it with whether CI plans it and why', () => {
    const review = reviewOf(2_000);
    const list = steps(7);
    const text = commentWithPlans(review, list);
    expect(text.startsWith(review)).toBe(true);
    const section = text.slice(review.length).split('\n');
    expect(section.slice(0, 3)).toEqual(['', '### CI plans', expect.stringContaining(list[0]!.stack)]);
    for (const s of list) {
      const line = section.find((l) => l.includes(`\`${s.stack}\``))!;
      expect(line).toContain(s.action === 'plan' ? 'planned read-only' : 'not planned');
      expect(line).toContain(s.reason);
    }
  });

  test('given reviews of every length up to the limit and lists of every size, then the comment never passes the limit and keeps the whole review', () => {
    // A small limit stands in for GitHub's, so that every case (the whole list, a count, nothing) is reached.
    const limit = 3_000;
    const seen = new Set<string>();
    for (let length = 100; length <= limit; length += 97) {
      for (const n of [0, 1, 5, 40]) {
        const review = reviewOf(length);
        const list = steps(n);
        const text = commentWithPlans(review, list, limit);
        expect(text.length).toBeLessThanOrEqual(limit);
        expect(text.startsWith(review)).toBe(true);
        const rest = text.slice(review.length);
        if (list.every((s) => rest.includes(`\`${s.stack}\``)) && rest.includes('### CI plans')) seen.add('listed');
        else if (rest.includes('### CI plans')) {
          const planned = list.filter((s) => s.action === 'plan').length;
          expect(rest).toContain(`${planned} stack(s) planned read-only, ${n - planned} not planned`);
          expect(rest).toContain("the list is in the run's `review` artifact (`pr-steps.jsonl`)");
          seen.add('counted');
        } else {
          expect(rest).toBe('');
          // only when not even the count fits
          expect(review.length + 150).toBeGreaterThan(limit);
          seen.add('review only');
        }
      }
    }
    expect([...seen].sort()).toEqual(['counted', 'listed', 'review only']);
  });

  test('given reviews over the limit (not ones `npm run review` wrote), then each is cut at a whole line, or in its one long line, and says where the rest is', () => {
    const note = "\n(cut to fit one comment: the whole review is in the run's artifacts)\n";
    const limit = 1_000;
    // a line break at every position around the cut, and a review without any
    const reviews = [...Array.from({ length: 60 }, (_, i) => `${'y'.repeat(limit - note.length - 30 + i)}\n${'z'.repeat(500)}\n`), 'w'.repeat(5_000)];
    for (const review of reviews) {
      const text = commentWithPlans(review, steps(3), limit);
      expect(text.length).toBeLessThanOrEqual(limit);
      expect(text.endsWith(note)).toBe(true);
      const kept = text.slice(0, text.length - note.length);
      expect(kept.length).toBeGreaterThan(0);
      expect(review.startsWith(kept)).toBe(true);
      // cut after a line break wherever one fits
      expect(kept.endsWith('\n')).toBe(review.indexOf('\n') >= 0 && review.indexOf('\n') < limit - note.length);
    }
    // and at GitHub's limit
    expect(commentWithPlans(reviewOf(GITHUB_COMMENT_LIMIT + 5_000), steps(3)).length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
  });

  describe('npm run ci -- comment', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'ci-comment-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('given the review at the limit and the steps `ci pr-steps` wrote, then it prints a comment GitHub takes, with one summary line on stderr', async () => {
      // given a review as long as `npm run review` may write, and 300 stacks' steps as JSON lines
      const review = reviewOf(GITHUB_COMMENT_LIMIT - 200);
      writeFileSync(join(dir, 'review.md'), review);
      writeFileSync(
        join(dir, 'pr-steps.jsonl'),
        steps(300)
          .map((s) => `${JSON.stringify(s)}\n`)
          .join(''),
      );
      let out = '';
      let err = '';
      const code = await main(
        ['comment', '--markdown', join(dir, 'review.md'), '--steps', join(dir, 'pr-steps.jsonl')],
        { write: (c: string) => ((out += c), true) },
        { write: (c: string) => ((err += c), true) },
      );
      // then the review with the count of the plans (the list does not fit), within the limit
      expect(code).toBe(0);
      expect(out.startsWith(review)).toBe(true);
      expect(out).toContain('200 stack(s) planned read-only, 100 not planned');
      expect(out.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
      expect(err).toMatch(/^ci comment: \d+ characters \(limit 65535\), 300 stacks\n$/);
    });

    test('given no --steps, then it is a usage error', async () => {
      await expect(main(['comment', '--markdown', join(dir, 'review.md')], { write: () => true }, { write: () => true })).rejects.toThrow('--steps is required');
    });
  });
});
