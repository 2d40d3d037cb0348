/**
 * Every `npm run` tool parses its command line strictly: an unknown or misspelt flag stops it
 * with the usage on stderr and exit code 2, before it does anything. A flag silently ignored
 * can switch a gate off (`--fail-on-broadning` for `--fail-on-broadening` would let a broadening
 * change through). The tools are read from package.json, so a tool added later is covered too.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TOOL_SCRIPT_PREFIX, toolArgs } from '../support/tool-launcher';

const ROOT = resolve(__dirname, '../..');
/** Scripts that are not tools of this repository (Terraform synthesis, the checks themselves). */
const NOT_TOOLS = new Set(['synth', 'test', 'lint', 'format', 'format:check', 'typecheck']);

interface Tool {
  readonly script: string;
  readonly file: string;
  readonly args: readonly string[];
}

/** Every script but NOT_TOOLS, as its words. */
function toolScripts(): { script: string; words: string[] }[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return Object.entries(scripts)
    .filter(([name]) => !NOT_TOOLS.has(name))
    .map(([script, command]) => ({ script, words: command.trim().split(/\s+/) }));
}

const launched = (words: readonly string[]) => TOOL_SCRIPT_PREFIX.every((w, i) => words[i] === w) && words.length > TOOL_SCRIPT_PREFIX.length;

/** The scripts that run a TypeScript tool: `node --require tsx/cjs <file> [args]`. */
function tools(): Tool[] {
  return toolScripts()
    .filter(({ words }) => launched(words))
    .map(({ script, words }) => ({ script, file: words[TOOL_SCRIPT_PREFIX.length]!, args: words.slice(TOOL_SCRIPT_PREFIX.length + 1) }));
}

interface Run {
  readonly status: number | null;
  readonly stderr: string;
  readonly stdout: string;
}

/** Runs a tool as `npm run` would, without npm; a tool that does not stop in time is killed. */
function run(tool: Tool, extra: readonly string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, toolArgs(tool.file, [...tool.args, ...extra]), {
      cwd: ROOT,
      env: { ...process.env, PAYMENTS_MANIFEST: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a tool that does not stop is killed with everything it started.
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 45_000);
    child.on('error', fail);
    child.on('close', (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    });
  });
}

describe('strict command lines of the npm run tools', () => {
  const found = tools();

  test('given package.json, then its tools are found (the check below is not vacuous)', () => {
    expect(found.map((t) => t.script)).toEqual(expect.arrayContaining(['review', 'stacks', 'ci', 'accounts', 'permissions']));
  });

  test('given package.json, then every script but the synth and the checks starts its tool as `node --require tsx/cjs <file>` (none is left out of the check below)', () => {
    expect(toolScripts().filter(({ words }) => !launched(words))).toEqual([]);
  });

  test('given each tool, when run with a misspelt flag, then it prints its usage on stderr and exits 2', async () => {
    const results = await Promise.all(found.map(async (t) => ({ t, r: await run(t, ['--fail-on-broadning']) })));
    const seen = results.map(({ t, r }) => ({ script: t.script, status: r.status, usage: /usage:/i.test(r.stderr), namesTheFlag: r.stderr.includes('fail-on-broadning') }));
    expect(seen).toEqual(found.map((t) => ({ script: t.script, status: 2, usage: true, namesTheFlag: true })));
  }, 180_000);

  test('given the review, when its gate flag is spelt right but a value flag is misspelt, then it stops with exit 2 instead of reviewing without it', async () => {
    const r = await run({ script: 'review', file: 'tools/review.ts', args: [] }, ['--base', 'HEAD', '--fail-on-broadening', '--jsonout', 'x.json']);
    expect([r.status, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/usage: npm run review/);
  }, 60_000);
});
