/**
 * The policy documents of the access roles, as typed data. Pure functions of the account id
 * and the naming module, so a test can evaluate exactly what is synthesized.
 *
 * - `readOnlyPolicy`: what a plan or audit needs to refresh state (describe/get/list of the
 *   services this project uses), with no data reads (no s3:GetObject, dynamodb:GetItem,
 *   secretsmanager:GetSecretValue) and no writes.
 * - `deployPolicy`: the services this project uses, on this account's resources; IAM only
 *   for roles and policies that carry the permissions boundary.
 * - `boundaryPolicy`: the most any role the deploy role creates (and the deploy role
 *   itself, which carries it too) can ever do in this account. It is the deploy policy's
 *   service and IAM statements, the same escalation denies, and the run-time calls those
 *   roles make that the deploy role itself never needs (`runtimeOnlyStatements`: today,
 *   S3 replication encrypting into the log-archive account's key). So the deploy role's
 *   effective permissions are exactly its policy, and a role it creates can never do
 *   more than the project's services on this account's resources plus those calls.
 *
 * Resource-less calls (kms:CreateKey, list calls, telemetry puts) are only authorised by IAM
 * on `*`; they are listed action by action, never as a wildcard service.
 */
import { API_GATEWAY_LOG_WRITES, policy, XRAY_ACTIONS, type PolicyDocument, type PolicyStatement } from '../core/iam-document';
import { ACCESS_ROLE_PURPOSES, CI_ROLE_PURPOSES, type Naming } from '../core/naming';

/** `s3` → `S3`, `secretsmanager` → `Secretsmanager`: a Sid holds letters and digits only. */
const sidPart = (service: string): string => service.charAt(0).toUpperCase() + service.slice(1).replace(/[^A-Za-z0-9]/g, '');

/** AWS managed policies that must never be attached by a deploy: they would lift a role above the boundary's intent. */
export const FORBIDDEN_MANAGED_POLICIES = ['arn:aws:iam::aws:policy/AdministratorAccess', 'arn:aws:iam::aws:policy/PowerUserAccess', 'arn:aws:iam::aws:policy/IAMFullAccess'] as const;

/** The regional services the payment stacks manage, with the resources of one account they may touch. */
function serviceResources(naming: Naming, accountId: string): { service: string; resources: string[] }[] {
  const p = naming.project;
  const a = accountId;
  return [
    { service: 's3', resources: [`arn:aws:s3:::${p}-*`, `arn:aws:s3:::${p}-*/*`] },
    { service: 'dynamodb', resources: [`arn:aws:dynamodb:*:${a}:table/${p}-*`, `arn:aws:dynamodb::${a}:global-table/${p}-*`] },
    { service: 'lambda', resources: [`arn:aws:lambda:*:${a}:function:${p}-*`] },
    { service: 'states', resources: [`arn:aws:states:*:${a}:stateMachine:${p}-*`, `arn:aws:states:*:${a}:execution:${p}-*`] },
    { service: 'sns', resources: [`arn:aws:sns:*:${a}:${p}-*`] },
    { service: 'sqs', resources: [`arn:aws:sqs:*:${a}:${p}-*`] },
    { service: 'kms', resources: [`arn:aws:kms:*:${a}:key/*`, `arn:aws:kms:*:${a}:alias/${p}-*`] },
    {
      service: 'logs',
      resources: [
        `arn:aws:logs:*:${a}:log-group:/aws/*/${p}-*`,
        `arn:aws:logs:*:${a}:log-group:/aws/vendedlogs/states/${p}-*`,
        // API Gateway names a stage's execution log group after the API's generated id, so it
        // cannot carry the project prefix; the payments stack creates it (KMS, retention).
        `arn:aws:logs:*:${a}:log-group:API-Gateway-Execution-Logs_*`,
      ],
    },
    { service: 'events', resources: [`arn:aws:events:*:${a}:rule/${p}-*`] },
    { service: 'cloudwatch', resources: [`arn:aws:cloudwatch:*:${a}:alarm:${p}-*`, `arn:aws:cloudwatch::${a}:dashboard/${p}-*`] },
    { service: 'secretsmanager', resources: [`arn:aws:secretsmanager:*:${a}:secret:${p}/*`] },
    // API Gateway ARNs carry no account: an API call only ever reaches the caller's own account.
    { service: 'apigateway', resources: ['arn:aws:apigateway:*::/*'] },
  ];
}

