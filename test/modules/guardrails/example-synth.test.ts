/**
 * The guardrails in a full synth of the example manifest (what `npm run synth` runs):
 * the example passes with zero findings; breaking one property of each kind in a stack
 * of the example App makes `app.synth()` fail with a report naming stack, resource,
 * rule and fix.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TerraformResource } from 'cdktf';
import { SUPPRESSION_WITHOUT_REASON, type GuardrailsReport } from '../../../modules/guardrails';
import type { AccountStack } from '../../../stacks/account-stack';
import { buildApp, type BuiltApp } from '../../../stacks/app';
import { synthCommand } from '../../../tools/review/synth';
import { exampleManifest } from '../../support/synth';
import { BREAKS, breakAddress } from './breaks';
import { addFixture, type Fixture } from './fixture';

const TARGET = 'payments-prod-eu-west-1';

function withApp<T>(use: (built: BuiltApp) => T): T {
  const outdir = mkdtempSync(join(tmpdir(), 'guardrails-'));
  try {
    return use(buildApp(exampleManifest(), { outdir }));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function synthesize(built: BuiltApp): { error: Error | undefined; report: GuardrailsReport } {
  let error: Error | undefined;
  try {
    built.app.synth();
  } catch (e) {
    error = e as Error;
  }
  return { error, report: built.guardrails.report! };
}

const addressOf = (r: TerraformResource) => `${r.terraformResourceType}.${r.friendlyUniqueId}`;

describe('guardrails on the example manifest', () => {
  test('given the example manifest, when synthesized, then every stack is checked and there are zero findings and zero suppressions without reason (F-14, F-15, F-19, F-22, F-24)', () => {
    withApp((built) => {
      const { error, report } = synthesize(built);
      expect(error).toBeUndefined();
      expect(report.stacks.map((s) => s.stack).sort()).toEqual(built.specs.map((s) => s.name).sort());
      expect(report.findings).toEqual([]);
      expect(report.findings.filter((f) => f.ruleId === SUPPRESSION_WITHOUT_REASON)).toEqual([]);
      expect(report.suppressed.every((s) => s.reason.trim() !== '')).toBe(true);
      // every suppression the example records silences something, and every appliesTo entry matches a finding
      expect(report.unusedSuppressions).toEqual([]);
    });
  });

  test('given a compliant workload added to a prod stack of the example app, when synthesized, then synth still succeeds (the rules do not flag good infrastructure)', () => {
    withApp((built) => {
      const stack = built.stacks.get(TARGET) as AccountStack;
      addFixture(stack, { provider: stack.provider });
      const { error, report } = synthesize(built);
      expect(error).toBeUndefined();
      expect(report.findings).toEqual([]);
    });
  });

  test('given one property of each kind broken through escape hatches in a synthesized stack of the example app, when synthesized, then synth fails and the report names each stack, resource, rule and fix (F-03, F-04, F-14, F-15, F-16, F-19, F-21, F-22, F-24)', () => {
    withApp((built) => {
      const stack = built.stacks.get(TARGET) as AccountStack;
      const fixture: Fixture = addFixture(stack, { provider: stack.provider });
      const expected = BREAKS.map(([ruleId, , breakIt]) => {
        const target = breakIt(fixture);
        return { stack: TARGET, ruleId, address: breakAddress(target) };
      });
      // and the pinned provider of another, untouched stack: a second account
      (built.stacks.get('deployment-eu-west-1') as AccountStack).provider.addOverride('allowed_account_ids', ['999999999999']);
      expected.push({ stack: 'deployment-eu-west-1', ruleId: 'provider-pinned-account', address: 'provider.aws' });

      const { error, report } = synthesize(built);
      const key = (f: { stack: string; ruleId: string; address: string }) => `${f.stack} ${f.address} ${f.ruleId}`;
      expect(report.findings.map(key).sort()).toEqual(expected.map(key).sort());
      expect(error?.message).toContain(`: 9 stacks, ${expected.length} findings in 2 stacks`);
      for (const f of report.findings) {
        expect(error?.message).toContain(`✗ ${f.stack}`);
        expect(error?.message).toContain(`[${f.ruleId}] ${f.message}`);
        expect(error?.message).toContain(`fix: ${f.fix}`);
      }
      const tls = report.findings.find((f) => f.ruleId === 'bucket-tls-only')!;
      expect(tls).toMatchObject({ stack: TARGET, address: addressOf(fixture.bucket), constructPath: `${TARGET}/fixture-bucket` });
    });
  });
});

describe('npm run synth', () => {
  const root = resolve(__dirname, '../../..');
  const runMain = (args: string[], outdir: string) => spawnSync(process.execPath, [...synthCommand(root), ...args], { cwd: root, env: { ...process.env, CDKTF_OUTDIR: outdir }, encoding: 'utf8' });

  test('given the example manifest, when main.ts runs, then it exits 0, prints one summary line on stderr and writes the whole report to guardrails-report.json', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'synth-cli-'));
    try {
      const run = runMain([], outdir);
      expect(run.status).toBe(0);
      expect(run.stderr.trimEnd().split('\n')).toEqual([
        expect.stringMatching(/^Guardrails \(payments pack, \d+ rules\): 9 stacks, 0 findings, \d+ suppressed \([a-z-]+ \d+(, [a-z-]+ \d+)*\), 0 unused suppressions$/),
      ]);
      expect(run.stdout).toBe('');
      const report = JSON.parse(readFileSync(join(outdir, 'guardrails-report.json'), 'utf8')) as GuardrailsReport;
      expect(report.stacks).toHaveLength(9);
      expect(report.findings).toEqual([]);
      expect(report.suppressed.length).toBeGreaterThan(0);
      expect(report.unusedSuppressions).toEqual([]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('given an unknown flag, when main.ts runs, then it prints the usage and exits 2 without synthesizing', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'synth-cli-'));
    try {
      const run = runMain(['--verbos'], outdir);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('usage: npm run synth');
      expect(existsSync(join(outdir, 'manifest.json'))).toBe(false);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
