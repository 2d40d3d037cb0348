/**
 * The repository explains itself. Every failure-mode id that a tracked file cites is defined
 * in docs/failure-modes.md; each definition says what breaks, how the project prevents it and
 * which tests prove it, and those tests exist and cite the id; and no file points to anything
 * outside the repository for its explanation.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const DOC = 'docs/failure-modes.md';
const SELF = relative(ROOT, __filename).split(sep).join('/');
const TEXT_FILE = /\.(ts|md|ya?ml)$/;
const ID = /\bF-\d{2}\b/g;

/** Tracked text files, plus the definitions and this test even before they are committed. */
function trackedTextFiles(): string[] {
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0');
  return [...new Set([...tracked, DOC, SELF])].filter((f) => TEXT_FILE.test(f) && existsSync(join(ROOT, f))).sort();
}

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

interface Hit {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

function hits(files: readonly string[], find: (line: string, file: string) => readonly string[]): Hit[] {
  const out: Hit[] = [];
  for (const file of files) {
    read(file)
      .split('\n')
      .forEach((line, i) => {
        for (const text of find(line, file)) out.push({ file, line: i + 1, text });
      });
  }
  return out;
}

interface Definition {
  readonly id: string;
  readonly title: string;
  readonly body: string;
}

/** The `## F-NN Title` sections of the definitions file, each with its text up to the next heading. */
function definitions(): Definition[] {
  return read(DOC)
    .split(/^## /m)
    .slice(1)
    .flatMap((section) => {
      const [heading = '', ...rest] = section.split('\n');
      const m = /^(F-\d{2}) (\S.*)$/.exec(heading.trim());
      return m ? [{ id: m[1]!, title: m[2]!, body: rest.join('\n') }] : [];
    });
}

const PARTS = ['**What breaks.**', '**How this project prevents it.**', '**Proof.**'] as const;
/** Backticked repository paths (`modules/x.ts`, `test/y.test.ts`, `tools/accounts/`). */
const REPO_PATH = /`((?:accounts|docs|lambdas|modules|stacks|test|tools)\/[\w./-]*|main\.ts)`/g;
const citesId = (text: string, id: string): boolean => new RegExp(`\\b${id}\\b`).test(text);

describe('failure modes are defined in the repository', () => {
  const files = trackedTextFiles();
  const defs = definitions();

  test('given every tracked .ts, .md and .yml file, when the failure-mode ids it cites are collected, then each id has its heading in docs/failure-modes.md, once', () => {
    const cited = hits(files, (line) => line.match(ID) ?? []);
    expect(cited.length).toBeGreaterThan(0);
    const defined = defs.map((d) => d.id);
    expect(defined.filter((id, i) => defined.indexOf(id) !== i)).toEqual([]);
    const undefinedIds = cited.filter((h) => !defined.includes(h.text)).map((h) => `${h.file}:${h.line} ${h.text}`);
    expect(undefinedIds).toEqual([]);
  });

  test('given each definition, then it says what breaks, how this project prevents it and its proof, and the proof names existing test files that cite the id', () => {
    expect(defs.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const d of defs) {
      const at = PARTS.map((p) => d.body.indexOf(p));
      if (at.some((i) => i < 0) || at.some((i, k) => k > 0 && i < at[k - 1]!)) {
        problems.push(`${d.id}: needs ${PARTS.join(', ')} in this order`);
        continue;
      }
      const proof = d.body.slice(at[2]!);
      const named = [...proof.matchAll(REPO_PATH)].map((m) => m[1]!).filter((p) => p.startsWith('test/'));
      if (!named.some((p) => p.endsWith('.test.ts'))) problems.push(`${d.id}: the proof names no test file`);
      for (const p of named) {
        if (!existsSync(join(ROOT, p))) problems.push(`${d.id}: ${p} does not exist`);
        else if (!citesId(read(p), d.id)) problems.push(`${d.id}: ${p} does not cite ${d.id}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('given the definitions, when they name a file or folder of the repository, then it exists', () => {
    const missing = [...read(DOC).matchAll(REPO_PATH)].map((m) => m[1]!).filter((p) => !existsSync(join(ROOT, p)));
    expect([...new Set(missing)]).toEqual([]);
  });
});

/*
 * The patterns are assembled from pieces so that this file, which is checked too, does not
 * match them itself.
 */
const OUTSIDE: readonly (readonly [string, RegExp])[] = [
  ['an outside catalogue', new RegExp('failure' + '[-_ ]?' + 'catalog', 'i')],
  ['a tracker number', new RegExp('\\b' + 'issues?' + '\\s*#?\\s*\\d+', 'i')],
  ['an outside guide', new RegExp('\\b' + 'style' + '[\\s-]*' + 'guide', 'i')],
];
/** A relative path to a `shared` folder; it points outside when it climbs above the repository root. */
const SHARED_PATH = new RegExp('((?:\\.\\./)+)' + 'shared\\b', 'g');

describe('the repository does not point outside itself', () => {
  test('given every tracked .ts, .md and .yml file, then none cites an outside catalogue, a tracker number, an outside guide, or a path that climbs out of the repository', () => {
    const files = trackedTextFiles();
    expect(files).toContain(SELF);
    const found = hits(files, (line, file) => {
      const depth = file.split('/').length - 1;
      const climbsOut = [...line.matchAll(SHARED_PATH)].filter((m) => m[1]!.length / 3 > depth).map((m) => `a path outside the repository: ${m[0]}`);
      return [...OUTSIDE.flatMap(([what, re]) => (re.test(line) ? [`${what}: ${line.trim()}`] : [])), ...climbsOut];
    });
    expect(found.map((h) => `${h.file}:${h.line} ${h.text}`)).toEqual([]);
  });
});
