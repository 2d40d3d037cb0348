/**
 * The six mistakes a new user tried, made the way a user makes them (escape hatches on the
 * constructs of the example App), fail the synth itself (F-14, F-22): `app.synth()` throws and
 * the report names stack, resource, rule and fix for each, the organisation-aware ones included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerraformResource } from 'cdktf';
import { organisationOf, type TfJson } from '../../modules/guardrails';
import { buildApp } from '../../stacks/app';
import { exampleManifest } from '../support/synth';
import { MUTATIONS, Workspace } from './mutations';

const TRIED = MUTATIONS.filter((m) => m.tried);

/** Writes what a mutation changed back onto the constructs, one `addOverride` per changed argument. */
function overrideChanges(built: ReturnType<typeof buildApp>, base: ReadonlyMap<string, TfJson>, changed: ReadonlyMap<string, TfJson>): void {
  for (const [stackName, tf] of changed) {
    const resources = built.stacks
      .get(stackName)!
      .node.findAll()
      .filter((c): c is TerraformResource => TerraformResource.isTerraformResource(c));
    for (const [type, byName] of Object.entries(tf.resource ?? {})) {
      for (const [name, config] of Object.entries(byName)) {
        const before = base.get(stackName)!.resource![type]![name]!;
        const keys = new Set([...Object.keys(before), ...Object.keys(config)].filter((k) => k !== '//'));
        for (const key of keys) {
          if (JSON.stringify(before[key]) === JSON.stringify(config[key])) continue;
          resources.find((r) => r.terraformResourceType === type && r.friendlyUniqueId === name)!.addOverride(key, config[key]);
        }
      }
    }
  }
}

describe('the mistakes a new user tried', () => {
  test('given the catalogue, then it marks exactly the six mistakes tried: PITR off, dynamodb:* on *, s3:GetObject to *, kms:Decrypt outside, trust without aws:PrincipalOrgID, every secret', () => {
    expect(TRIED.map((m) => m.rule).sort()).toEqual(
      ['iam-no-wildcards', 'iam-resource-account-region', 'principal-in-organisation', 'resource-policy-open-principal', 'table-pitr', 'trust-principal-org-id'].sort(),
    );
  });

  test('given each made through addOverride on the example App, when synthesized, then the synth fails and the report names each one with its rule and fix', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'guardrails-tried-'));
    try {
      const manifest = exampleManifest();
      const built = buildApp(manifest, { outdir });
      const base = new Map([...built.stacks].map(([name, stack]) => [name, stack.toTerraform() as TfJson]));
      const workspace = new Workspace(base, manifest, organisationOf(manifest));
      const expected = TRIED.map((m) => ({ ...m.apply(workspace), ruleId: m.rule }));
      overrideChanges(built, base, workspace.changed);

      let error: Error | undefined;
      try {
        built.app.synth();
      } catch (e) {
        error = e as Error;
      }
      const report = built.guardrails.report!;
      const key = (f: { stack: string; address: string; ruleId: string }) => `${f.stack} ${f.address} ${f.ruleId}`;
      expect([...new Set(report.findings.map(key))].sort()).toEqual(expected.map(key).sort());
      for (const f of report.findings) {
        expect(error?.message).toContain(`[${f.ruleId}] ${f.message}`);
        expect(error?.message).toContain(`fix: ${f.fix}`);
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
