/**
 * A throw-away git repository built from this one (the files `git ls-files` lists, as they
 * are in the working tree), for end-to-end review tests. Adds the review fixture (a
 * test-only stack content, see fixture-stack.ts) to the repository's stacks, driven by a
 * JSON file that each scenario commit edits, and a JSON manifest given by PAYMENTS_MANIFEST.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const SOURCE_REPO = resolve(__dirname, '../../..');
export const MANIFEST_FILE = 'review-manifest.json';
export const FIXTURE_FILE = 'stacks/review-fixture.json';

const APP_HOOK = `
  // --- review test fixture (test/tools/review/git-repo.ts) ---
  const fixture = JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, 'review-fixture.json'), 'utf8'));
  for (const spec of specs) {
    const options = fixture[spec.name] ?? fixture[spec.kind];
    if (options) {
      const stack = stacks.get(spec.name)!;
      require('./review-fixture').addReviewFixture(stack, { ...options, prefix: spec.name });
      // The fixture is deliberately insecure (the scenarios widen it): it exercises the reviewer and is never deployed.
      const { Guardrails, PAYMENTS_RULE_PACK } = require('../modules/guardrails');
      for (const child of stack.node.children.filter((c: { node: { id: string } }) => c.node.id.startsWith('fixture'))) {
        for (const rule of PAYMENTS_RULE_PACK.rules) Guardrails.suppress(child, rule.id, 'review test fixture: exercises npm run review, never deployed');
      }
    }
  }
  return { app, specs, stacks`;

export class TestRepo {
  readonly dir: string;
  constructor(manifest: unknown, fixture: Record<string, unknown>) {
    this.dir = mkdtempSync(join(tmpdir(), 'review-repo-'));
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: SOURCE_REPO }).toString().split('\0').filter(Boolean);
    for (const f of files) {
      mkdirSync(dirname(join(this.dir, f)), { recursive: true });
      copyFileSync(join(SOURCE_REPO, f), join(this.dir, f));
    }
    symlinkSync(realpathSync(join(SOURCE_REPO, 'node_modules')), join(this.dir, 'node_modules'), 'dir');
    copyFileSync(join(__dirname, 'fixture-stack.ts'), join(this.dir, 'stacks/review-fixture.ts'));
    const app = readFileSync(join(this.dir, 'stacks/app.ts'), 'utf8');
    const anchor = '  return { app, specs, stacks';
    if (!app.includes(anchor)) throw new Error(`stacks/app.ts no longer contains "${anchor}": update APP_HOOK in ${__filename}`);
    writeFileSync(join(this.dir, 'stacks/app.ts'), app.replace(anchor, APP_HOOK));
    this.writeJson(MANIFEST_FILE, manifest);
    this.writeJson(FIXTURE_FILE, fixture);
    this.git('init', '-q', '-b', 'main');
    this.commit('base');
  }

  git(...args: string[]): string {
    return execFileSync('git', ['-c', 'user.name=review-test', '-c', 'user.email=review-test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: this.dir }).toString();
  }

  writeJson(file: string, value: unknown): void {
    writeFileSync(join(this.dir, file), `${JSON.stringify(value, null, 2)}\n`);
  }

  readJson<T>(file: string): T {
    return JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as T;
  }

  write(file: string, text: string): void {
    writeFileSync(join(this.dir, file), text);
  }

  read(file: string): string {
    return readFileSync(join(this.dir, file), 'utf8');
  }

  commit(message: string): void {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
