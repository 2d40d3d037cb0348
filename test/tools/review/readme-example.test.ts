/**
 * README's example comment is the review's own output, not a hand-written copy: given the
 * onboarding it describes, when the review renders it, then README holds exactly that text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleComment, readmeBlock } from './sides';

test("given README's example onboarding, when the review renders it, then README shows exactly that comment", () => {
  const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
  const start = readme.indexOf('<!-- review-example:start -->');
  const end = readme.indexOf('<!-- review-example:end -->') + '<!-- review-example:end -->'.length;
  expect(start).toBeGreaterThan(0);
  const comment = exampleComment();
  expect(comment).toContain('standard `bootstrap` stack, same as');
  expect(readme.slice(start, end)).toBe(readmeBlock(comment));
});
