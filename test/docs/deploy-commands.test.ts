/**
 * The `npx cdktf deploy` commands the README gives, and the one CI prints when an administrator
 * must apply a stack, run as they say with the cdktf-cli that package.json pins.
 *
 * How cdktf-cli 0.21 runs `deploy` (@cdktf/cli-core, `CdktfProject.deploy` and
 * lib/helpers/stack-helpers.js): it selects the synthesized stacks whose names match a pattern
 * (minimatch; a pattern matching none is an error), and refuses a selection that leaves out a
 * stack one of them depends on (`checkIfAllDependenciesAreIncluded`). With
 * `--ignore-missing-stack-dependencies` it runs such a selection, but then takes the selected
 * stacks in turn without waiting for their dependencies, all at once by default. So a command
 * without the flag must select every dependency of what it selects, and a command with it must
 * select no stack that depends on another selected one. The rules are restated here, with the
 * matcher cli-core itself resolves: loading cli-core runs `terraform version` as it loads.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Manifest } from '../../accounts/schema';
import { adminCommand, ciStacks } from '../../tools/ci/engine';
import { otherOrgManifest } from '../stacks/other-org';
import { exampleManifest, synthManifest } from '../support/synth';

interface SynthesizedStack {
  readonly name: string;
  readonly dependencies: readonly string[];
}
const CLI_CORE = dirname(require.resolve('@cdktf/cli-core/package.json', { paths: [dirname(require.resolve('cdktf-cli/package.json'))] }));
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the pattern matcher cdktf-cli's stack selection uses, as it resolves it
const minimatch = require(require.resolve('minimatch', { paths: [CLI_CORE] })) as (name: string, pattern: string) => boolean;

const IGNORE = '--ignore-missing-stack-dependencies';

/** What `cdktf deploy <args>` would run, or why cdktf refuses it. */
function deployProblem(manifest: Manifest, args: readonly string[]): string | undefined {
  const stacks = Object.entries(synthManifest(manifest).cdktfManifest.stacks).map(([name, s]) => ({ name, dependencies: s.dependencies }));
  const patterns = args.filter((a) => !a.startsWith('-'));
  if (patterns.length === 0) return 'selects no stack';
  const unmatched = patterns.filter((p) => !stacks.some((s) => minimatch(s.name, p)));
  if (unmatched.length > 0) return `Could not find stack for pattern ${unmatched.join(', ')}`;
  const selected: SynthesizedStack[] = patterns.flatMap((p) => stacks.filter((s) => minimatch(s.name, p)));
  const names = new Set(selected.map((s) => s.name));
  if (!args.includes(IGNORE)) {
    const missing = [...new Set(selected.flatMap((s) => s.dependencies))].filter((d) => !names.has(d));
    return missing.length > 0 ? `The following dependencies are not included in the stacks to run: ${missing.join(', ')}` : undefined;
  }
  const unordered = selected.flatMap((s) => s.dependencies.filter((d) => names.has(d)).map((d) => `${s.name} after ${d}`));
  return unordered.length > 0 ? `${IGNORE} starts every selected stack at once, yet ${unordered.join(', ')}` : undefined;
}

/** The arguments of every `npx cdktf deploy` in the README, each placeholder filled in with each value the example manifest has for it. */
function readmeDeployCommands(manifest: Manifest): { line: number; text: string; args: string[] }[] {
  const fills: Record<string, string[]> = {
    '<region>': [manifest.deployment.region],
    '<name>': manifest.workloads.map((w) => w.name),
  };
  const out: { line: number; text: string; args: string[] }[] = [];
  readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8')
    .split('\n')
    .forEach((lineText, i) => {
      for (const m of lineText.matchAll(/npx cdktf deploy((?: +(?:'[^']*'|[^\s`'#]+))*)/g)) {
        let variants = [m[1]!.trim()];
        for (const [placeholder, values] of Object.entries(fills)) variants = variants.flatMap((v) => (v.includes(placeholder) ? values.map((x) => v.split(placeholder).join(x)) : [v]));
        for (const v of variants) out.push({ line: i + 1, text: m[0], args: v.split(/ +/).map((a) => a.replace(/^'(.*)'$/, '$1')) });
      }
    });
  return out;
}

describe('cdktf deploy commands run as they say', () => {
  test('every npx cdktf deploy in the README selects stacks cdktf deploys, in an order it keeps', () => {
    const manifest = exampleManifest();
    const commands = readmeDeployCommands(manifest);
    expect(commands.map((c) => [c.line, c.args.join(' '), deployProblem(manifest, c.args)]).filter(([, , problem]) => problem !== undefined)).toEqual([]);
    // the first bootstrap, the administrator's re-apply, onboarding, offboarding and a single account's deploy
    expect(commands.length).toBeGreaterThanOrEqual(8);
    expect(commands.filter((c) => c.args.includes(IGNORE)).length).toBeGreaterThanOrEqual(4);
  });

  test.each([
    ['the example organisation', exampleManifest],
    ['another organisation', otherOrgManifest],
  ])('every administrator apply CI asks for in %s is a command cdktf runs', (_, of) => {
    const manifest = of();
    const problems = ciStacks(manifest).flatMap((s) => {
      const command = adminCommand(s);
      const args = command.replace(/^.*npx cdktf deploy /, '').split(' ');
      const problem = deployProblem(manifest, args);
      return problem === undefined ? [] : [`${command}: ${problem}`];
    });
    expect(problems).toEqual([]);
  });

  test('the checks can fail: a payments stack without its dependencies is refused, and the flag does not order a primary and its replica', () => {
    const manifest = exampleManifest();
    const replica = ciStacks(manifest).find((s) => s.kind === 'payments' && s.wave === 3)!;
    const primary = ciStacks(manifest).find((s) => s.kind === 'payments' && replica.dependsOn.includes(s.name))!;
    expect(deployProblem(manifest, [primary.name])).toMatch(/dependencies are not included in the stacks to run/);
    expect(deployProblem(manifest, [IGNORE, primary.name, replica.name])).toBe(`${IGNORE} starts every selected stack at once, yet ${replica.name} after ${primary.name}`);
    expect(deployProblem(manifest, ['no-such-stack'])).toMatch(/Could not find stack/);
  });
});