/** Calls IAM authorises only on `*`: creating keys, account-wide listing, telemetry. */
const RESOURCELESS_WRITES = [
  'kms:CreateKey',
  'logs:CreateLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:PutResourcePolicy',
  'logs:DeleteResourcePolicy',
  'cloudwatch:PutMetricData',
  ...XRAY_ACTIONS,
];
const RESOURCELESS_READS = [
  'kms:ListKeys',
  'kms:ListAliases',
  'dynamodb:ListTables',
  'dynamodb:DescribeLimits',
  'lambda:ListFunctions',
  'states:ListStateMachines',
  // The provider validates a changed state machine definition with AWS while planning.
  'states:ValidateStateMachineDefinition',
  'sns:ListTopics',
  'sqs:ListQueues',
  'events:ListRules',
  'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies',
  'logs:ListLogDeliveries',
  'logs:GetLogDelivery',
  'cloudwatch:DescribeAlarms',
  'cloudwatch:ListDashboards',
  'cloudwatch:GetMetricData',
  'cloudwatch:ListMetrics',
  'secretsmanager:ListSecrets',
  's3:ListAllMyBuckets',
  'iam:ListRoles',
  'iam:ListPolicies',
];

/**
 * The same resource-less calls by family, for the boundary: a managed policy may hold 6,144
 * characters, and the boundary repeats most of the deploy policy. Each family holds only
 * list/describe calls, log delivery, resource-policy and telemetry calls of one service.
 */
const RESOURCELESS_FAMILIES = [
  'kms:CreateKey',
  'kms:List*',
  'logs:*LogDelivery',
  'logs:ListLogDeliveries',
  'logs:*ResourcePolic*',
  'logs:DescribeLogGroups',
  'cloudwatch:PutMetricData',
  'cloudwatch:Describe*',
  'cloudwatch:List*',
  'cloudwatch:GetMetricData',
  'xray:PutT*',
  'xray:GetSampling*',
  'dynamodb:List*',
  'dynamodb:DescribeLimits',
  'lambda:List*',
  'states:List*',
  'states:ValidateStateMachineDefinition',
  'sns:List*',
  'sqs:List*',
  'events:List*',
  'secretsmanager:ListSecrets',
  's3:ListAllMyBuckets',
  'iam:ListRoles',
  'iam:ListPolicies',
];

/** Describe/get/list actions, per service, that read configuration and never data. */
const READ_ACTIONS: Record<string, string[]> = {
  // s3:ListBucket authorises HeadBucket, with which the provider finds a bucket on every refresh (it lists keys, never reads objects).
  s3: [
    's3:ListBucket',
    's3:GetBucket*',
    's3:GetAccelerateConfiguration',
    's3:GetLifecycleConfiguration',
    's3:GetReplicationConfiguration',
    's3:GetEncryptionConfiguration',
    's3:GetIntelligentTieringConfiguration',
    's3:GetInventoryConfiguration',
    's3:GetMetricsConfiguration',
    's3:GetAnalyticsConfiguration',
  ],
  dynamodb: ['dynamodb:Describe*', 'dynamodb:ListTagsOfResource', 'dynamodb:GetResourcePolicy'],
  lambda: [
    'lambda:GetFunction',
    'lambda:GetFunctionConfiguration',
    'lambda:GetFunctionCodeSigningConfig',
    'lambda:GetFunctionConcurrency',
    'lambda:GetPolicy',
    'lambda:GetAlias',
    'lambda:GetFunctionUrlConfig',
    'lambda:GetFunctionEventInvokeConfig',
    'lambda:GetRuntimeManagementConfig',
    'lambda:GetFunctionRecursionConfig',
    'lambda:ListVersionsByFunction',
    'lambda:ListAliases',
    'lambda:ListTags',
  ],
  states: ['states:DescribeStateMachine', 'states:DescribeStateMachineAlias', 'states:ListStateMachineVersions', 'states:ListStateMachineAliases', 'states:ListTagsForResource'],
  sns: ['sns:GetTopicAttributes', 'sns:GetSubscriptionAttributes', 'sns:ListSubscriptionsByTopic', 'sns:ListTagsForResource', 'sns:GetDataProtectionPolicy'],
  sqs: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ListQueueTags', 'sqs:ListDeadLetterSourceQueues'],
  kms: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags', 'kms:ListGrants'],
  logs: ['logs:DescribeLogGroups', 'logs:ListTagsForResource', 'logs:ListTagsLogGroup', 'logs:GetDataProtectionPolicy', 'logs:DescribeSubscriptionFilters'],
  cloudwatch: ['cloudwatch:DescribeAlarms', 'cloudwatch:GetDashboard', 'cloudwatch:ListTagsForResource'],
  events: ['events:DescribeRule', 'events:ListTargetsByRule', 'events:ListTagsForResource'],
  secretsmanager: ['secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy', 'secretsmanager:ListSecretVersionIds'],
  apigateway: ['apigateway:GET'],
};

