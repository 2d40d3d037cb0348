/**
 * `npm run accounts -- verify | preflight <workload> | import <accountId>`: checks the
 * manifest against AWS Organizations before anything is deployed. Thin: builds the real
 * clients and prints; the logic lives in tools/accounts/*, tested with mocked clients.
 *
 *   verify      credentials: the management account (or an Organizations delegated administrator)
 *   preflight   credentials: the workload's stage's apply role (ci-apply-nonprod or ci-apply-prod) in the deployment account (the only principal its deploy role trusts)
 *   import      credentials: as verify
 *
 * stdout carries only the result; logs and errors go to stderr. Exit 0 when everything
 * matches, 1 on a mismatch or failed check, 2 on a usage or AWS error.
 */
import { AccountClient } from '@aws-sdk/client-account';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { AccountsToolError, realSleep } from './accounts/aws';
import { importAccount } from './accounts/import';
import { preflight, stsRegionFor } from './accounts/preflight';
import { verifyManifest } from './accounts/verify';
import { parseArgs } from 'node:util';
import { loadManifestOrExit } from './cli';

const USAGE = 'usage: npm run accounts -- verify | preflight <workload> | import <accountId>';
// Our own backoff governs retries, so the SDK's are off (one attempt per call).
const sdk = { maxAttempts: 1 };
const retry = { sleep: realSleep };

async function main(argv: string[]): Promise<number> {
  let args: string[];
  let help: boolean | undefined;
  try {
    const parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
    args = parsed.positionals;
    help = parsed.values.help;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [command, arg, ...extra] = args;
  if (extra.length > 0 || (command === 'verify' && arg !== undefined)) {
    process.stderr.write(`unexpected argument ${[...(command === 'verify' ? [arg!] : []), ...extra].join(' ')}\n${USAGE}\n`);
    return 2;
  }
  if (command === 'verify') {
    const { manifest, source } = loadManifestOrExit();
    const result = await verifyManifest(manifest, new OrganizationsClient({ ...sdk, region: 'us-east-1' }), retry);
    for (const p of result.problems) process.stdout.write(`${p.path}: ${p.message}\n`);
    process.stderr.write(
      `${result.checked} accounts of ${source} checked against organisation ${manifest.organization.id}: ${result.problems.length === 0 ? 'all match' : `${result.problems.length} mismatch(es)`}\n`,
    );
    return result.problems.length === 0 ? 0 : 1;
  }
  if (command === 'preflight' && arg) {
    const { manifest } = loadManifestOrExit();
    const region = manifest.deployment.region;
    const workload = manifest.workloads.find((w) => w.name === arg);
    const checks = await preflight(
      manifest,
      arg,
      {
        // where Terraform asks STS for the deploy role of the workload's primary region
        sts: new STSClient({ ...sdk, region: workload ? stsRegionFor(manifest, workload.primaryRegion) : region }),
        s3: new S3Client({ ...sdk, region }),
        accountClient: (credentials) => new AccountClient({ ...sdk, region: 'us-east-1', credentials }),
      },
      retry,
    );
    for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.check}: ${c.detail}\n`);
    return checks.every((c) => c.ok) ? 0 : 1;
  }
  if (command === 'import' && arg) {
    process.stdout.write(await importAccount(arg, new OrganizationsClient({ ...sdk, region: 'us-east-1' }), retry));
    return 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof AccountsToolError ? err.message : ((err as Error).stack ?? String(err))}\n`);
    process.exit(2);
  },
);
