/**
 * Every physical name in the project comes from here (F-11): derived from the
 * manifest, unique where the service needs it to be, and checked against each
 * service's length and character limits at synth time. No other file concatenates
 * names or ARNs.
 *
 * Scopes: S3 bucket names are global, so they carry the account id and region;
 * IAM names are per account (IAM is global), so regional roles carry the region;
 * everything else is per account and region.
 *
 * Purposes are closed lists: adding a new kind of name means adding its purpose
 * here, which puts it under the property tests in test/modules/naming.test.ts.
 */
import type { AwsRegion, Manifest, Workload } from '../../accounts/schema';

export interface NameRule {
  readonly service: string;
  readonly max: number;
  readonly min?: number;
  readonly pattern: RegExp;
  readonly hint: string;
}

export const NAME_RULES = {
  s3Bucket: { service: 'S3 bucket', min: 3, max: 63, pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/, hint: 'lowercase letters, digits and hyphens' },
  iamRole: { service: 'IAM role', max: 64, pattern: /^[\w+=,.@-]+$/, hint: 'letters, digits and +=,.@_-' },
  iamPolicy: { service: 'IAM policy', max: 128, pattern: /^[\w+=,.@-]+$/, hint: 'letters, digits and +=,.@_-' },
  lambdaFunction: { service: 'Lambda function', max: 64, pattern: /^[A-Za-z0-9_-]+$/, hint: 'letters, digits, - and _' },
  stateMachine: { service: 'Step Functions state machine', max: 80, pattern: /^[A-Za-z0-9_-]+$/, hint: 'letters, digits, - and _' },
  logGroup: { service: 'CloudWatch log group', max: 512, pattern: /^[A-Za-z0-9_\-/.#]+$/, hint: 'letters, digits and _-/.#' },
  dynamodbTable: { service: 'DynamoDB table', min: 3, max: 255, pattern: /^[A-Za-z0-9_.-]+$/, hint: 'letters, digits and _.-' },
  sqsQueue: { service: 'SQS queue', max: 80, pattern: /^[A-Za-z0-9_-]+$/, hint: 'letters, digits, - and _' },
  snsTopic: { service: 'SNS topic', max: 256, pattern: /^[A-Za-z0-9_-]+$/, hint: 'letters, digits, - and _' },
  kmsAlias: { service: 'KMS alias', max: 256, pattern: /^alias\/(?!aws\/)[A-Za-z0-9/_-]+$/, hint: 'alias/ then letters, digits and /_-' },
  restApi: { service: 'API Gateway REST API', max: 1024, pattern: /^[A-Za-z0-9_-]+$/, hint: 'letters, digits, - and _' },
  usagePlan: { service: 'API Gateway usage plan or API key', max: 1024, pattern: /^[A-Za-z0-9_-]+$/, hint: 'letters, digits, - and _' },
  eventRule: { service: 'EventBridge rule', max: 64, pattern: /^[.\-_A-Za-z0-9]+$/, hint: 'letters, digits and ._-' },
  alarm: { service: 'CloudWatch alarm', max: 255, pattern: /^[A-Za-z0-9_\-.]+$/, hint: 'letters, digits and _-.' },
  dashboard: { service: 'CloudWatch dashboard', max: 255, pattern: /^[A-Za-z0-9_-]+$/, hint: 'letters, digits, - and _' },
  secret: { service: 'Secrets Manager secret', max: 512, pattern: /^[A-Za-z0-9/_+=.@-]+$/, hint: 'letters, digits and /_+=.@-' },
  stack: { service: 'CDKTF stack', max: 128, pattern: /^[a-z][a-z0-9-]*$/, hint: 'lowercase letters, digits and hyphens' },
} as const satisfies Record<string, NameRule>;

export type NameKind = keyof typeof NAME_RULES;

/** Throws unless `name` satisfies the service's rules; returns it otherwise. */
export function checkName(kind: NameKind, name: string): string {
  const rule: NameRule = NAME_RULES[kind];
  if (name.length > rule.max || name.length < (rule.min ?? 1)) {
    throw new Error(`${rule.service} name ${JSON.stringify(name)} is ${name.length} characters; the limit is ${rule.min ?? 1}..${rule.max}. Shorten the manifest's project or workload name.`);
  }
  if (!rule.pattern.test(name)) {
    throw new Error(`${rule.service} name ${JSON.stringify(name)} is invalid: use ${rule.hint}.`);
  }
  if (kind === 's3Bucket' && (name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name) || name.startsWith('xn--') || name.endsWith('-s3alias'))) {
    throw new Error(`S3 bucket name ${JSON.stringify(name)} uses a reserved form.`);
  }
  return name;
}

/** Stack names are a contract (users select them in `cdktf deploy`). */
export const stackNames = {
  deployment: (region: AwsRegion) => checkName('stack', `deployment-${region}`),
  logArchive: (region: AwsRegion) => checkName('stack', `log-archive-${region}`),
  bootstrap: (workload: string) => checkName('stack', `bootstrap-${workload}`),
  payments: (workload: string, region: AwsRegion) => checkName('stack', `payments-${workload}-${region}`),
} as const;

/** The roles every stack's provider assumes: one set per account, created by bootstrap (or by hand in the deployment account). */
export const ACCESS_ROLE_PURPOSES = ['deploy', 'plan', 'audit'] as const;
export type AccessRolePurpose = (typeof ACCESS_ROLE_PURPOSES)[number];

/**
 * Roles in the deployment account that CI assumes through GitHub OIDC: read-only ones for
 * pull requests (`ci-plan`), the deploy preview (`ci-preview`) and the drift check
 * (`ci-drift`), and one apply role per deploy stage (modules/access/github-oidc.ts says why).
 */
export const CI_ROLE_PURPOSES = ['ci-plan', 'ci-preview', 'ci-drift', 'ci-apply-shared', 'ci-apply-nonprod', 'ci-apply-prod'] as const;
export type CiRolePurpose = (typeof CI_ROLE_PURPOSES)[number];

/** Deploy stages, in order: the shared accounts, then non-prod workloads, then prod workloads. */
export const DEPLOY_STAGES = ['shared', 'nonprod', 'prod'] as const;
export type DeployStage = (typeof DEPLOY_STAGES)[number];

/** The CI role that applies a stage (it may assume only the deploy roles of that stage's accounts). */
export function ciApplyPurpose(stage: DeployStage): CiRolePurpose {
  return `ci-apply-${stage}`;
}

/** The stage an account belongs to: deployment and log archive are shared; a workload account is prod or nonprod by its environment. */
export function deployStageOf(manifest: Manifest, accountId: string): DeployStage {
  if (accountId === manifest.deployment.accountId || accountId === manifest.logArchive.accountId) return 'shared';
  const w = manifest.workloads.find((x) => x.accountId === accountId);
  if (!w) throw new Error(`account ${accountId} is not a deploy target of the manifest`);
  return w.environment === 'prod' ? 'prod' : 'nonprod';
}

/** Buckets, each per account and region. */
export const BUCKET_PURPOSES = ['tfstate', 'archive', 'access-logs', 'log-archive'] as const;
export type BucketPurpose = (typeof BUCKET_PURPOSES)[number];

/** Per-workload IAM roles (IAM is global: regional roles carry their region). */
export const WORKLOAD_ROLE_PURPOSES = ['replication', 'api', 'states', 'validate', 'fraud', 'charge', 'status', 'submit', 'failure', 'reconcile'] as const;
export type WorkloadRolePurpose = (typeof WORKLOAD_ROLE_PURPOSES)[number];

export const FUNCTION_PURPOSES = ['validate', 'fraud', 'charge', 'status', 'submit', 'failure', 'reconcile'] as const;
export type FunctionPurpose = (typeof FUNCTION_PURPOSES)[number];

export const TABLE_PURPOSES = ['payments', 'sandbox', 'counters', 'redrive'] as const;
export type TablePurpose = (typeof TABLE_PURPOSES)[number];

export const QUEUE_PURPOSES = ['dlq'] as const;
export type QueuePurpose = (typeof QUEUE_PURPOSES)[number];

export const TOPIC_PURPOSES = ['events', 'alarms'] as const;

/** Scheduled EventBridge rules of a workload, per region. */
export const SCHEDULE_PURPOSES = ['reconcile'] as const;
export type SchedulePurpose = (typeof SCHEDULE_PURPOSES)[number];
export type TopicPurpose = (typeof TOPIC_PURPOSES)[number];

export const KEY_PURPOSES = ['data', 'archive', 'tfstate'] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

/** AWS Organizations' default cross-account role in member accounts. */
export const ORGANIZATION_ACCESS_ROLE = 'OrganizationAccountAccessRole';

/** Issuer host of GitHub Actions' OIDC tokens (also the prefix of its condition keys). */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

export function arn(service: string, region: string, accountId: string, resource: string): string {
  return `arn:aws:${service}:${region}:${accountId}:${resource}`;
}

/** Names for the organisation's shared accounts (deployment, log archive). */
export class Naming {
  readonly project: string;
  constructor(readonly manifest: Manifest) {
    this.project = manifest.project;
  }

  /** Globally unique: project, purpose, account id, region. */
  bucket(purpose: BucketPurpose, accountId: string, region: AwsRegion): string {
    return checkName('s3Bucket', `${this.project}-${purpose}-${accountId}-${region}`);
  }

  bucketArn(purpose: BucketPurpose, accountId: string, region: AwsRegion): string {
    return `arn:aws:s3:::${this.bucket(purpose, accountId, region)}`;
  }

  get stateBucket(): string {
    return this.bucket('tfstate', this.manifest.deployment.accountId, this.manifest.deployment.region);
  }

  /** Each stack's own key in the state bucket. */
  stateKey(stackName: string): string {
    return `stacks/${checkName('stack', stackName)}/terraform.tfstate`;
  }

  accessRoleName(purpose: AccessRolePurpose): string {
    return checkName('iamRole', `${this.project}-${purpose}`);
  }

  accessRoleArn(purpose: AccessRolePurpose, accountId: string): string {
    return `arn:aws:iam::${accountId}:role/${this.accessRoleName(purpose)}`;
  }

  ciRoleName(purpose: CiRolePurpose): string {
    return checkName('iamRole', `${this.project}-${purpose}`);
  }

  ciRoleArn(purpose: CiRolePurpose): string {
    return `arn:aws:iam::${this.manifest.deployment.accountId}:role/${this.ciRoleName(purpose)}`;
  }

  /** The permissions boundary every role the deploy role creates (and the deploy role itself) carries, one per account. */
  boundaryPolicyName(): string {
    return checkName('iamPolicy', `${this.project}-deploy-boundary`);
  }

  boundaryPolicyArn(accountId: string): string {
    return `arn:aws:iam::${accountId}:policy/${this.boundaryPolicyName()}`;
  }

  /**
   * The role AWS Organizations creates in every account it creates (trusted by the
   * management account). Only used to apply the stacks that own the access roles
   * (`access_role=bootstrap`); its name is AWS's default, not ours.
   */
  organizationAccessRoleArn(accountId: string): string {
    return `arn:aws:iam::${accountId}:role/${checkName('iamRole', ORGANIZATION_ACCESS_ROLE)}`;
  }

  /** An account's root principal (delegates to that account's IAM); only ever trusted together with conditions. */
  accountRootArn(accountId: string): string {
    return `arn:aws:iam::${accountId}:root`;
  }

  /** GitHub Actions' OIDC provider in the deployment account. */
  githubOidcProviderArn(): string {
    return `arn:aws:iam::${this.manifest.deployment.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
  }

  /** External id the audit account passes when it assumes an audit role (defence in depth beside aws:PrincipalOrgID). */
  auditExternalId(): string {
    return `${this.project}-audit-${this.manifest.organization.id}`;
  }

  /** Every account a stack deploys into (deployment, log archive, workloads), each once, in manifest order. */
  targetAccountIds(): string[] {
    const ids = [this.manifest.deployment.accountId, this.manifest.logArchive.accountId, ...this.manifest.workloads.map((w) => w.accountId)];
    return [...new Set(ids)];
  }

  keyAlias(purpose: KeyPurpose, owner?: string): string {
    return checkName('kmsAlias', `alias/${this.project}${owner ? `-${owner}` : ''}-${purpose}`);
  }

  forWorkload(workload: Workload): WorkloadNaming {
    return new WorkloadNaming(this, workload);
  }
}

/** Names inside one workload account. */
export class WorkloadNaming {
  readonly prefix: string;
  constructor(
    readonly naming: Naming,
    readonly workload: Workload,
  ) {
    this.prefix = `${naming.project}-${workload.name}`;
  }

  get accountId(): string {
    return this.workload.accountId;
  }

  /** Every region of the workload, primary first. */
  get regions(): AwsRegion[] {
    return [this.workload.primaryRegion, ...this.workload.replicaRegions];
  }

  bucket(purpose: BucketPurpose, region: AwsRegion): string {
    return this.naming.bucket(purpose, this.workload.accountId, region);
  }

  bucketArn(purpose: BucketPurpose, region: AwsRegion): string {
    return this.naming.bucketArn(purpose, this.workload.accountId, region);
  }

  /** IAM role; regional roles carry their region because IAM names are per account, not per region. */
  role(purpose: WorkloadRolePurpose, region?: AwsRegion): string {
    return checkName('iamRole', region ? `${this.prefix}-${purpose}-${region}` : `${this.prefix}-${purpose}`);
  }

  roleArn(purpose: WorkloadRolePurpose, region?: AwsRegion): string {
    return `arn:aws:iam::${this.workload.accountId}:role/${this.role(purpose, region)}`;
  }

  function(purpose: FunctionPurpose): string {
    return checkName('lambdaFunction', `${this.prefix}-${purpose}`);
  }

  functionArn(purpose: FunctionPurpose, region: AwsRegion): string {
    return arn('lambda', region, this.accountId, `function:${this.function(purpose)}`);
  }

  /** Tables are global tables: the same name in every region of the workload. */
  table(purpose: TablePurpose): string {
    return checkName('dynamodbTable', `${this.prefix}-${purpose}`);
  }

  tableArn(purpose: TablePurpose, region: AwsRegion): string {
    return arn('dynamodb', region, this.accountId, `table/${this.table(purpose)}`);
  }

  stateMachine(): string {
    return checkName('stateMachine', `${this.prefix}-payment`);
  }

  stateMachineArn(region: AwsRegion): string {
    return arn('states', region, this.accountId, `stateMachine:${this.stateMachine()}`);
  }

  queue(purpose: QueuePurpose): string {
    return checkName('sqsQueue', `${this.prefix}-${purpose}`);
  }

  topic(purpose: TopicPurpose): string {
    return checkName('snsTopic', `${this.prefix}-${purpose}`);
  }

  restApi(): string {
    return checkName('restApi', `${this.prefix}-api`);
  }

  /** The usage plan and the API key of one API client (manifest `payments.clients[].name`). */
  apiClient(client: string): string {
    return checkName('usagePlan', `${this.restApi()}-${client}`);
  }

  scheduleRule(purpose: SchedulePurpose): string {
    return checkName('eventRule', `${this.prefix}-${purpose}`);
  }

  /** Log groups follow the service's conventional prefixes so consoles find them. */
  logGroup(kind: 'lambda', purpose: FunctionPurpose): string;
  logGroup(kind: 'states' | 'api'): string;
  logGroup(kind: 'lambda' | 'states' | 'api', purpose?: FunctionPurpose): string {
    if (kind === 'lambda') return checkName('logGroup', `/aws/lambda/${this.function(purpose as FunctionPurpose)}`);
    if (kind === 'states') return checkName('logGroup', `/aws/vendedlogs/states/${this.stateMachine()}`);
    return checkName('logGroup', `/aws/apigateway/${this.restApi()}/access`);
  }

  /**
   * The log group API Gateway writes a stage's execution logs to. Its name is fixed by API
   * Gateway and carries the API's generated id (a Terraform reference here, so it is not
   * checked: the id is AWS's, the rest is constant).
   */
  apiExecutionLogGroup(restApiId: string, stage: string): string {
    return `API-Gateway-Execution-Logs_${restApiId}/${stage}`;
  }

  keyAlias(purpose: KeyPurpose): string {
    return this.naming.keyAlias(purpose, this.workload.name);
  }

  alarm(what: string): string {
    return checkName('alarm', `${this.prefix}-${what}`);
  }

  dashboard(region: AwsRegion): string {
    return checkName('dashboard', `${this.prefix}-${region}`);
  }

  secret(purpose: 'gateway'): string {
    return checkName('secret', `${this.naming.project}/${this.workload.name}/${purpose}`);
  }
}