/** The roles a deploy must never change: the access roles themselves and, in the deployment account, the CI roles. */
export function protectedRoleArns(naming: Naming, accountId: string): string[] {
  // The CI roles exist only in the deployment account.
  const ci = accountId === naming.manifest.deployment.accountId ? CI_ROLE_PURPOSES.map((p) => `arn:aws:iam::${accountId}:role/${naming.ciRoleName(p)}`) : [];
  return [...ACCESS_ROLE_PURPOSES.map((p) => naming.accessRoleArn(p, accountId)), ...ci];
}

/** What refreshing a role or a policy reads (the role, its inline and attached policies, their versions). */
const IAM_READS = [
  'iam:GetRole',
  'iam:GetRolePolicy',
  'iam:ListRolePolicies',
  'iam:ListAttachedRolePolicies',
  'iam:GetPolicy',
  'iam:GetPolicyVersion',
  'iam:ListPolicyVersions',
  'iam:ListInstanceProfilesForRole',
];
const iamReadResources = (accountId: string): string[] => [`arn:aws:iam::${accountId}:role/*`, `arn:aws:iam::${accountId}:policy/*`, 'arn:aws:iam::aws:policy/*'];

/** Read-only: plan and audit roles. No writes, no data reads. */
export function readOnlyPolicy(naming: Naming, accountId: string): PolicyDocument {
  const services = serviceResources(naming, accountId);
  return policy(
    ...services.map((s) => ({ Sid: `Read${sidPart(s.service)}`, Effect: 'Allow' as const, Action: READ_ACTIONS[s.service]!, Resource: s.resources })),
    {
      Sid: 'ReadIam',
      Effect: 'Allow',
      // Refresh of the deployment account's GitHub OIDC provider needs it read too.
      Action: [...IAM_READS, 'iam:GetOpenIDConnectProvider'],
      Resource: [...iamReadResources(accountId), `arn:aws:iam::${accountId}:oidc-provider/*`],
    },
    { Sid: 'ReadRegionOptIn', Effect: 'Allow', Action: ['account:GetRegionOptStatus', 'account:ListRegions'], Resource: `arn:aws:account::${accountId}:account` },
    { Sid: 'ReadResourceless', Effect: 'Allow', Action: RESOURCELESS_READS, Resource: '*' },
    // A state machine encrypted with a customer managed key returns its definition only to a
    // caller that may decrypt it (DescribeStateMachine on refresh): through Step Functions only,
    // never a direct decrypt, and this role may call no execution read (no execution data).
    {
      Sid: 'ReadEncryptedStateMachines',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: `arn:aws:kms:*:${accountId}:key/*`,
      Condition: { StringLike: { 'kms:ViaService': 'states.*.amazonaws.com' }, StringEquals: { 'kms:CallerAccount': accountId } },
    },
  );
}

/** IAM writes the deploy role may make, and only on roles that carry the boundary. */
const ROLE_WRITES_NEEDING_BOUNDARY = ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:PutRolePermissionsBoundary'];
const ROLE_WRITES = ['iam:DeleteRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole', 'iam:PassRole'];
const POLICY_WRITES = ['iam:CreatePolicy', 'iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:TagPolicy', 'iam:UntagPolicy'];

