/**
 * `npm run guardrails -- --dir <dir>` checks synthesized stacks already on disk with the
 * synth's rule pack, the manifest's organisation and the suppressions recorded in the JSON
 * (F-14): exit 0 and one summary line when clean, 1 with stack, resource, rule and fix on
 * stdout for any finding, 2 on a usage error.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { organisationOf, type GuardrailsReport, type TfJson } from '../../modules/guardrails';
import { run } from '../../tools/guardrails';
import { otherOrganisation } from '../support/manifests';
import { exampleManifest, parseManifest, synthManifest } from '../support/synth';
import { toolArgs } from '../support/tool-launcher';
import { MUTATIONS, Workspace } from './mutations';

const ROOT = resolve(__dirname, '../..');
const manifest = exampleManifest();
const organisation = () => organisationOf(manifest);

/** Writes stacks as `npm run synth` lays them out: <dir>/stacks/<stack>/cdk.tf.json. */
function writeOut(stacks: ReadonlyMap<string, TfJson>): string {
  const dir = mkdtempSync(join(tmpdir(), 'guardrails-cli-'));
  for (const [name, tf] of stacks) {
    mkdirSync(join(dir, 'stacks', name), { recursive: true });
    writeFileSync(join(dir, 'stacks', name, 'cdk.tf.json'), JSON.stringify(tf, null, 2));
  }
  return dir;
}

const dirs: string[] = [];
const out = (stacks: ReadonlyMap<string, TfJson>) => {
  const dir = writeOut(stacks);
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function mutated(id: string): { stacks: Map<string, TfJson>; target: { stack: string; address: string }; rule: string } {
  const base = synthManifest(manifest).stacks;
  const w = new Workspace(base, manifest, organisation());
  const mutation = MUTATIONS.find((m) => m.id === id)!;
  const target = mutation.apply(w);
  return { stacks: new Map([...base, ...w.changed]), target, rule: mutation.rule };
}

describe('npm run guardrails', () => {
  test('given the example synth on disk, when checked, then it exits 0, prints nothing on stdout and one summary line on stderr naming the organisation', () => {
    const dir = out(synthManifest(manifest).stacks);
    const result = run(['--dir', dir], organisation);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(`^guardrails: 9 stacks in .* checked with the payments pack \\(\\d+ rules\\) for organisation ${manifest.organization.id}: 0 findings, \\d+ suppressed with a reason`),
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('given a key policy granting an account outside the organisation, when checked, then it exits 1 and stdout names the stack, resource, rule and fix', () => {
    const { stacks, target, rule } = mutated('kms-decrypt-outside');
    const result = run(['--dir', out(stacks)], organisation);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${target.stack}  ${target.address}  [${rule}]`);
    expect(result.stdout).toMatch(/\n {2}fix: name a role or account from the manifest/);
    expect(result.stderr).toMatch(/: 1 finding,/);
  });

  test('given --json, then stdout is the report with the finding and the suppressed findings with their reasons', () => {
    const { stacks, target, rule } = mutated('trust-loses-org-id');
    const result = run(['--dir', out(stacks), '--json'], organisation);
    const report = JSON.parse(result.stdout) as GuardrailsReport;
    expect(result.code).toBe(1);
    expect(report.findings).toEqual([expect.objectContaining({ stack: target.stack, address: target.address, ruleId: rule })]);
    expect(report.suppressed.length).toBeGreaterThan(0);
    expect(report.suppressed.every((s) => s.reason.trim() !== '')).toBe(true);
  });

  test('given a finding suppressed in the JSON with a reason, then it passes; given the same suppression without a reason, then it fails', () => {
    const { stacks, target, rule } = mutated('kms-decrypt-outside');
    const [type, name] = target.address.split('.') as [string, string];
    const resource = stacks.get(target.stack)!.resource![type]![name]! as Record<string, Record<string, unknown>>;
    resource['//'] = { ...resource['//'], guardrails_suppressions: { [rule]: 'the partner decrypts settlement files under contract' } };
    expect(run(['--dir', out(stacks)], organisation).code).toBe(0);
    resource['//'] = { ...resource['//'], guardrails_suppressions: { [rule]: ' ' } };
    const result = run(['--dir', out(stacks)], organisation);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('[suppression-without-reason]');
  });

  test('given the other organisation synth checked against the example manifest, then its accounts are outside the organisation and it fails', () => {
    const other = synthManifest(parseManifest(otherOrganisation())).stacks;
    const result = run(['--dir', out(other)], organisation);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('[provider-pinned-account]');
    expect(result.stdout).toContain('[principal-in-organisation]');
  });

  test('given an unknown flag, a folder without stacks, or a stack file that is not JSON, then it exits 2 with the usage on stderr', () => {
    expect(run(['--dri', 'cdktf.out'], organisation)).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('usage: npm run guardrails') });
    const empty = mkdtempSync(join(tmpdir(), 'guardrails-empty-'));
    dirs.push(empty);
    expect(run(['--dir', empty], organisation)).toMatchObject({ code: 2, stderr: expect.stringContaining('no synthesized stacks') });
    mkdirSync(join(empty, 'stacks', 'broken'), { recursive: true });
    writeFileSync(join(empty, 'stacks', 'broken', 'cdk.tf.json'), '{ not json');
    expect(run(['--dir', empty], organisation)).toMatchObject({ code: 2, stderr: expect.stringContaining('is not JSON') });
  });

  test('given the npm script, when run as a process on a synth with a finding, then it loads the manifest and exits 1', () => {
    const { stacks } = mutated('backend-unencrypted');
    const dir = out(stacks);
    const result = spawnSync(process.execPath, toolArgs(join(ROOT, 'tools/guardrails.ts'), ['--dir', dir]), {
      cwd: ROOT,
      env: { ...process.env, PAYMENTS_MANIFEST: '' },
      encoding: 'utf8',
    });
    expect(result.stdout).toContain('[state-backend-encrypted]');
    expect(result.stderr).toMatch(/^guardrails: 9 stacks .*: 1 finding,/);
    expect(result.status).toBe(1);
  });
});
