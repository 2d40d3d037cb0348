/**
 * F-23: manifest mistakes are caught with a message that names the entry, before
 * anything is synthesized. Each rule: a bad manifest, through the same entry point
 * `npm run synth` uses, must name the offending path and write nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { currencyLimitsOf, validateManifest } from '../../accounts/schema';
import { loadManifest } from '../../accounts/load';
import { synthesize } from '../../stacks/synth';
import { synthCommand } from '../../tools/review/synth';
import { otherOrganisation } from '../support/manifests';

const ROOT = resolve(__dirname, '../..');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'manifest-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Deliberately untyped: these cases write what the types would reject, as a JSON manifest can.
type Mutable = any;
function variant(edit: (m: Mutable) => void): Mutable {
  const m = structuredClone(otherOrganisation()) as Mutable;
  edit(m);
  return m;
}

/** Runs the synth entry point on a JSON manifest; returns its message and whether anything was written. */
function synthJson(m: unknown, name: string): { ok: boolean; message: string; wrote: boolean } {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(m, null, 2));
  const outdir = join(dir, `${name}-out`);
  const result = synthesize(file, outdir);
  return { ok: result.ok, message: result.message ?? '', wrote: existsSync(outdir) };
}

const cases: [rule: string, edit: (m: Mutable) => void, path: string, words: RegExp][] = [
  ['account id not 12 digits', (m) => (m.workloads[1].accountId = '72000000002'), 'workloads[1].accountId', /12-digit/],
  ['account id with letters', (m) => (m.deployment.accountId = '71000000001O'), 'deployment.accountId', /12-digit/],
  ['management account id', (m) => (m.organization.managementAccountId = '1234'), 'organization.managementAccountId', /12-digit/],
  ['organisation id', (m) => (m.organization.id = 'org-123'), 'organization.id', /Organizations id/],
  ['name with upper case', (m) => (m.workloads[0].name = 'Sandbox'), 'workloads[0].name', /lowercase/],
  ['name starting with a digit', (m) => (m.workloads[2].name = '1live'), 'workloads[2].name', /start with a letter/],
  ['name with underscore', (m) => (m.workloads[2].name = 'live_us'), 'workloads[2].name', /lowercase letters, digits and hyphens/],
  ['name longer than 16', (m) => (m.workloads[3].name = 'live-apac-region-x'), 'workloads[3].name', /at most 16/],
  ['duplicate name', (m) => (m.workloads[4].name = 'live-us'), 'workloads[4].name', /duplicate workload name/],
  ['duplicate account id', (m) => (m.workloads[4].accountId = m.workloads[2].accountId), 'workloads[4].accountId', /duplicate account id/],
  ['workload in the deployment account', (m) => (m.workloads[0].accountId = m.deployment.accountId), 'workloads[0].accountId', /deployment account/],
  ['workload in the log-archive account', (m) => (m.workloads[1].accountId = m.logArchive.accountId), 'workloads[1].accountId', /log-archive account/],
  ['workload in the audit account', (m) => (m.workloads[2].accountId = m.audit.accountId), 'workloads[2].accountId', /audit account/],
  ['workload in the management account', (m) => (m.workloads[3].accountId = m.organization.managementAccountId), 'workloads[3].accountId', /management account/],
  ['log archive in the deployment account', (m) => (m.logArchive.accountId = m.deployment.accountId), 'logArchive.accountId', /also the deployment account/],
  ['unknown primary region', (m) => (m.workloads[0].primaryRegion = 'us-east-7'), 'workloads[0].primaryRegion', /AWS commercial region/],
  ['non-commercial region', (m) => (m.workloads[0].primaryRegion = 'us-gov-west-1'), 'workloads[0].primaryRegion', /AWS commercial region/],
  ['unknown deployment region', (m) => (m.deployment.region = 'eu-west-9'), 'deployment.region', /AWS commercial region/],
  ['unknown replica region', (m) => (m.workloads[2].replicaRegions = ['us-west-2', 'mars-north-1']), 'workloads[2].replicaRegions[1]', /AWS commercial region/],
  ['replica equal to primary', (m) => (m.workloads[3].replicaRegions = ['ap-southeast-2']), 'workloads[3].replicaRegions[0]', /primary region/],
  ['duplicate replica', (m) => (m.workloads[2].replicaRegions = ['us-west-2', 'us-west-2']), 'workloads[2].replicaRegions[1]', /duplicate replica region/],
  ['lower-case currency', (m) => (m.workloads[0].payments.currencies = ['usd']), 'workloads[0].payments.currencies[0]', /ISO 4217/],
  ['unknown currency', (m) => (m.workloads[1].payments.currencies = ['SEK', 'EUX']), 'workloads[1].payments.currencies[1]', /ISO 4217/],
  ['duplicate currency', (m) => (m.workloads[1].payments.currencies = ['SEK', 'SEK']), 'workloads[1].payments.currencies[1]', /duplicate currency/],
  ['no currency', (m) => (m.workloads[1].payments.currencies = []), 'workloads[1].payments.currencies', /at least one/],
  ['bad email', (m) => (m.workloads[2].alertEmails = ['oncall@acme.test', 'not-an-email']), 'workloads[2].alertEmails[1]', /email/],
  ['no email', (m) => (m.workloads[2].alertEmails = []), 'workloads[2].alertEmails', /at least one/],
  ['fractional amount', (m) => (m.workloads[0].payments.maxAmountMinor = 500.5), 'workloads[0].payments.maxAmountMinor', /integer/],
  ['zero amount', (m) => (m.workloads[0].payments.maxAmountMinor = 0), 'workloads[0].payments.maxAmountMinor', /positive/],
  ['negative threshold', (m) => (m.workloads[0].payments.fraudReviewThresholdMinor = -1), 'workloads[0].payments.fraudReviewThresholdMinor', /positive/],
  ['threshold above max', (m) => (m.workloads[3].payments.fraudReviewThresholdMinor = 2_000_001), 'workloads[3].payments.fraudReviewThresholdMinor', /maxAmountMinor/],
  ['velocity limit not positive', (m) => (m.workloads[2].payments.maxPaymentsPerCardPerMinute = 0), 'workloads[2].payments.maxPaymentsPerCardPerMinute', /positive/],
  [
    'the velocity limit under its former name',
    (m) => (m.workloads[2].payments.maxPaymentsPerCustomerPerMinute = 5),
    'workloads[2].payments.maxPaymentsPerCustomerPerMinute',
    /now maxPaymentsPerCardPerMinute/,
  ],
  [
    'limits of a currency the workload does not take',
    (m) => (m.workloads[1].payments.limits = { USD: { maxAmountMinor: 1000, fraudReviewThresholdMinor: 500 } }),
    'workloads[1].payments.limits.USD',
    /not one of the workload's currencies/,
  ],
  [
    'currencies of different minor units sharing one limit (AUD 2, JPY 0)',
    (m) => (m.workloads[3].payments.limits = {}),
    'workloads[3].payments.limits',
    /AUD \(2 decimal places\), JPY \(0 decimal places\)/,
  ],
  [
    "a currency's threshold above its maximum",
    (m) => (m.workloads[3].payments.limits = { JPY: { maxAmountMinor: 100_000, fraudReviewThresholdMinor: 200_000 } }),
    'workloads[3].payments.limits.JPY.fraudReviewThresholdMinor',
    /exceeds JPY's maxAmountMinor/,
  ],
  [
    "a currency's maximum above the workload's (the API model's ceiling)",
    (m) => (m.workloads[3].payments.limits = { JPY: { maxAmountMinor: 3_000_000, fraudReviewThresholdMinor: 1_000_000 } }),
    'workloads[3].payments.limits.JPY.maxAmountMinor',
    /ceiling/,
  ],
  [
    'a limit below one whole unit of its currency (KWD has 3 decimal places)',
    (m) => {
      m.workloads[1].payments.currencies = ['SEK', 'EUR', 'KWD'];
      m.workloads[1].payments.limits = { KWD: { maxAmountMinor: 900_000, fraudReviewThresholdMinor: 500 } };
    },
    'workloads[1].payments.limits.KWD.fraudReviewThresholdMinor',
    /less than one KWD .*1 KWD is 1000/,
  ],
  ['unknown environment', (m) => (m.workloads[0].environment = 'production'), 'workloads[0].environment', /dev, staging, prod/],
  ['a prod region served without a TLS 1.2 custom domain', (m) => delete m.workloads[2].api!.domains!['ca-central-1'], 'workloads[2].api.domains', /TLS 1\.2 or better only.*for ca-central-1 \(/],
  ['a workload promoted to prod without custom domains', (m) => (m.workloads[1].environment = 'prod'), 'workloads[1].api.domains', /prod workload must serve its API.*eu-north-1, eu-south-2/],
  ['bad repository', (m) => (m.deployment.repository = 'just-a-name'), 'deployment.repository', /owner\/repo/],
  ['unknown field (typo)', (m) => ((m.workloads[2] as any).replicaRegion = ['us-west-2']), 'workloads[2]', /replicaRegion/],
  ['reserved tag key', (m) => (m.workloads[2].tags = { environment: 'x' }), 'workloads[2].tags.environment', /set by the stacks/],
  ['missing field', (m) => delete (m.workloads[1] as any).primaryRegion, 'workloads[1].primaryRegion', /region/],
  ['client name not a name', (m) => (m.workloads[0].payments.clients = [{ name: 'Checkout App', principals: ['720000000001'] }]), 'workloads[0].payments.clients[0].name', /lowercase letters/],
  [
    'duplicate client name',
    (m) =>
      (m.workloads[0].payments.clients = [
        { name: 'shop', principals: ['720000000001'] },
        { name: 'shop', principals: ['720000000009'] },
      ]),
    'workloads[0].payments.clients[1].name',
    /duplicate client name/,
  ],
  [
    'client principal neither role nor account',
    (m) => (m.workloads[2].payments.clients = [{ name: 'shop', principals: ['arn:aws:iam::720000000003:user/alice'] }]),
    'workloads[2].payments.clients[0].principals[0]',
    /role ARN .* or a 12-digit account id/,
  ],
  ['client without a principal', (m) => (m.workloads[2].payments.clients = [{ name: 'shop', principals: [] }]), 'workloads[2].payments.clients[0].principals', /at least one principal/],
  [
    'principal of two clients',
    (m) =>
      (m.workloads[1].payments.clients = [
        { name: 'a', principals: ['720000000009'] },
        { name: 'b', principals: ['720000000009'] },
      ]),
    'workloads[1].payments.clients[1].principals[0]',
    /one client/,
  ],
  [
    'role in an account another client names',
    (m) =>
      (m.workloads[1].payments.clients = [
        { name: 'a', principals: ['720000000009'] },
        { name: 'b', principals: ['arn:aws:iam::720000000009:role/b'] },
      ]),
    'workloads[1].payments.clients[1].principals[0]',
    /names as a whole/,
  ],
  [
    'client rate limit not positive',
    (m) => (m.workloads[3].payments.clients = [{ name: 'a', principals: ['720000000004'], rateLimitPerSecond: 0 }]),
    'workloads[3].payments.clients[0].rateLimitPerSecond',
    /> 0/,
  ],
  ['client burst fractional', (m) => (m.workloads[3].payments.clients = [{ name: 'a', principals: ['720000000004'], burst: 2.5 }]), 'workloads[3].payments.clients[0].burst', /whole number/],
  ['unknown client field', (m) => (m.workloads[3].payments.clients = [{ name: 'a', principals: ['720000000004'], apiKey: 'x' }]), 'workloads[3].payments.clients[0]', /apiKey/],
];

describe('manifest validation (F-23)', () => {
  test('given the other organisation manifest, when validated, then it is valid (the cases below differ by one edit)', () => {
    const r = validateManifest(otherOrganisation());
    expect(r.ok ? [] : r.problems).toEqual([]);
  });

  test("given limits for JPY only, when validated, then JPY has its own limits in yen and AUD and NZD (both of 2 decimal places) share the workload's", () => {
    const result = validateManifest(otherOrganisation());
    expect(result.ok).toBe(true);
    const apac = result.ok ? result.manifest.workloads.find((w) => w.payments.currencies.includes('JPY'))! : undefined;
    expect(currencyLimitsOf(apac!)).toEqual({
      AUD: { maxAmountMinor: 2_000_000, fraudReviewThresholdMinor: 1_000_000 },
      JPY: otherOrganisation().workloads.find((w) => w.name === apac!.name)!.payments.limits!.JPY,
      NZD: { maxAmountMinor: 2_000_000, fraudReviewThresholdMinor: 1_000_000 },
    });
  });

  test.each(cases)('given a manifest with %s, when synthesized, then the message names %#: the path and nothing is written', (_rule, edit, path, words) => {
    const r = synthJson(variant(edit), `case-${cases.findIndex((c) => c[0] === _rule)}`);
    expect(r.ok).toBe(false);
    expect(r.wrote).toBe(false);
    const line = r.message.split('\n').find((l) => l.trim().startsWith(`${path}:`));
    expect(line).toBeDefined();
    expect(line).toMatch(words);
  });

  test('given a manifest with many mistakes, when validated, then every one is reported with its path', () => {
    const m = variant((x) => {
      x.workloads[0].accountId = 'abc';
      x.workloads[1].replicaRegions = ['eu-north-1'];
      x.workloads[2].payments.currencies = ['usd'];
      x.workloads[3].name = 'live-us';
      x.workloads[4].alertEmails = ['nope'];
    });
    const r = validateManifest(m);
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['workloads[0].accountId', 'workloads[1].replicaRegions[0]', 'workloads[2].payments.currencies[0]', 'workloads[3].name', 'workloads[4].alertEmails[0]']),
    );
  });

  test('given a TypeScript manifest file, when loaded, then it is validated like JSON', () => {
    const file = join(dir, 'bad-manifest.ts');
    writeFileSync(file, `export const manifest = ${JSON.stringify(variant((x) => (x.audit.accountId = '12')))};\n`);
    expect(() => loadManifest(file)).toThrow(/audit\.accountId: must be a 12-digit/);
  });

  test('given a TypeScript manifest edited at the same path after it was loaded, when loaded again, then what is validated is the edited file', () => {
    const file = join(dir, 'edited-manifest.ts');
    writeFileSync(file, `export const manifest = ${JSON.stringify(variant((x) => (x.audit.accountId = '12')))};\n`);
    expect(() => loadManifest(file)).toThrow(/audit\.accountId: must be a 12-digit/);
    const typed = `#!/usr/bin/env node\nimport type { ManifestInput } from ${JSON.stringify(join(ROOT, 'accounts', 'schema'))};\nconst manifest: ManifestInput = ${JSON.stringify(otherOrganisation())};\nexport default manifest;\n`;
    writeFileSync(file, typed);
    expect(loadManifest(file).manifest.workloads.map((w) => w.name)).toEqual(otherOrganisation().workloads.map((w) => w.name));
  });

  test('given a TypeScript manifest that throws while it runs, or is not valid TypeScript, when loaded, then the message says it could not be loaded and why', () => {
    const throws = join(dir, 'throwing-manifest.ts');
    writeFileSync(throws, `const n: number = 1;\nif (n === 1) throw new Error('no manifest today');\nexport const manifest = {};\n`);
    expect(() => loadManifest(throws)).toThrow(/\(file\): could not be loaded: no manifest today/);
    // run as a strict-mode module, as Node runs a manifest written with import and export
    const sloppy = join(dir, 'sloppy-manifest.ts');
    writeFileSync(sloppy, `undeclaredRegion = 'eu-west-1';\nexport const manifest = {};\n`);
    expect(() => loadManifest(sloppy)).toThrow(/\(file\): could not be loaded: undeclaredRegion is not defined/);
    const broken = join(dir, 'broken-manifest.ts');
    writeFileSync(broken, `export const manifest = { organization: ;\n`);
    expect(() => loadManifest(broken)).toThrow(/\(file\): could not be loaded: /);
  });

  test('given a TypeScript manifest that imports a value from another TypeScript module, when loaded, then it holds the value', () => {
    const shared = join(dir, 'shared-org.ts');
    writeFileSync(shared, `export const organisation = ${JSON.stringify(otherOrganisation())};\n`);
    const file = join(dir, 'importing-manifest.ts');
    writeFileSync(file, `import { organisation } from './shared-org';\nexport const manifest = { ...organisation, project: 'imported' };\n`);
    expect(loadManifest(file).manifest.project).toBe('imported');
  });

  test('given a file that does not exist or is not JSON, when loaded, then the message says so', () => {
    expect(() => loadManifest(join(dir, 'nope.json'))).toThrow(/no such file/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "workloads": [ ');
    expect(() => loadManifest(broken)).toThrow(/not valid JSON/);
  });

  test('given a bad manifest, when `npm run synth` runs it, then it exits non-zero, lists every problem, shows no stack trace and writes nothing', () => {
    const file = join(dir, 'cli-bad.json');
    writeFileSync(
      file,
      JSON.stringify(
        variant((x) => {
          x.workloads[1].accountId = '1';
          x.workloads[3].replicaRegions = ['ap-southeast-2'];
        }),
      ),
    );
    const outdir = join(dir, 'cli-out');
    const run = spawnSync(process.execPath, synthCommand(ROOT), {
      cwd: ROOT,
      env: { ...process.env, PAYMENTS_MANIFEST: file, CDKTF_OUTDIR: outdir },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('workloads[1].accountId:');
    expect(run.stderr).toContain('workloads[3].replicaRegions[0]:');
    expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(run.stdout).toBe('');
    expect(existsSync(outdir)).toBe(false);
  });

  test('given a good JSON manifest, when `npm run synth` runs it, then it writes one cdk.tf.json per stack', () => {
    const file = join(dir, 'cli-good.json');
    writeFileSync(file, JSON.stringify(otherOrganisation()));
    const outdir = join(dir, 'cli-good-out');
    execFileSync(process.execPath, synthCommand(ROOT), { cwd: ROOT, env: { ...process.env, PAYMENTS_MANIFEST: file, CDKTF_OUTDIR: outdir } });
    expect(existsSync(join(outdir, 'stacks', 'payments-live-us-ca-central-1', 'cdk.tf.json'))).toBe(true);
  });
});