/** The escalation guard, shared by the deploy policy and the boundary (a deny in either is final). */
function escalationDenies(naming: Naming, accountId: string): PolicyStatement[] {
  return [
    {
      Sid: 'DenyAccessRoleChanges',
      Effect: 'Deny',
      Action: [...ROLE_WRITES_NEEDING_BOUNDARY, ...ROLE_WRITES.filter((a) => a !== 'iam:PassRole'), 'iam:DeleteRolePermissionsBoundary'],
      Resource: protectedRoleArns(naming, accountId),
    },
    { Sid: 'DenyBoundaryChanges', Effect: 'Deny', Action: POLICY_WRITES, Resource: naming.boundaryPolicyArn(accountId) },
    {
      Sid: 'DenyBoundaryRemoval',
      Effect: 'Deny',
      Action: ['iam:DeleteRolePermissionsBoundary', 'iam:DeleteUserPermissionsBoundary'],
      Resource: [`arn:aws:iam::${accountId}:role/*`, `arn:aws:iam::${accountId}:user/*`],
    },
    ...stateDenies(naming, accountId),
    {
      Sid: 'DenyAdministratorPolicies',
      Effect: 'Deny',
      Action: ['iam:AttachRolePolicy', 'iam:AttachUserPolicy', 'iam:AttachGroupPolicy'],
      Resource: [`arn:aws:iam::${accountId}:role/*`, `arn:aws:iam::${accountId}:user/*`, `arn:aws:iam::${accountId}:group/*`],
      Condition: { ArnEquals: { 'iam:PolicyARN': [...FORBIDDEN_MANAGED_POLICIES] } },
    },
  ];
}

/**
 * In the deployment account, the Terraform state of every stack: its bucket and its key match
 * the project's `<project>-*` patterns, but no deploy may touch them (CI and administrators
 * reach state through the backend, never through an access role). Without this a deploy there
 * could suspend versioning, expire state or schedule the state key's deletion.
 */
