/**
 * `accounts preflight <workload>`: before a workload's first deploy, checks that the deploy
 * role can be assumed (bootstrap applied, caller is its stage's apply role), that every region of the
 * workload is enabled in its account (opt-in regions are off by default) and that the state
 * bucket exists. Clients are injected; the account client is built from the assumed role.
 */
import { AccountClient, GetRegionOptStatusCommand } from '@aws-sdk/client-account';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { isOptInRegion } from '../../accounts/regions';
import type { Manifest } from '../../accounts/schema';
import { ciApplyPurpose, deployStageOf, Naming } from '../../modules/core/naming';
import { stsRegionOf } from '../../modules/core/pinned-provider';
import { AccountsToolError, awsCall, type RetryOptions } from './aws';

/** Temporary credentials of an assumed role (the shape every SDK v3 client accepts). */
export interface AwsCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export interface PreflightCheck {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface PreflightClients {
  /** STS where Terraform assumes the workload's deploy role for its primary region (`stsRegionFor`), with the caller's credentials. */
  readonly sts: STSClient;
  /** S3 in the deployment account's region, with the caller's credentials. */
  readonly s3: S3Client;
  /** Builds an Account API client with the deploy role's credentials. */
  readonly accountClient: (credentials: AwsCredentialIdentity) => AccountClient;
}

const ENABLED = new Set(['ENABLED', 'ENABLED_BY_DEFAULT']);

/** Where STS is asked for the role of a provider in `region`: where Terraform asks it (`stsRegionOf`). */
export function stsRegionFor(manifest: Manifest, region: Manifest['deployment']['region']): Manifest['deployment']['region'] {
  return stsRegionOf(region, manifest.deployment.region) ?? region;
}

export async function preflight(manifest: Manifest, workloadName: string, clients: PreflightClients, retry: RetryOptions): Promise<PreflightCheck[]> {
  const index = manifest.workloads.findIndex((w) => w.name === workloadName);
  if (index < 0) throw new AccountsToolError(`no workload named ${JSON.stringify(workloadName)} in the manifest; known: ${manifest.workloads.map((w) => w.name).join(', ') || '(none)'}`);
  const w = manifest.workloads[index]!;
  const naming = new Naming(manifest);
  const checks: PreflightCheck[] = [];
  const roleArn = naming.accessRoleArn('deploy', w.accountId);

  let credentials: AwsCredentialIdentity | undefined;
  try {
    const out = await awsCall(`sts:AssumeRole(${roleArn})`, () => clients.sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: `preflight-${w.name}`.slice(0, 64) })), retry);
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new AccountsToolError(`sts:AssumeRole(${roleArn}) returned no credentials`);
    credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    checks.push({ check: 'deploy role', ok: true, detail: `assumed ${roleArn}` });
  } catch (err) {
    if (!(err instanceof AccountsToolError)) throw err;
    const stsRegion = stsRegionFor(manifest, w.primaryRegion);
    checks.push({
      check: 'deploy role',
      ok: false,
      detail: err.message.includes('RegionDisabledException')
        ? `${err.message} STS in ${stsRegion} takes the call only if account ${w.accountId} has ${stsRegion} enabled: enable it (management account: aws account enable-region --account-id ${w.accountId} --region-name ${stsRegion}) and wait until ENABLED.`
        : `${err.message} Apply bootstrap-${w.name} first and run this with the credentials of its stage's apply role (${naming.ciRoleArn(ciApplyPurpose(deployStageOf(manifest, w.accountId)))}).`,
    });
  }

  const regions = [{ path: `workloads[${index}].primaryRegion`, region: w.primaryRegion }, ...w.replicaRegions.map((region, j) => ({ path: `workloads[${index}].replicaRegions[${j}]`, region }))];
  // Terraform assumes this account's roles for its opt-in regions through STS in the deployment region (modules/core/pinned-provider.ts),
  // which takes the call only if this account has that region enabled too, when it is an opt-in region itself.
  const deploymentRegion = manifest.deployment.region;
  if (isOptInRegion(deploymentRegion) && regions.some((r) => isOptInRegion(r.region)) && !regions.some((r) => r.region === deploymentRegion)) {
    regions.push({ path: "deployment.region (where Terraform assumes this account's roles for its opt-in regions)", region: deploymentRegion });
  }
  if (credentials === undefined) {
    for (const r of regions) checks.push({ check: `region ${r.region}`, ok: false, detail: `${r.path}: not checked (the deploy role could not be assumed)` });
  } else {
    const account = clients.accountClient(credentials);
    for (const r of regions) {
      try {
        const out = await awsCall(`account:GetRegionOptStatus(${r.region})`, () => account.send(new GetRegionOptStatusCommand({ RegionName: r.region })), retry);
        const status = String(out.RegionOptStatus ?? 'UNKNOWN');
        checks.push(
          ENABLED.has(status)
            ? { check: `region ${r.region}`, ok: true, detail: status }
            : {
                check: `region ${r.region}`,
                ok: false,
                detail: `${r.path}: ${r.region} is ${status} in account ${w.accountId}; enable it (management account: aws account enable-region --account-id ${w.accountId} --region-name ${r.region}) and wait until ENABLED`,
              },
        );
      } catch (err) {
        if (!(err instanceof AccountsToolError)) throw err;
        checks.push({ check: `region ${r.region}`, ok: false, detail: `${r.path}: ${err.message}` });
      }
    }
  }

  const bucket = naming.stateBucket;
  try {
    await awsCall(`s3:HeadBucket(${bucket})`, () => clients.s3.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: manifest.deployment.accountId })), retry);
    checks.push({ check: 'state bucket', ok: true, detail: `${bucket} exists` });
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'NotFound' || name === 'NoSuchBucket') {
      checks.push({ check: 'state bucket', ok: false, detail: `${bucket} does not exist: apply deployment-${manifest.deployment.region} first (README, "First bootstrap and rotation")` });
    } else if (err instanceof AccountsToolError) {
      checks.push({ check: 'state bucket', ok: false, detail: err.message });
    } else throw err;
  }
  return checks;
}
