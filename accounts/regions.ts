/**
 * AWS commercial regions (the `aws` partition) a workload may name.
 *
 * `optIn` regions are disabled in a new account until someone enables them
 * (`npm run accounts -- preflight` checks that). GovCloud and China regions are
 * separate partitions with separate accounts and are deliberately not listed.
 */
export const AWS_COMMERCIAL_REGIONS = {
  'us-east-1': { optIn: false },
  'us-east-2': { optIn: false },
  'us-west-1': { optIn: false },
  'us-west-2': { optIn: false },
  'af-south-1': { optIn: true },
  'ap-east-1': { optIn: true },
  'ap-east-2': { optIn: true },
  'ap-south-1': { optIn: false },
  'ap-south-2': { optIn: true },
  'ap-southeast-1': { optIn: false },
  'ap-southeast-2': { optIn: false },
  'ap-southeast-3': { optIn: true },
  'ap-southeast-4': { optIn: true },
  'ap-southeast-5': { optIn: true },
  'ap-southeast-6': { optIn: true },
  'ap-southeast-7': { optIn: true },
  'ap-northeast-1': { optIn: false },
  'ap-northeast-2': { optIn: false },
  'ap-northeast-3': { optIn: false },
  'ca-central-1': { optIn: false },
  'ca-west-1': { optIn: true },
  'eu-central-1': { optIn: false },
  'eu-central-2': { optIn: true },
  'eu-west-1': { optIn: false },
  'eu-west-2': { optIn: false },
  'eu-west-3': { optIn: false },
  'eu-south-1': { optIn: true },
  'eu-south-2': { optIn: true },
  'eu-north-1': { optIn: false },
  'il-central-1': { optIn: true },
  'me-south-1': { optIn: true },
  'me-central-1': { optIn: true },
  'mx-central-1': { optIn: true },
  'sa-east-1': { optIn: false },
} as const satisfies Record<string, { optIn: boolean }>;

export type AwsRegion = keyof typeof AWS_COMMERCIAL_REGIONS;

export const REGION_NAMES = Object.keys(AWS_COMMERCIAL_REGIONS) as AwsRegion[];

export function isAwsRegion(value: unknown): value is AwsRegion {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(AWS_COMMERCIAL_REGIONS, value);
}

export function isOptInRegion(region: AwsRegion): boolean {
  return AWS_COMMERCIAL_REGIONS[region].optIn;
}