function stateDenies(naming: Naming, accountId: string): PolicyStatement[] {
  if (accountId !== naming.manifest.deployment.accountId) return [];
  const bucket = `arn:aws:s3:::${naming.stateBucket}`;
  const alias = naming.keyAlias('tfstate');
  return [
    { Sid: 'DenyStateBucket', Effect: 'Deny', Action: 's3:*', Resource: [bucket, `${bucket}/*`] },
    { Sid: 'DenyStateKey', Effect: 'Deny', Action: 'kms:*', Resource: `arn:aws:kms:*:${accountId}:key/*`, Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': alias } } },
    { Sid: 'DenyStateKeyAlias', Effect: 'Deny', Action: 'kms:*', Resource: `arn:aws:kms:*:${accountId}:${alias}` },
  ];
}

function serviceWrites(naming: Naming, accountId: string, resourceless: readonly string[] = [...RESOURCELESS_WRITES, ...RESOURCELESS_READS]): PolicyStatement[] {
  return [
    ...serviceResources(naming, accountId).map((s) => ({ Sid: `Manage${sidPart(s.service)}`, Effect: 'Allow' as const, Action: `${s.service}:*`, Resource: s.resources })),
    { Sid: 'Resourceless', Effect: 'Allow', Action: [...resourceless], Resource: '*' },
    { Sid: 'ReadRegionOptIn', Effect: 'Allow', Action: ['account:GetRegionOptStatus', 'account:ListRegions'], Resource: `arn:aws:account::${accountId}:account` },
  ];
}

function iamWrites(naming: Naming, accountId: string): PolicyStatement[] {
  const roles = `arn:aws:iam::${accountId}:role/${naming.project}-*`;
  return [
    {
      Sid: 'RolesOnlyWithBoundary',
      Effect: 'Allow',
      Action: ROLE_WRITES_NEEDING_BOUNDARY,
      Resource: roles,
      Condition: { StringEquals: { 'iam:PermissionsBoundary': naming.boundaryPolicyArn(accountId) } },
    },
    { Sid: 'ManageProjectRoles', Effect: 'Allow', Action: ROLE_WRITES, Resource: roles },
    { Sid: 'ManageProjectPolicies', Effect: 'Allow', Action: POLICY_WRITES, Resource: `arn:aws:iam::${accountId}:policy/${naming.project}-*` },
    {
      Sid: 'ReadIam',
      Effect: 'Allow',
      Action: [...IAM_READS],
      Resource: iamReadResources(accountId),
    },
    { Sid: 'ServiceLinkedRoles', Effect: 'Allow', Action: 'iam:CreateServiceLinkedRole', Resource: `arn:aws:iam::${accountId}:role/aws-service-role/*` },
  ];
}

/**
 * Calls that roles created by a deploy make at run time and that the deploy role itself
 * never needs, so they are in the boundary and not in the deploy policy.
 *
 * API Gateway's logging role (one per account and region) uses any log group of its region (the documented actions).
 *
 * S3 replication of the settlement archives writes into the log-archive account's bucket,
 * whose default encryption is that account's key with S3 Bucket Keys on: S3 then needs
 * kms:Encrypt and kms:Decrypt on the destination key from the replication role (the S3
 * guide on replicating encrypted objects). The key policy on the other side admits only
 * the workloads' replication roles, through S3 in the log-archive region.
 */
function runtimeOnlyStatements(naming: Naming, accountId: string): PolicyStatement[] {
  const la = naming.manifest.logArchive;
  return [
    ...(la.accountId === accountId
      ? []
      : [{ Sid: 'ReplicateIntoLogArchive', Effect: 'Allow' as const, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: `arn:aws:kms:${la.region}:${la.accountId}:key/*` }]),
    // API Gateway's account-level logging role writes to any log group of its region (see PaymentApi).
    {
      Sid: 'ApiGatewayWritesLogs',
      Effect: 'Allow',
      Action: [...API_GATEWAY_LOG_WRITES],
      Resource: [`arn:aws:logs:*:${accountId}:log-group:*`, `arn:aws:logs:*:${accountId}:log-group:*:log-stream:*`],
    },
  ];
}

/**
 * In the deployment account every stack is applied by an administrator (it holds the state and
 * the CI roles), so its deploy role only reads, like the plan role, and may change nothing.
 */
function deploymentAccountOnlyReads(naming: Naming, accountId: string, as: 'policy' | 'boundary'): PolicyDocument | undefined {
  if (accountId !== naming.manifest.deployment.accountId) return undefined;
  // The role's own policy names its reads exactly (no data reads); its boundary caps it at
  // describe/get/list of the same services, by family, to stay within IAM's size limit.
  const services = [...new Set([...serviceResources(naming, accountId).map((r) => r.service), 'iam', 'account'])];
  const reads: PolicyStatement[] =
    as === 'policy'
      ? [...readOnlyPolicy(naming, accountId).Statement]
      : [{ Sid: 'ReadOnlyCeiling', Effect: 'Allow', Action: services.flatMap((svc) => [`${svc}:Describe*`, `${svc}:Get*`, `${svc}:List*`]), Resource: '*' }];
  return policy(...reads, ...escalationDenies(naming, accountId));
}

/** The deploy role's own permissions. It carries the boundary too, which allows all of these. */
export function deployPolicy(naming: Naming, accountId: string): PolicyDocument {
  const readsOnly = deploymentAccountOnlyReads(naming, accountId, 'policy');
  if (readsOnly) return readsOnly;
  return policy(...serviceWrites(naming, accountId), ...iamWrites(naming, accountId), ...escalationDenies(naming, accountId));
}

/**
 * The permissions boundary of this account: the deploy policy plus `runtimeOnlyStatements`
 * (see the top of this file). Every role the deploy role creates must carry it (the
 * `iam:PermissionsBoundary` condition), so it is also the ceiling of everything the
 * payment workflow's roles do at run time.
 */
export function boundaryPolicy(naming: Naming, accountId: string): PolicyDocument {
  const readsOnly = deploymentAccountOnlyReads(naming, accountId, 'boundary');
  if (readsOnly) return readsOnly;
  return policy(...serviceWrites(naming, accountId, RESOURCELESS_FAMILIES), ...runtimeOnlyStatements(naming, accountId), ...iamWrites(naming, accountId), ...escalationDenies(naming, accountId));
}
