/**
 * README's example comment is the review's own output, not a hand-written copy: given the
 * onboarding it describes, when the review renders it, then README holds exactly that text.
 * After a change to the review, `UPDATE_README_EXAMPLE=1 npx jest test/tools/review/readme-example.test.ts`
 * writes the new rendering into README.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleComment, readmeBlock } from './sides';

const README = join(__dirname, '../../../README.md');
const START = '<!-- review-example:start -->';
const END = '<!-- review-example:end -->';

test("given README's example onboarding, when the review renders it, then README shows exactly that comment", () => {
  const comment = exampleComment();
  expect(comment).toContain('standard `bootstrap` stack, same as');
  let readme = readFileSync(README, 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END) + END.length;
  expect(start).toBeGreaterThan(0);
  if (process.env.UPDATE_README_EXAMPLE === '1') {
    readme = readme.slice(0, start) + readmeBlock(comment) + readme.slice(end);
    writeFileSync(README, readme);
  }
  expect(readme.slice(start, readme.indexOf(END) + END.length)).toBe(readmeBlock(comment));
});
