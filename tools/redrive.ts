/**
 * `npm run redrive -- --workload <name> --region <region> [--manifest <file>] [--dry-run]`
 *
 * Sends again the notifications and settlement archives of decided payments that failed
 * through the workflow's retries, from the region's re-drive table (`<project>-<workload>-redrive`),
 * and removes each one sent (tools/redrive-deliveries.ts: re-driving is idempotent). Runs with
 * the caller's AWS credentials in the workload's account. `--dry-run` lists and sends nothing.
 * Output on stdout: `{ table, region, found, redriven: { notify, archive }, failed: [...], pending: [...] }`;
 * one summary line on stderr. Exit 0 when nothing failed again, 1 otherwise, 2 on a usage error.
 */
import { parseCommandLine } from './cli';

const USAGE = 'usage: npm run redrive -- --workload <name> --region <region> [--manifest <file>] [--dry-run]';

async function main(): Promise<number> {
  const values = parseCommandLine(
    process.argv.slice(2),
    { workload: { type: 'string' }, region: { type: 'string' }, manifest: { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    USAGE,
  );
  if (typeof values === 'number') return values;
  if (!values.workload || !values.region) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded once the arguments are checked; `require`, not `import()`, under tsx's CommonJS hook (README, Toolchain pins) */
  const { loadManifest } = require('../accounts/load') as typeof import('../accounts/load');
  const { ManifestError } = require('../accounts/schema') as typeof import('../accounts/schema');
  const { Naming } = require('../modules/core/naming') as typeof import('../modules/core/naming');
  const { redrive } = require('./redrive-deliveries') as typeof import('./redrive-deliveries');
  /* eslint-enable @typescript-eslint/no-require-imports */
  let manifest;
  try {
    manifest = loadManifest(values.manifest).manifest;
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
  const workload = manifest.workloads.find((w) => w.name === values.workload);
  if (!workload) {
    process.stderr.write(`no workload ${JSON.stringify(values.workload)} in the manifest (have: ${manifest.workloads.map((w) => w.name).join(', ')})\n`);
    return 1;
  }
  if (![workload.primaryRegion, ...workload.replicaRegions].includes(values.region as never)) {
    process.stderr.write(`workload ${workload.name} has no region ${values.region} (regions: ${[workload.primaryRegion, ...workload.replicaRegions].join(', ')})\n`);
    return 1;
  }
  const table = new Naming(manifest).forWorkload(workload).table('redrive');
  const report = await redrive({ table, region: values.region, dryRun: values['dry-run'] });
  process.stdout.write(`${JSON.stringify({ table, region: values.region, ...report }, null, 2)}\n`);
  const verb = values['dry-run'] ? `${report.pending.length} to re-drive (dry run)` : `${report.redriven.notify} notifications and ${report.redriven.archive} archives re-driven`;
  process.stderr.write(`${table} (${values.region}): ${report.found} found, ${verb}, ${report.failed.length} failed again\n`);
  return report.failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
