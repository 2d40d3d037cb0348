/**
 * What the hashicorp/aws provider (the 6.x line that @cdktf/provider-aws 21 binds) asks IAM
 * for, per Terraform resource type and data source this project synthesizes: the actions
 * it calls to create, read (refresh), update, delete and tag each one, on which resource
 * ARN, with the request context that decides the answer (`iam:PermissionsBoundary`,
 * `iam:PassedToService`, `kms:ViaService`, tag keys).
 *
 * Sources: the provider's `internal/service/<service>/<resource>.go` create/read/update/
 * delete functions (which API calls they make, including the waiters that poll with a
 * read call after a write) and the AWS Service Authorization Reference (which IAM action
 * and resource type authorise each API call). Each row says how sure it is in
 * `certainty`, and what exactly is unsure in `uncertain`, so a reader knows which rows
 * only a real apply can settle.
 *
 * Tags: the provider merges the provider's `default_tags` into every taggable resource,
 * so every taggable resource is created with tags. Services that accept tags on the
 * create call authorise them with their tag action as well (`lambda:TagResource`,
 * `sqs:TagQueue`, `kms:TagResource`…); those rows list the tag action under `tag`, which
 * the checker evaluates with the tag keys as request context whenever the resource has
 * tags (resource tags or the provider's default tags).
 */

/**
 * `plan`: calls the provider makes while planning a change (its CustomizeDiff), before any
 * create or update: made by whichever role plans (the plan role in a pull request, the deploy
 * role when it applies, which plans again).
 */
export const PHASES = ['plan', 'create', 'read', 'update', 'delete', 'tag'] as const;
export type Phase = (typeof PHASES)[number];

/**
 * - `provider-source`: the calls were read in the provider's resource code.
 * - `documented`: taken from the AWS documentation of the API and from how the provider
 *   consistently implements that service; not traced call by call.
 * - `uncertain`: at least one call is a judgement; `uncertain` says which.
 */
export type Certainty = 'provider-source' | 'documented' | 'uncertain';

export type Context = Record<string, string | string[]>;

/** One IAM authorisation the provider needs. */
export interface Call {
  readonly action: string;
  /** ARN the action is authorised on, or `*` for actions IAM authorises only on `*`. */
  readonly resource: string;
  readonly context?: Context;
  /** Set when this call (not the whole row) is a judgement; says why. */
  readonly uncertain?: string;
}

export type PhaseCalls = { readonly [P in Phase]?: readonly Call[] };

/** What a row sees of one synthesized resource; references already replaced by the values they will have. */
export interface ResourceInput {
  /** The resource's Terraform address (`aws_s3_bucket.name`, `data.aws_kms_alias.name`). */
  readonly address: string;
  readonly accountId: string;
  readonly region: string;
  /** A synthesized attribute as a string, references resolved; undefined when absent. */
  str(key: string): string | undefined;
  /** Same, but the attribute must be present. */
  need(key: string): string;
  /** A nested block or list, references resolved. */
  value(key: string): unknown;
  /**
   * A well-formed stand-in for an identifier AWS assigns at apply time (a key id, an API
   * id), stable per resource address and `kind`.
   */
  placeholder(kind: 'key' | 'mrk' | 'apigw' | 'secret-suffix' | 'uuid'): string;
  /** The ARN of the resource a reference (`${aws_x.name.attr}`) in this attribute points to, if it is one. */
  referencedArn(key: string): string | undefined;
  /** The ARN of the key an alias of this account and region points to, from any synthesized stack. */
  aliasTarget(aliasName: string): string | undefined;
}

export interface ActionRow {
  readonly type: string;
  readonly kind: 'resource' | 'data';
  readonly certainty: Certainty;
  /** What is uncertain in this row (present whenever `certainty` is `uncertain`). */
  readonly uncertain?: string;
  /** Where the row comes from: the provider file read, and the AWS documentation consulted. */
  readonly basis: string;
  /** Whether the provider applies tags (and therefore `default_tags`) to this type. */
  readonly taggable: boolean;
  /** Attributes other resources reference (`arn`, `id`, `name`…), computed from the synthesized ones. */
  readonly attributes: (r: ResourceInput) => Record<string, string>;
  readonly calls: (r: ResourceInput) => PhaseCalls;
}

// ---------------------------------------------------------------------------------------------
// ARN helpers

const arn = (service: string, region: string, account: string, resource: string): string => `arn:aws:${service}:${region}:${account}:${resource}`;
const roleNameOf = (roleArn: string): string => roleArn.slice(roleArn.lastIndexOf('/') + 1);
const call = (action: string, resource: string, context?: Context, uncertain?: string): Call => ({ action, resource, ...(context ? { context } : {}), ...(uncertain ? { uncertain } : {}) });
const calls = (actions: readonly string[], resource: string, context?: Context): Call[] => actions.map((a) => call(a, resource, context));

/** `iam:PassRole` of a role to a service: what every resource that hands a role to AWS needs. */
const passRole = (roleArn: string, service: string): Call => call('iam:PassRole', roleArn, { 'iam:PassedToService': service });

/** The boundary a role carries decides whether the deploy role may create or change it. */
const boundaryContext = (boundaryArn: string | undefined): Context | undefined => (boundaryArn ? { 'iam:PermissionsBoundary': boundaryArn } : undefined);

// ---------------------------------------------------------------------------------------------
// IAM (global)

const iamRows: ActionRow[] = [
  {
    type: 'aws_iam_role',
    kind: 'resource',
    certainty: 'provider-source',
    basis:
      'provider internal/service/iam/role.go (create: CreateRole with Tags and PermissionsBoundary; read: GetRole, ListRolePolicies/GetRolePolicy and ListAttachedRolePolicies for inline_policy and managed_policy_arns; delete: ListInstanceProfilesForRole, DeleteRole); IAM User Guide "Permissions boundaries" for iam:PermissionsBoundary on CreateRole',
    taggable: true,
    attributes: (r) => {
      const name = r.need('name');
      const roleArn = `arn:aws:iam::${r.accountId}:role${r.str('path') ?? '/'}${name}`;
      return { arn: roleArn, id: name, name, unique_id: r.placeholder('uuid') };
    },
    calls: (r) => {
      const roleArn = `arn:aws:iam::${r.accountId}:role${r.str('path') ?? '/'}${r.need('name')}`;
      const boundary = boundaryContext(r.str('permissions_boundary'));
      return {
        create: [call('iam:CreateRole', roleArn, boundary), call('iam:GetRole', roleArn)],
        read: calls(['iam:GetRole', 'iam:ListRolePolicies', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies'], roleArn),
        update: [...calls(['iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:UpdateAssumeRolePolicy'], roleArn), ...(boundary ? [call('iam:PutRolePermissionsBoundary', roleArn, boundary)] : [])],
        delete: calls(['iam:ListInstanceProfilesForRole', 'iam:DeleteRole'], roleArn),
        tag: calls(['iam:TagRole', 'iam:UntagRole'], roleArn),
      };
    },
  },
  {
    type: 'aws_iam_role_policy',
    kind: 'resource',
    certainty: 'provider-source',
    basis: 'provider internal/service/iam/role_policy.go (PutRolePolicy, GetRolePolicy, DeleteRolePolicy on the role); iam:PermissionsBoundary is the boundary of the role being changed',
    taggable: false,
    attributes: (r) => ({ id: `${roleName(r)}:${r.need('name')}`, name: r.need('name') }),
    calls: (r) => {
      const roleArn = `arn:aws:iam::${r.accountId}:role/${roleName(r)}`;
      const boundary = boundaryContext(roleBoundary(r));
      return {
        create: [call('iam:PutRolePolicy', roleArn, boundary), call('iam:GetRolePolicy', roleArn)],
        read: [call('iam:GetRolePolicy', roleArn)],
        update: [call('iam:PutRolePolicy', roleArn, boundary)],
        delete: [call('iam:DeleteRolePolicy', roleArn, boundary)],
      };
    },
  },
  {
    type: 'aws_iam_policy',
    kind: 'resource',
    certainty: 'provider-source',
    basis:
      'provider internal/service/iam/policy.go (CreatePolicy with Tags; read: GetPolicy, GetPolicyVersion; update: ListPolicyVersions, DeletePolicyVersion of the oldest, CreatePolicyVersion; delete: ListPolicyVersions, DeletePolicyVersion, DeletePolicy)',
    taggable: true,
    attributes: (r) => {
      const policyArn = `arn:aws:iam::${r.accountId}:policy${r.str('path') ?? '/'}${r.need('name')}`;
      return { arn: policyArn, id: policyArn, name: r.need('name'), policy_id: r.placeholder('uuid') };
    },
    calls: (r) => {
      const policyArn = `arn:aws:iam::${r.accountId}:policy${r.str('path') ?? '/'}${r.need('name')}`;
      return {
        create: calls(['iam:CreatePolicy', 'iam:GetPolicy', 'iam:GetPolicyVersion'], policyArn),
        read: calls(['iam:GetPolicy', 'iam:GetPolicyVersion'], policyArn),
        update: calls(['iam:ListPolicyVersions', 'iam:DeletePolicyVersion', 'iam:CreatePolicyVersion'], policyArn),
        delete: calls(['iam:ListPolicyVersions', 'iam:DeletePolicyVersion', 'iam:DeletePolicy'], policyArn),
        tag: calls(['iam:TagPolicy', 'iam:UntagPolicy'], policyArn),
      };
    },
  },
  {
    type: 'aws_iam_openid_connect_provider',
    kind: 'resource',
    certainty: 'documented',
    basis: 'provider internal/service/iam/openid_connect_provider.go; Service Authorization Reference, IAM',
    taggable: true,
    attributes: (r) => {
      const host = r.need('url').replace(/^https:\/\//, '');
      const a = `arn:aws:iam::${r.accountId}:oidc-provider/${host}`;
      return { arn: a, id: a };
    },
    calls: (r) => {
      const a = `arn:aws:iam::${r.accountId}:oidc-provider/${r.need('url').replace(/^https:\/\//, '')}`;
      return {
        create: calls(['iam:CreateOpenIDConnectProvider', 'iam:GetOpenIDConnectProvider'], a),
        read: calls(['iam:GetOpenIDConnectProvider'], a),
        update: calls(['iam:UpdateOpenIDConnectProviderThumbprint', 'iam:AddClientIDToOpenIDConnectProvider', 'iam:RemoveClientIDFromOpenIDConnectProvider'], a),
        delete: calls(['iam:DeleteOpenIDConnectProvider'], a),
        tag: calls(['iam:TagOpenIDConnectProvider', 'iam:UntagOpenIDConnectProvider'], a),
      };
    },
  },
];

/** The role a role policy belongs to: the `role` attribute is a name or (as `.id`) the same name. */
function roleName(r: ResourceInput): string {
  const role = r.need('role');
  return role.startsWith('arn:') ? roleNameOf(role) : role;
}
/** The boundary of the role a role policy belongs to, read through the reference. */
function roleBoundary(r: ResourceInput): string | undefined {
  return r.str('role.permissions_boundary');
}

// ---------------------------------------------------------------------------------------------
// KMS

const keyReads = ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags'];

const kmsRows: ActionRow[] = [
  {
    type: 'aws_kms_key',
    kind: 'resource',
    certainty: 'provider-source',
    basis:
      'provider internal/service/kms/key.go (CreateKey with Policy and Tags on "*"; waiters DescribeKey, GetKeyPolicy, GetKeyRotationStatus, ListResourceTags; EnableKeyRotation; delete ScheduleKeyDeletion); KMS Developer Guide: CreateKey is authorised only in IAM on "*", Tags on CreateKey need kms:TagResource',
    taggable: true,
    attributes: (r) => {
      const id = r.str('multi_region') === 'true' ? r.placeholder('mrk') : r.placeholder('key');
      const a = arn('kms', r.region, r.accountId, `key/${id}`);
      return { arn: a, id, key_id: id };
    },
    calls: (r) => {
      const id = r.str('multi_region') === 'true' ? r.placeholder('mrk') : r.placeholder('key');
      const a = arn('kms', r.region, r.accountId, `key/${id}`);
      const multiRegion = r.str('multi_region') === 'true';
      return {
        create: [
          call('kms:CreateKey', '*', { 'kms:MultiRegion': String(multiRegion), ...(multiRegion ? { 'kms:MultiRegionKeyType': 'PRIMARY' } : {}) }),
          ...calls(keyReads, a),
          ...(r.str('enable_key_rotation') === 'true' ? [call('kms:EnableKeyRotation', a)] : []),
        ],
        read: calls(keyReads, a),
        update: calls(['kms:PutKeyPolicy', 'kms:UpdateKeyDescription', 'kms:EnableKeyRotation', 'kms:DisableKeyRotation', 'kms:EnableKey', 'kms:DisableKey'], a),
        delete: calls(['kms:DescribeKey', 'kms:ScheduleKeyDeletion'], a),
        tag: calls(['kms:TagResource', 'kms:UntagResource'], a),
      };
    },
  },
  {
    type: 'aws_kms_replica_key',
    kind: 'resource',
    certainty: 'documented',
    basis:
      'provider internal/service/kms/replica_key.go (ReplicateKey called in the primary key\'s region, then DescribeKey/GetKeyPolicy/ListResourceTags waiters in the replica region); KMS Developer Guide "Creating multi-Region replica keys": kms:ReplicateKey on the primary key, kms:CreateKey in the replica region, kms:TagResource for tags',
    taggable: true,
    attributes: (r) => {
      const primary = r.need('primary_key_arn');
      const id = primary.slice(primary.lastIndexOf('/') + 1);
      const a = arn('kms', r.region, r.accountId, `key/${id}`);
      return { arn: a, id, key_id: id };
    },
    calls: (r) => {
      const primary = r.need('primary_key_arn');
      const a = arn('kms', r.region, r.accountId, `key/${primary.slice(primary.lastIndexOf('/') + 1)}`);
      const replicaReads = ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:ListResourceTags'];
      return {
        create: [
          call('kms:ReplicateKey', primary, { 'kms:ReplicaRegion': r.region }),
          call('kms:CreateKey', '*', { 'kms:MultiRegion': 'true', 'kms:MultiRegionKeyType': 'REPLICA' }),
          ...calls(replicaReads, a),
        ],
        read: calls(replicaReads, a),
        update: calls(['kms:PutKeyPolicy', 'kms:UpdateKeyDescription', 'kms:EnableKey', 'kms:DisableKey'], a),
        delete: calls(['kms:DescribeKey', 'kms:ScheduleKeyDeletion'], a),
        tag: calls(['kms:TagResource', 'kms:UntagResource'], a),
      };
    },
  },
  {
    type: 'aws_kms_alias',
    kind: 'resource',
    certainty: 'provider-source',
    basis:
      'provider internal/service/kms/alias.go (CreateAlias; read by ListAliases; UpdateAlias; DeleteAlias); KMS Developer Guide "Controlling access to aliases": CreateAlias/UpdateAlias/DeleteAlias need permission on the alias and on the key',
    taggable: false,
    attributes: (r) => {
      const name = r.need('name');
      return { arn: arn('kms', r.region, r.accountId, name), id: name, name, target_key_arn: r.referencedArn('target_key_id') ?? '' };
    },
    calls: (r) => {
      const alias = arn('kms', r.region, r.accountId, r.need('name'));
      const key = r.referencedArn('target_key_id') ?? arn('kms', r.region, r.accountId, `key/${r.need('target_key_id')}`);
      return {
        create: [call('kms:CreateAlias', alias), call('kms:CreateAlias', key), call('kms:ListAliases', '*')],
        read: [call('kms:ListAliases', '*')],
        update: [call('kms:UpdateAlias', alias), call('kms:UpdateAlias', key)],
        delete: [call('kms:DeleteAlias', alias), call('kms:DeleteAlias', key)],
      };
    },
  },
  {
    type: 'aws_kms_alias',
    kind: 'data',
    certainty: 'provider-source',
    basis: 'provider internal/service/kms/alias_data_source.go (ListAliases to find the alias, then DescribeKey with the alias name, which KMS authorises on the target key)',
    taggable: false,
    attributes: (r) => ({ arn: arn('kms', r.region, r.accountId, r.need('name')), id: r.need('name'), name: r.need('name'), target_key_arn: r.aliasTarget(r.need('name')) ?? '' }),
    calls: (r) => {
      const key = r.aliasTarget(r.need('name'));
      if (!key) throw new Error(`${r.address}: no synthesized stack creates ${r.need('name')} in ${r.region}, so the key it names is unknown`);
      return { read: [call('kms:ListAliases', '*'), call('kms:DescribeKey', key)] };
    },
  },
];

// ---------------------------------------------------------------------------------------------
// S3: the bucket and its configuration resources. All bucket-level calls are authorised on the bucket ARN.

const bucketArn = (name: string): string => `arn:aws:s3:::${name}`;

/** Every sub-resource names its bucket in `bucket`, usually as a reference to the bucket's id (its name). */
function bucketConfigRow(type: string, put: string, get: string, del: string, basis: string, extra: (r: ResourceInput) => PhaseCalls = () => ({})): ActionRow {
  return {
    type,
    kind: 'resource',
    certainty: 'provider-source',
    basis,
    taggable: false,
    attributes: (r) => ({ id: r.need('bucket'), bucket: r.need('bucket') }),
    calls: (r) => {
      const b = bucketArn(r.need('bucket'));
      const more = extra(r);
      return {
        create: [call(put, b), call(get, b), ...(more.create ?? [])],
        read: [call(get, b)],
        update: [call(put, b), ...(more.update ?? [])],
        delete: [call(del, b)],
      };
    },
  };
}

const s3Rows: ActionRow[] = [
  {
    type: 'aws_s3_bucket',
    kind: 'resource',
    certainty: 'provider-source',
    basis:
      'provider internal/service/s3/bucket.go: create CreateBucket then HeadBucket until found, tags by GetBucketTagging/PutBucketTagging (CreateBucket carries no tags); read HeadBucket (s3:ListBucket), GetBucketPolicy, GetBucketAcl, GetBucketCors, GetBucketWebsite, GetBucketVersioning, GetBucketAccelerateConfiguration, GetBucketRequestPayment, GetBucketLogging, GetBucketLifecycleConfiguration, GetBucketReplication, GetBucketEncryption, GetObjectLockConfiguration, GetBucketTagging; delete DeleteBucket',
    taggable: true,
    attributes: (r) => ({
      arn: bucketArn(r.need('bucket')),
      id: r.need('bucket'),
      bucket: r.need('bucket'),
      bucket_domain_name: `${r.need('bucket')}.s3.amazonaws.com`,
      bucket_regional_domain_name: `${r.need('bucket')}.s3.${r.region}.amazonaws.com`,
    }),
    calls: (r) => {
      const b = bucketArn(r.need('bucket'));
      const reads = [
        's3:ListBucket',
        's3:GetBucketPolicy',
        's3:GetBucketAcl',
        's3:GetBucketCORS',
        's3:GetBucketWebsite',
        's3:GetBucketVersioning',
        's3:GetAccelerateConfiguration',
        's3:GetBucketRequestPayment',
        's3:GetBucketLogging',
        's3:GetLifecycleConfiguration',
        's3:GetReplicationConfiguration',
        's3:GetEncryptionConfiguration',
        's3:GetBucketObjectLockConfiguration',
        's3:GetBucketTagging',
      ];
      return {
        create: [call('s3:CreateBucket', b), call('s3:ListBucket', b), ...calls(reads, b)],
        read: calls(reads, b),
        update: [],
        delete: [call('s3:DeleteBucket', b)],
        tag: calls(['s3:GetBucketTagging', 's3:PutBucketTagging'], b),
      };
    },
  },
  bucketConfigRow(
    'aws_s3_bucket_policy',
    's3:PutBucketPolicy',
    's3:GetBucketPolicy',
    's3:DeleteBucketPolicy',
    'provider internal/service/s3/bucket_policy.go (PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy)',
  ),
  bucketConfigRow(
    'aws_s3_bucket_public_access_block',
    's3:PutBucketPublicAccessBlock',
    's3:GetBucketPublicAccessBlock',
    's3:PutBucketPublicAccessBlock',
    'provider internal/service/s3/bucket_public_access_block.go; DeletePublicAccessBlock is authorised by s3:PutBucketPublicAccessBlock',
  ),
  bucketConfigRow(
    'aws_s3_bucket_ownership_controls',
    's3:PutBucketOwnershipControls',
    's3:GetBucketOwnershipControls',
    's3:PutBucketOwnershipControls',
    'provider internal/service/s3/bucket_ownership_controls.go; DeleteBucketOwnershipControls is authorised by s3:PutBucketOwnershipControls',
  ),
  bucketConfigRow(
    'aws_s3_bucket_server_side_encryption_configuration',
    's3:PutEncryptionConfiguration',
    's3:GetEncryptionConfiguration',
    's3:PutEncryptionConfiguration',
    "provider internal/service/s3/bucket_server_side_encryption_configuration.go; DeleteBucketEncryption is authorised by s3:PutEncryptionConfiguration; S3 does not check the caller's access to the default KMS key when the configuration is set",
  ),
  bucketConfigRow(
    'aws_s3_bucket_versioning',
    's3:PutBucketVersioning',
    's3:GetBucketVersioning',
    's3:PutBucketVersioning',
    'provider internal/service/s3/bucket_versioning.go; delete suspends versioning with PutBucketVersioning',
  ),
  bucketConfigRow(
    'aws_s3_bucket_lifecycle_configuration',
    's3:PutLifecycleConfiguration',
    's3:GetLifecycleConfiguration',
    's3:PutLifecycleConfiguration',
    'provider internal/service/s3/bucket_lifecycle_configuration.go; DeleteBucketLifecycle is authorised by s3:PutLifecycleConfiguration',
  ),
  bucketConfigRow('aws_s3_bucket_logging', 's3:PutBucketLogging', 's3:GetBucketLogging', 's3:PutBucketLogging', 'provider internal/service/s3/bucket_logging.go; delete puts an empty logging status'),
  bucketConfigRow(
    'aws_s3_bucket_replication_configuration',
    's3:PutReplicationConfiguration',
    's3:GetReplicationConfiguration',
    's3:PutReplicationConfiguration',
    'provider internal/service/s3/bucket_replication_configuration.go; S3 User Guide "Setting up permissions for live replication": PutBucketReplication needs iam:PassRole of the replication role; DeleteBucketReplication is authorised by s3:PutReplicationConfiguration',
    (r) => {
      const role = r.need('role');
      return { create: [passRole(role, 's3.amazonaws.com')], update: [passRole(role, 's3.amazonaws.com')] };
    },
  ),
];

// ---------------------------------------------------------------------------------------------
// DynamoDB

interface Replica {
  region_name: string;
  kms_key_arn?: string;
  point_in_time_recovery?: boolean;
  propagate_tags?: boolean;
  deletion_protection_enabled?: boolean;
}

const dynamodbRows: ActionRow[] = [
  {
    type: 'aws_dynamodb_table',
    kind: 'resource',
    certainty: 'uncertain',
    uncertain: 'replica creation: which of the replica-region item actions DynamoDB checks against the caller (the developer guide lists them all; listed all)',
    basis:
      'provider internal/service/dynamodb/table.go (CreateTable with SSE, streams, tags; waiters DescribeTable; UpdateContinuousBackups; UpdateTimeToLive; replicas added by UpdateTable in the table\'s region, then per replica DescribeTable, UpdateContinuousBackups, TagResource, UpdateTable for deletion protection; read DescribeTable, DescribeContinuousBackups, DescribeTimeToLive, ListTagsOfResource and, per replica (enrichReplicas, addReplicaPITRs), DescribeTable and DescribeContinuousBackups in its region; the read also looks up alias/aws/dynamodb with DescribeKey in each region and ignores a failure, so that call is not listed); DynamoDB Developer Guide "DynamoDB global tables security" (UpdateTable in the source region; CreateTable, CreateTableReplica and item actions in the replica regions; the replication service-linked role) and "Encryption at rest" (kms:DescribeKey and kms:CreateGrant through DynamoDB for a customer managed key)',
    taggable: true,
    attributes: (r) => {
      const a = arn('dynamodb', r.region, r.accountId, `table/${r.need('name')}`);
      return { arn: a, id: r.need('name'), name: r.need('name'), stream_arn: `${a}/stream/2026-01-01T00:00:00.000` };
    },
    calls: (r) => {
      const name = r.need('name');
      const table = arn('dynamodb', r.region, r.accountId, `table/${name}`);
      const viaDynamo = (region: string): Context => ({ 'kms:ViaService': `dynamodb.${region}.amazonaws.com`, 'kms:CallerAccount': r.accountId });
      const sse = r.value('server_side_encryption') as { enabled?: boolean; kms_key_arn?: string } | undefined;
      const replicas = (r.value('replica') as Replica[] | undefined) ?? [];
      const tableKey = sse?.enabled && sse.kms_key_arn ? [call('kms:DescribeKey', sse.kms_key_arn, viaDynamo(r.region)), call('kms:CreateGrant', sse.kms_key_arn, viaDynamo(r.region))] : [];
      const reads = ['dynamodb:DescribeTable', 'dynamodb:DescribeContinuousBackups', 'dynamodb:DescribeTimeToLive', 'dynamodb:ListTagsOfResource'];
      const replicaReads = (rep: Replica): Call[] => calls(['dynamodb:DescribeTable', 'dynamodb:DescribeContinuousBackups'], arn('dynamodb', rep.region_name, r.accountId, `table/${name}`));
      const createReplica = (rep: Replica): Call[] => {
        const replica = arn('dynamodb', rep.region_name, r.accountId, `table/${name}`);
        return [
          ...calls(
            [
              'dynamodb:CreateTable',
              'dynamodb:CreateTableReplica',
              'dynamodb:Scan',
              'dynamodb:Query',
              'dynamodb:UpdateItem',
              'dynamodb:PutItem',
              'dynamodb:GetItem',
              'dynamodb:DeleteItem',
              'dynamodb:BatchWriteItem',
              'dynamodb:DescribeTable',
            ],
            replica,
          ),
          ...(rep.kms_key_arn ? [call('kms:DescribeKey', rep.kms_key_arn, viaDynamo(rep.region_name)), call('kms:CreateGrant', rep.kms_key_arn, viaDynamo(rep.region_name))] : []),
          ...(rep.point_in_time_recovery ? [call('dynamodb:UpdateContinuousBackups', replica)] : []),
          ...(rep.deletion_protection_enabled ? [call('dynamodb:UpdateTable', replica)] : []),
          ...(rep.propagate_tags ? [call('dynamodb:TagResource', replica)] : []),
        ];
      };
      const slr =
        replicas.length > 0
          ? [
              call(
                'iam:CreateServiceLinkedRole',
                `arn:aws:iam::${r.accountId}:role/aws-service-role/replication.dynamodb.amazonaws.com/AWSServiceRoleForDynamoDBReplication`,
                { 'iam:AWSServiceName': 'replication.dynamodb.amazonaws.com' },
                'DynamoDB creates its replication role on the first global table; the caller needs this once per account',
              ),
            ]
          : [];
      return {
        create: [
          call('dynamodb:CreateTable', table),
          ...tableKey,
          call('dynamodb:DescribeTable', table),
          ...((r.value('point_in_time_recovery') as { enabled?: boolean } | undefined)?.enabled ? [call('dynamodb:UpdateContinuousBackups', table)] : []),
          ...((r.value('ttl') as { enabled?: boolean } | undefined)?.enabled ? [call('dynamodb:UpdateTimeToLive', table)] : []),
          ...(replicas.length > 0 ? [call('dynamodb:UpdateTable', table), ...slr] : []),
          ...replicas.flatMap(createReplica),
        ],
        read: [...calls(reads, table), ...replicas.flatMap(replicaReads)],
        update: [
          ...calls(['dynamodb:UpdateTable', 'dynamodb:UpdateContinuousBackups', 'dynamodb:UpdateTimeToLive'], table),
          ...replicas.map((rep) => call('dynamodb:UpdateTable', arn('dynamodb', rep.region_name, r.accountId, `table/${name}`))),
        ],
        delete: [
          call('dynamodb:DeleteTable', table),
          call('dynamodb:DescribeTable', table),
          ...replicas.flatMap((rep) => calls(['dynamodb:DeleteTable', 'dynamodb:DeleteTableReplica'], arn('dynamodb', rep.region_name, r.accountId, `table/${name}`))),
        ],
        tag: [
          ...calls(['dynamodb:TagResource', 'dynamodb:UntagResource', 'dynamodb:ListTagsOfResource'], table),
          ...replicas.filter((rep) => rep.propagate_tags).flatMap((rep) => calls(['dynamodb:TagResource', 'dynamodb:UntagResource'], arn('dynamodb', rep.region_name, r.accountId, `table/${name}`))),
        ],
      };
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Lambda and Step Functions

const lambdaRows: ActionRow[] = [
  {
    type: 'aws_lambda_function',
    kind: 'resource',
    certainty: 'provider-source',
    basis:
      'provider internal/service/lambda/function.go (CreateFunction with Role and Tags, waiter GetFunction; read GetFunction (configuration, concurrency and tags), ListVersionsByFunction for the latest version, GetFunctionCodeSigningConfig for zip packages where the signer service exists; update UpdateFunctionConfiguration, UpdateFunctionCode, each followed by the GetFunction waiter; delete DeleteFunction); Lambda Developer Guide: CreateFunction needs iam:PassRole of the execution role, and lambda:TagResource when tags are given',
    taggable: true,
    attributes: (r) => {
      const a = arn('lambda', r.region, r.accountId, `function:${r.need('function_name')}`);
      return {
        arn: a,
        id: r.need('function_name'),
        function_name: r.need('function_name'),
        qualified_arn: `${a}:$LATEST`,
        invoke_arn: `arn:aws:apigateway:${r.region}:lambda:path/2015-03-31/functions/${a}/invocations`,
      };
    },
    calls: (r) => {
      const a = arn('lambda', r.region, r.accountId, `function:${r.need('function_name')}`);
      const role = passRole(r.need('role'), 'lambda.amazonaws.com');
      const reads = ['lambda:GetFunction', 'lambda:GetFunctionCodeSigningConfig', 'lambda:ListVersionsByFunction'];
      return {
        create: [call('lambda:CreateFunction', a), role, call('lambda:GetFunction', a)],
        read: calls(reads, a),
        update: [...calls(['lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:GetFunction'], a), role],
        delete: calls(['lambda:DeleteFunction'], a),
        tag: calls(['lambda:TagResource', 'lambda:UntagResource'], a),
      };
    },
  },
  {
    type: 'aws_lambda_permission',
    kind: 'resource',
    certainty: 'provider-source',
    basis: 'provider internal/service/lambda/permission.go (AddPermission, read by GetPolicy, RemovePermission; every change replaces)',
    taggable: false,
    attributes: (r) => ({ id: r.str('statement_id') ?? r.placeholder('uuid') }),
    calls: (r) => {
      const fn = r.need('function_name');
      const a = fn.startsWith('arn:') ? fn : arn('lambda', r.region, r.accountId, `function:${fn}`);
      return { create: calls(['lambda:AddPermission', 'lambda:GetPolicy'], a), read: calls(['lambda:GetPolicy'], a), delete: calls(['lambda:RemovePermission'], a) };
    },
  },
  {
    type: 'aws_lambda_function_event_invoke_config',
    kind: 'resource',
    certainty: 'uncertain',
    uncertain:
      "Lambda checks, when the configuration is put, that the function's execution role may use the destinations (sqs:SendMessage, sns:Publish, lambda:InvokeFunction); that is the execution role's policy, not the caller's, and is not evaluated here",
    basis:
      'provider internal/service/lambda/function_event_invoke_config.go (PutFunctionEventInvokeConfig on create and update, GetFunctionEventInvokeConfig, DeleteFunctionEventInvokeConfig, all on the function)',
    taggable: false,
    attributes: (r) => ({ id: r.need('function_name') }),
    calls: (r) => {
      const fn = r.need('function_name');
      const a = fn.startsWith('arn:') ? fn : arn('lambda', r.region, r.accountId, `function:${fn}`);
      return {
        create: calls(['lambda:PutFunctionEventInvokeConfig', 'lambda:GetFunctionEventInvokeConfig'], a),
        read: calls(['lambda:GetFunctionEventInvokeConfig'], a),
        update: calls(['lambda:PutFunctionEventInvokeConfig'], a),
        delete: calls(['lambda:DeleteFunctionEventInvokeConfig'], a),
      };
    },
  },
  {
    type: 'aws_sfn_state_machine',
    kind: 'resource',
    certainty: 'uncertain',
    uncertain:
      "the CloudWatch Logs delivery actions: Step Functions documents them for the state machine's role; whether the caller of CreateStateMachine is also checked is not documented (listed for the caller too). With a customer managed key: kms:DescribeKey, kms:GenerateDataKey and kms:Decrypt through Step Functions on create and update, kms:Decrypt on refresh (the definition is returned decrypted), as Step Functions' data-at-rest guide lists them; its encryption context is not evaluated here",
    basis:
      'provider internal/service/sfn/state_machine.go (CustomizeDiff ValidateStateMachineDefinition when the definition changes; CreateStateMachine with roleArn, logging, tracing, tags; waiter DescribeStateMachine; read DescribeStateMachine, ListStateMachineVersions, ListTagsForResource; UpdateStateMachine; DeleteStateMachine); Step Functions Developer Guide: iam:PassRole of the state machine role, tags need states:TagResource, "IAM policies for logging to CloudWatch Logs"',
    taggable: true,
    attributes: (r) => {
      const a = arn('states', r.region, r.accountId, `stateMachine:${r.need('name')}`);
      return { arn: a, id: a, name: r.need('name') };
    },
    calls: (r) => {
      const a = arn('states', r.region, r.accountId, `stateMachine:${r.need('name')}`);
      const role = passRole(r.need('role_arn'), 'states.amazonaws.com');
      const logging =
        r.value('logging_configuration') !== undefined
          ? [
              'logs:CreateLogDelivery',
              'logs:GetLogDelivery',
              'logs:UpdateLogDelivery',
              'logs:ListLogDeliveries',
              'logs:PutResourcePolicy',
              'logs:DescribeResourcePolicies',
              'logs:DescribeLogGroups',
            ].map((x) => call(x, '*', undefined, 'vended-log delivery set up on behalf of the caller'))
          : [];
      // A customer managed key encrypts the definition and execution data: Step Functions uses it
      // for the caller, with the state machine's ARN as encryption context.
      const enc = [r.value('encryption_configuration')].flat()[0] as { type?: string; kms_key_id?: string } | undefined;
      const key = enc?.type === 'CUSTOMER_MANAGED_KMS_KEY' && enc.kms_key_id ? enc.kms_key_id : undefined;
      const viaStates: Context = { 'kms:ViaService': `states.${r.region}.amazonaws.com`, 'kms:CallerAccount': r.accountId };
      const keyWrite = key ? calls(['kms:DescribeKey', 'kms:GenerateDataKey', 'kms:Decrypt'], key, viaStates) : [];
      const keyRead = key ? [call('kms:Decrypt', key, viaStates)] : [];
      return {
        // CustomizeDiff validates a changed, known definition with AWS on every plan.
        plan: [call('states:ValidateStateMachineDefinition', '*')],
        create: [call('states:CreateStateMachine', a), role, ...logging, ...keyWrite, call('states:DescribeStateMachine', a)],
        read: [...calls(['states:DescribeStateMachine', 'states:ListTagsForResource', 'states:ListStateMachineVersions'], a), ...keyRead],
        update: [call('states:UpdateStateMachine', a), role, ...logging, ...keyWrite],
        delete: calls(['states:DeleteStateMachine', 'states:DescribeStateMachine'], a),
        tag: calls(['states:TagResource', 'states:UntagResource'], a),
      };
    },
  },
];

// ---------------------------------------------------------------------------------------------
// API Gateway (REST). IAM authorises API Gateway management calls as apigateway:<HTTP verb> on the resource path.

const apigw = (region: string, path: string): string => `arn:aws:apigateway:${region}::${path}`;
const verbs = (region: string, create: [string, string], path: string, taggedArn?: string): PhaseCalls => ({
  create: [call(create[0], apigw(region, create[1])), call('apigateway:GET', apigw(region, path))],
  read: [call('apigateway:GET', apigw(region, path))],
  update: [call('apigateway:PATCH', apigw(region, path))],
  delete: [call('apigateway:DELETE', apigw(region, path))],
  ...(taggedArn ? { tag: [call('apigateway:PUT', apigw(region, `/tags/${encodeURIComponent(taggedArn)}`)), call('apigateway:DELETE', apigw(region, `/tags/${encodeURIComponent(taggedArn)}`))] } : {}),
});
const apigwBasis = (file: string): string =>
  `provider internal/service/apigateway/${file}; API Gateway Developer Guide "Control access for invoking and managing an API" (apigateway:<verb> on the resource path; tags on /tags/<encoded ARN>)`;

function apigwRow(type: string, file: string, taggable: boolean, attrs: (r: ResourceInput) => Record<string, string>, body: (r: ResourceInput) => PhaseCalls): ActionRow {
  return { type, kind: 'resource', certainty: 'documented', basis: apigwBasis(file), taggable, attributes: attrs, calls: body };
}

const methodPath = (r: ResourceInput): string => `/restapis/${r.need('rest_api_id')}/resources/${r.need('resource_id')}/methods/${r.need('http_method')}`;

const apigatewayRows: ActionRow[] = [
  apigwRow(
    'aws_api_gateway_rest_api',
    'rest_api.go',
    true,
    (r) => {
      const id = r.placeholder('apigw');
      return { id, arn: apigw(r.region, `/restapis/${id}`), root_resource_id: `${id}root`, execution_arn: arn('execute-api', r.region, r.accountId, id), name: r.need('name') };
    },
    (r) => {
      const id = r.placeholder('apigw');
      const base = verbs(r.region, ['apigateway:POST', '/restapis'], `/restapis/${id}`, apigw(r.region, `/restapis/${id}`));
      // The root resource id is read with GetResources after create and on every refresh.
      const resources = call('apigateway:GET', apigw(r.region, `/restapis/${id}/resources`));
      return {
        ...base,
        create: [...base.create!, resources, call('apigateway:PUT', apigw(r.region, `/restapis/${id}`), undefined, 'PutRestApi only when a body is given')],
        read: [...base.read!, resources],
      };
    },
  ),
  apigwRow(
    'aws_api_gateway_resource',
    'resource.go',
    false,
    (r) => ({ id: r.placeholder('apigw'), path: `/${r.need('path_part')}` }),
    (r) => verbs(r.region, ['apigateway:POST', `/restapis/${r.need('rest_api_id')}/resources`], `/restapis/${r.need('rest_api_id')}/resources/${r.placeholder('apigw')}`),
  ),
  apigwRow(
    'aws_api_gateway_method',
    'method.go',
    false,
    (r) => ({ id: `agm-${r.placeholder('apigw')}`, http_method: r.need('http_method') }),
    (r) => verbs(r.region, ['apigateway:PUT', methodPath(r)], methodPath(r)),
  ),
  apigwRow(
    'aws_api_gateway_method_response',
    'method_response.go',
    false,
    (r) => ({ id: `agmr-${r.placeholder('apigw')}`, status_code: r.need('status_code') }),
    (r) => verbs(r.region, ['apigateway:PUT', `${methodPath(r)}/responses/${r.need('status_code')}`], `${methodPath(r)}/responses/${r.need('status_code')}`),
  ),
  apigwRow(
    'aws_api_gateway_integration',
    'integration.go',
    false,
    (r) => ({ id: `agi-${r.placeholder('apigw')}`, uri: r.str('uri') ?? '' }),
    (r) => {
      const base = verbs(r.region, ['apigateway:PUT', `${methodPath(r)}/integration`], `${methodPath(r)}/integration`);
      const credentials = r.str('credentials');
      const pass = credentials?.startsWith('arn:aws:iam::') ? [passRole(credentials, 'apigateway.amazonaws.com')] : [];
      return { ...base, create: [...base.create!, ...pass], update: [...base.update!, ...pass] };
    },
  ),
  apigwRow(
    'aws_api_gateway_integration_response',
    'integration_response.go',
    false,
    (r) => ({ id: `agir-${r.placeholder('apigw')}` }),
    (r) => verbs(r.region, ['apigateway:PUT', `${methodPath(r)}/integration/responses/${r.need('status_code')}`], `${methodPath(r)}/integration/responses/${r.need('status_code')}`),
  ),
  apigwRow(
    'aws_api_gateway_gateway_response',
    'gateway_response.go',
    false,
    (r) => ({ id: `aggr-${r.placeholder('apigw')}` }),
    (r) => {
      const path = `/restapis/${r.need('rest_api_id')}/gatewayresponses/${r.need('response_type')}`;
      // Deleting a gateway response resets it: DeleteGatewayResponse.
      return verbs(r.region, ['apigateway:PUT', path], path);
    },
  ),
  apigwRow(
    'aws_api_gateway_model',
    'model.go',
    false,
    (r) => ({ id: r.placeholder('apigw'), name: r.need('name') }),
    (r) => verbs(r.region, ['apigateway:POST', `/restapis/${r.need('rest_api_id')}/models`], `/restapis/${r.need('rest_api_id')}/models/${r.need('name')}`),
  ),
  apigwRow(
    'aws_api_gateway_request_validator',
    'request_validator.go',
    false,
    (r) => ({ id: r.placeholder('apigw') }),
    (r) => verbs(r.region, ['apigateway:POST', `/restapis/${r.need('rest_api_id')}/requestvalidators`], `/restapis/${r.need('rest_api_id')}/requestvalidators/${r.placeholder('apigw')}`),
  ),
  apigwRow(
    'aws_api_gateway_deployment',
    'deployment.go',
    false,
    (r) => ({ id: r.placeholder('apigw') }),
    (r) => {
      const base = verbs(r.region, ['apigateway:POST', `/restapis/${r.need('rest_api_id')}/deployments`], `/restapis/${r.need('rest_api_id')}/deployments/${r.placeholder('apigw')}`);
      // Before deleting a deployment the provider lists the API's stages to find any still using it.
      return { ...base, delete: [call('apigateway:GET', apigw(r.region, `/restapis/${r.need('rest_api_id')}/stages`)), ...base.delete!] };
    },
  ),
  apigwRow(
    'aws_api_gateway_stage',
    'stage.go',
    true,
    (r) => ({
      id: `ags-${r.need('rest_api_id')}-${r.need('stage_name')}`,
      stage_name: r.need('stage_name'),
      arn: apigw(r.region, `/restapis/${r.need('rest_api_id')}/stages/${r.need('stage_name')}`),
      execution_arn: `${arn('execute-api', r.region, r.accountId, r.need('rest_api_id'))}/${r.need('stage_name')}`,
      invoke_url: `https://${r.need('rest_api_id')}.execute-api.${r.region}.amazonaws.com/${r.need('stage_name')}`,
    }),
    (r) => {
      const path = `/restapis/${r.need('rest_api_id')}/stages/${r.need('stage_name')}`;
      const base = verbs(r.region, ['apigateway:POST', `/restapis/${r.need('rest_api_id')}/stages`], path, apigw(r.region, path));
      // Access log settings and anything CreateStage does not take are applied by UpdateStage right after create.
      return { ...base, create: [...base.create!, call('apigateway:PATCH', apigw(r.region, path))] };
    },
  ),
  {
    type: 'aws_api_gateway_rest_api_policy',
    kind: 'resource',
    certainty: 'documented',
    basis:
      'provider internal/service/apigateway/rest_api_policy.go (UpdateRestApi with a replace of /policy, GetRestApi to read it back, UpdateRestApi removing it on delete); Service Authorization Reference: a resource policy on an API is authorised as apigateway:UpdateRestApiPolicy as well as apigateway:PATCH on the restapi',
    taggable: false,
    attributes: (r) => ({ id: r.need('rest_api_id') }),
    calls: (r) => {
      const api = apigw(r.region, `/restapis/${r.need('rest_api_id')}`);
      const write = [call('apigateway:PATCH', api), call('apigateway:UpdateRestApiPolicy', api)];
      return { create: [...write, call('apigateway:GET', api)], read: [call('apigateway:GET', api)], update: write, delete: write };
    },
  },
  apigwRow(
    'aws_api_gateway_method_settings',
    'method_settings.go',
    false,
    (r) => ({ id: `${r.need('rest_api_id')}-${r.need('stage_name')}-${r.need('method_path')}` }),
    (r) => {
      const stage = apigw(r.region, `/restapis/${r.need('rest_api_id')}/stages/${r.need('stage_name')}`);
      return {
        create: [call('apigateway:PATCH', stage), call('apigateway:GET', stage)],
        read: [call('apigateway:GET', stage)],
        update: [call('apigateway:PATCH', stage)],
        delete: [call('apigateway:PATCH', stage)],
      };
    },
  ),
  {
    type: 'aws_api_gateway_account',
    kind: 'resource',
    certainty: 'uncertain',
    uncertain: 'delete: the 6.x resource resets the account settings (PATCH /account) only with reset_on_delete; listed in any case',
    basis:
      'provider internal/service/apigateway/account.go (UpdateAccount: PATCH /account with cloudwatchRoleArn, retried while API Gateway cannot yet assume the role; GetAccount); API Gateway Developer Guide "Set up CloudWatch logging": iam:PassRole of the CloudWatch role',
    taggable: false,
    attributes: (r) => ({ id: 'api-gateway-account', cloudwatch_role_arn: r.str('cloudwatch_role_arn') ?? '' }),
    calls: (r) => {
      const account = apigw(r.region, '/account');
      const role = r.str('cloudwatch_role_arn');
      const pass = role ? [passRole(role, 'apigateway.amazonaws.com')] : [];
      return {
        create: [call('apigateway:PATCH', account), ...pass, call('apigateway:GET', account)],
        read: [call('apigateway:GET', account)],
        update: [call('apigateway:PATCH', account), ...pass],
        delete: [call('apigateway:PATCH', account)],
      };
    },
  },
  apigwRow(
    'aws_api_gateway_api_key',
    'api_key.go',
    true,
    (r) => ({ id: r.placeholder('apigw'), arn: apigw(r.region, `/apikeys/${r.placeholder('apigw')}`), name: r.need('name') }),
    (r) => verbs(r.region, ['apigateway:POST', '/apikeys'], `/apikeys/${r.placeholder('apigw')}`, apigw(r.region, `/apikeys/${r.placeholder('apigw')}`)),
  ),
  apigwRow(
    'aws_api_gateway_usage_plan',
    'usage_plan.go',
    true,
    (r) => ({ id: r.placeholder('apigw'), arn: apigw(r.region, `/usageplans/${r.placeholder('apigw')}`), name: r.need('name') }),
    (r) => {
      const path = `/usageplans/${r.placeholder('apigw')}`;
      const base = verbs(r.region, ['apigateway:POST', '/usageplans'], path, apigw(r.region, path));
      // Throttle and quota settings that CreateUsagePlan does not take are set by UpdateUsagePlan after create.
      return { ...base, create: [...base.create!, call('apigateway:PATCH', apigw(r.region, path))] };
    },
  ),
  {
    type: 'aws_api_gateway_domain_name',
    kind: 'resource',
    certainty: 'uncertain',
    uncertain: 'whether API Gateway checks the caller of CreateDomainName against the ACM certificate (acm:DescribeCertificate) is not documented; not listed',
    basis: apigwBasis('domain_name.go (CreateDomainName with regionalCertificateArn, endpoint type and security policy; GetDomainName; UpdateDomainName; DeleteDomainName)'),
    taggable: true,
    attributes: (r) => {
      const name = r.need('domain_name');
      return {
        id: name,
        domain_name: name,
        arn: apigw(r.region, `/domainnames/${name}`),
        regional_domain_name: `d-${r.placeholder('apigw')}.execute-api.${r.region}.amazonaws.com`,
        regional_zone_id: 'Z0000000000000',
      };
    },
    calls: (r) => {
      const base = verbs(r.region, ['apigateway:POST', '/domainnames'], `/domainnames/${r.need('domain_name')}`, apigw(r.region, `/domainnames/${r.need('domain_name')}`));
      // API Gateway's guide ("Set up a Regional custom domain name"): the first custom domain with an ACM certificate creates its service-linked role.
      const slr = call(
        'iam:CreateServiceLinkedRole',
        `arn:aws:iam::${r.accountId}:role/aws-service-role/ops.apigateway.amazonaws.com/AWSServiceRoleForAPIGateway`,
        { 'iam:AWSServiceName': 'ops.apigateway.amazonaws.com' },
        'API Gateway creates its service-linked role with the first custom domain; the caller needs this once per account',
      );
      return { ...base, create: [...(base.create ?? []), slr] };
    },
  },
  apigwRow(
    'aws_api_gateway_base_path_mapping',
    'base_path_mapping.go',
    false,
    (r) => ({ id: `${r.need('domain_name')}/`, domain_name: r.need('domain_name') }),
    (r) => {
      const mappings = `/domainnames/${r.need('domain_name')}/basepathmappings`;
      // The empty base path is addressed as "(none)".
      return verbs(r.region, ['apigateway:POST', mappings], `${mappings}/${r.str('base_path') || '(none)'}`);
    },
  ),
  apigwRow(
    'aws_api_gateway_usage_plan_key',
    'usage_plan_key.go',
    false,
    (r) => ({ id: r.need('key_id') }),
    (r) => {
      const path = `/usageplans/${r.need('usage_plan_id')}/keys`;
      return {
        create: [call('apigateway:POST', apigw(r.region, path))],
        read: [call('apigateway:GET', apigw(r.region, `${path}/${r.need('key_id')}`))],
        delete: [call('apigateway:DELETE', apigw(r.region, `${path}/${r.need('key_id')}`))],
      };
    },
  ),
];

// ---------------------------------------------------------------------------------------------
// CloudWatch, CloudWatch Logs, EventBridge

const logGroupArn = (r: ResourceInput): string => arn('logs', r.region, r.accountId, `log-group:${r.need('name')}`);

const monitoringRows: ActionRow[] = [
  {
    type: 'aws_cloudwatch_log_group',
    kind: 'resource',
    certainty: 'uncertain',
    uncertain:
      'whether CreateLogGroup with kmsKeyId also checks logs:AssociateKmsKey against the caller (listed); the key policy must let the CloudWatch Logs service use the key, which is the run-time side',
    basis:
      'provider internal/service/logs/group.go (CreateLogGroup with kmsKeyId and tags, PutRetentionPolicy, read by DescribeLogGroups (authorised only on "*") and ListTagsForResource, DeleteLogGroup); CloudWatch Logs User Guide: tags on CreateLogGroup need logs:TagResource',
    taggable: true,
    attributes: (r) => ({ arn: logGroupArn(r), id: r.need('name'), name: r.need('name') }),
    calls: (r) => {
      const a = logGroupArn(r);
      const key = r.str('kms_key_id') ? [call('logs:AssociateKmsKey', a, undefined, 'key given at create')] : [];
      return {
        create: [call('logs:CreateLogGroup', a), ...key, ...(r.str('retention_in_days') ? [call('logs:PutRetentionPolicy', a)] : []), call('logs:DescribeLogGroups', '*')],
        read: [call('logs:DescribeLogGroups', '*'), call('logs:ListTagsForResource', a)],
        update: calls(['logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy', 'logs:AssociateKmsKey', 'logs:DisassociateKmsKey'], a),
        delete: calls(['logs:DeleteLogGroup'], a),
        tag: calls(['logs:TagResource', 'logs:UntagResource'], a),
      };
    },
  },
  {
    type: 'aws_cloudwatch_metric_alarm',
    kind: 'resource',
    certainty: 'provider-source',
    basis:
      'provider internal/service/cloudwatch/metric_alarm.go (PutMetricAlarm with Tags, read DescribeAlarms and ListTagsForResource, DeleteAlarms); CloudWatch User Guide: tags on PutMetricAlarm need cloudwatch:TagResource',
    taggable: true,
    attributes: (r) => ({ arn: arn('cloudwatch', r.region, r.accountId, `alarm:${r.need('alarm_name')}`), id: r.need('alarm_name'), alarm_name: r.need('alarm_name') }),
    calls: (r) => {
      const a = arn('cloudwatch', r.region, r.accountId, `alarm:${r.need('alarm_name')}`);
      return {
        create: calls(['cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms'], a),
        read: calls(['cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource'], a),
        update: calls(['cloudwatch:PutMetricAlarm'], a),
        delete: calls(['cloudwatch:DeleteAlarms'], a),
        tag: calls(['cloudwatch:TagResource', 'cloudwatch:UntagResource'], a),
      };
    },
  },
  {
    type: 'aws_cloudwatch_dashboard',
    kind: 'resource',
    certainty: 'provider-source',
    basis: 'provider internal/service/cloudwatch/dashboard.go (PutDashboard, GetDashboard, DeleteDashboards; no tags)',
    taggable: false,
    attributes: (r) => ({ dashboard_arn: `arn:aws:cloudwatch::${r.accountId}:dashboard/${r.need('dashboard_name')}`, id: r.need('dashboard_name') }),
    calls: (r) => {
      const a = `arn:aws:cloudwatch::${r.accountId}:dashboard/${r.need('dashboard_name')}`;
      return {
        create: calls(['cloudwatch:PutDashboard', 'cloudwatch:GetDashboard'], a),
        read: calls(['cloudwatch:GetDashboard'], a),
        update: calls(['cloudwatch:PutDashboard'], a),
        delete: calls(['cloudwatch:DeleteDashboards'], a),
      };
    },
  },
  {
    type: 'aws_cloudwatch_event_rule',
    kind: 'resource',
    certainty: 'provider-source',
    basis:
      'provider internal/service/events/rule.go (PutRule with Tags, waiter and read DescribeRule, ListTagsForResource, DeleteRule); EventBridge User Guide: tags on PutRule need events:TagResource',
    taggable: true,
    attributes: (r) => {
      const bus = r.str('event_bus_name');
      const a = arn('events', r.region, r.accountId, `rule/${bus && bus !== 'default' ? `${bus}/` : ''}${r.need('name')}`);
      return { arn: a, id: r.need('name'), name: r.need('name') };
    },
    calls: (r) => {
      const bus = r.str('event_bus_name');
      const a = arn('events', r.region, r.accountId, `rule/${bus && bus !== 'default' ? `${bus}/` : ''}${r.need('name')}`);
      return {
        create: calls(['events:PutRule', 'events:DescribeRule'], a),
        read: calls(['events:DescribeRule', 'events:ListTagsForResource'], a),
        update: calls(['events:PutRule'], a),
        delete: calls(['events:DeleteRule'], a),
        tag: calls(['events:TagResource', 'events:UntagResource'], a),
      };
    },
  },
  {
    type: 'aws_cloudwatch_event_target',
    kind: 'resource',
    certainty: 'provider-source',
    basis: 'provider internal/service/events/target.go (PutTargets, read ListTargetsByRule, RemoveTargets, all on the rule; iam:PassRole when the target has role_arn)',
    taggable: false,
    attributes: (r) => ({ id: `${r.need('rule')}-${r.need('target_id')}` }),
    calls: (r) => {
      const bus = r.str('event_bus_name');
      const rule = arn('events', r.region, r.accountId, `rule/${bus && bus !== 'default' ? `${bus}/` : ''}${r.need('rule')}`);
      const role = r.str('role_arn');
      const pass = role ? [passRole(role, 'events.amazonaws.com')] : [];
      return {
        create: [call('events:PutTargets', rule), ...pass, call('events:ListTargetsByRule', rule)],
        read: calls(['events:ListTargetsByRule'], rule),
        update: [call('events:PutTargets', rule), ...pass],
        delete: calls(['events:RemoveTargets'], rule),
      };
    },
  },
];

// ---------------------------------------------------------------------------------------------
// SNS, SQS, Secrets Manager

const topicArn = (r: ResourceInput, name: string): string => arn('sns', r.region, r.accountId, name);
const queueArn = (region: string, account: string, name: string): string => arn('sqs', region, account, name);

/** A queue URL (what `aws_sqs_queue.url` resolves to) back to the queue's ARN. */
function queueArnFromUrl(url: string): string {
  const m = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\/(\d{12})\/(.+)$/.exec(url);
  if (!m) throw new Error(`not a queue URL: ${url}`);
  return queueArn(m[1]!, m[2]!, m[3]!);
}

const messagingRows: ActionRow[] = [
  {
    type: 'aws_sns_topic',
    kind: 'resource',
    certainty: 'provider-source',
    basis:
      'provider internal/service/sns/topic.go (CreateTopic with Attributes and Tags, SetTopicAttributes for the attributes CreateTopic cannot take, read GetTopicAttributes and ListTagsForResource, DeleteTopic); SNS Developer Guide: tags on CreateTopic need sns:TagResource',
    taggable: true,
    attributes: (r) => ({ arn: topicArn(r, r.need('name')), id: topicArn(r, r.need('name')), name: r.need('name') }),
    calls: (r) => {
      const a = topicArn(r, r.need('name'));
      return {
        create: calls(['sns:CreateTopic', 'sns:SetTopicAttributes', 'sns:GetTopicAttributes'], a),
        read: calls(['sns:GetTopicAttributes', 'sns:ListTagsForResource'], a),
        update: calls(['sns:SetTopicAttributes'], a),
        delete: calls(['sns:DeleteTopic'], a),
        tag: calls(['sns:TagResource', 'sns:UntagResource'], a),
      };
    },
  },
  {
    type: 'aws_sns_topic_policy',
    kind: 'resource',
    certainty: 'provider-source',
    basis: 'provider internal/service/sns/topic_policy.go (SetTopicAttributes Policy, read GetTopicAttributes, delete restores the default policy with SetTopicAttributes)',
    taggable: false,
    attributes: (r) => ({ id: r.need('arn') }),
    calls: (r) => {
      const a = r.need('arn');
      return {
        create: calls(['sns:SetTopicAttributes', 'sns:GetTopicAttributes'], a),
        read: calls(['sns:GetTopicAttributes'], a),
        update: calls(['sns:SetTopicAttributes'], a),
        delete: calls(['sns:SetTopicAttributes'], a),
      };
    },
  },
  {
    type: 'aws_sns_topic_subscription',
    kind: 'resource',
    certainty: 'uncertain',
    uncertain:
      "the Service Authorization Reference gives GetSubscriptionAttributes, SetSubscriptionAttributes and Unsubscribe the topic as an optional resource type; evaluated on the subscription's topic",
    basis: 'provider internal/service/sns/topic_subscription.go (Subscribe on the topic, then GetSubscriptionAttributes; SetSubscriptionAttributes; Unsubscribe)',
    taggable: false,
    attributes: (r) => ({ arn: `${r.need('topic_arn')}:${r.placeholder('uuid')}`, id: `${r.need('topic_arn')}:${r.placeholder('uuid')}` }),
    calls: (r) => {
      const topic = r.need('topic_arn');
      return {
        create: calls(['sns:Subscribe', 'sns:GetSubscriptionAttributes'], topic),
        read: calls(['sns:GetSubscriptionAttributes'], topic),
        update: calls(['sns:SetSubscriptionAttributes'], topic),
        delete: calls(['sns:Unsubscribe'], topic),
      };
    },
  },
  {
    type: 'aws_sqs_queue',
    kind: 'resource',
    certainty: 'provider-source',
    basis:
      'provider internal/service/sqs/queue.go (CreateQueue with Attributes and tags, waiter GetQueueAttributes, read GetQueueAttributes and ListQueueTags, SetQueueAttributes, DeleteQueue); SQS Developer Guide: tags on CreateQueue need sqs:TagQueue',
    taggable: true,
    attributes: (r) => ({
      arn: queueArn(r.region, r.accountId, r.need('name')),
      id: `https://sqs.${r.region}.amazonaws.com/${r.accountId}/${r.need('name')}`,
      url: `https://sqs.${r.region}.amazonaws.com/${r.accountId}/${r.need('name')}`,
      name: r.need('name'),
    }),
    calls: (r) => {
      const a = queueArn(r.region, r.accountId, r.need('name'));
      return {
        create: calls(['sqs:CreateQueue', 'sqs:GetQueueAttributes'], a),
        read: calls(['sqs:GetQueueAttributes', 'sqs:ListQueueTags'], a),
        update: calls(['sqs:SetQueueAttributes'], a),
        delete: calls(['sqs:DeleteQueue'], a),
        tag: calls(['sqs:TagQueue', 'sqs:UntagQueue'], a),
      };
    },
  },
  {
    type: 'aws_sqs_queue_policy',
    kind: 'resource',
    certainty: 'provider-source',
    basis: 'provider internal/service/sqs/queue_policy.go (SetQueueAttributes Policy, read GetQueueAttributes, delete SetQueueAttributes with an empty policy)',
    taggable: false,
    attributes: (r) => ({ id: r.need('queue_url') }),
    calls: (r) => {
      const a = queueArnFromUrl(r.need('queue_url'));
      return {
        create: calls(['sqs:SetQueueAttributes', 'sqs:GetQueueAttributes'], a),
        read: calls(['sqs:GetQueueAttributes'], a),
        update: calls(['sqs:SetQueueAttributes'], a),
        delete: calls(['sqs:SetQueueAttributes'], a),
      };
    },
  },
  {
    type: 'aws_secretsmanager_secret',
    kind: 'resource',
    certainty: 'provider-source',
    basis:
      'provider internal/service/secretsmanager/secret.go (CreateSecret with KmsKeyId and Tags, waiter DescribeSecret, read DescribeSecret and GetResourcePolicy, UpdateSecret, DeleteSecret); Secrets Manager User Guide: tags on CreateSecret need secretsmanager:TagResource; the key is used (kms:GenerateDataKey) only when a value is stored, and this resource stores none',
    taggable: true,
    attributes: (r) => {
      const a = arn('secretsmanager', r.region, r.accountId, `secret:${r.need('name')}-${r.placeholder('secret-suffix')}`);
      return { arn: a, id: a, name: r.need('name') };
    },
    calls: (r) => {
      const a = arn('secretsmanager', r.region, r.accountId, `secret:${r.need('name')}-${r.placeholder('secret-suffix')}`);
      return {
        create: calls(['secretsmanager:CreateSecret', 'secretsmanager:DescribeSecret'], a),
        read: calls(['secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy'], a),
        update: calls(['secretsmanager:UpdateSecret'], a),
        delete: calls(['secretsmanager:DeleteSecret'], a),
        tag: calls(['secretsmanager:TagResource', 'secretsmanager:UntagResource'], a),
      };
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Terraform's own data sources

const terraformRows: ActionRow[] = [
  {
    type: 'terraform_remote_state',
    kind: 'data',
    certainty: 'documented',
    basis:
      'Terraform "terraform_remote_state" with the s3 backend: reads another stack\'s state object from the state bucket with the credentials the backend itself uses (the CI role or the administrator, in the deployment account), never through the AWS provider; so it asks nothing of the access role in the target account',
    taggable: false,
    attributes: () => ({}),
    calls: () => ({}),
  },
];

/** Every row, one per (kind, type). */
export const ACTION_TABLE: readonly ActionRow[] = [...iamRows, ...kmsRows, ...s3Rows, ...dynamodbRows, ...lambdaRows, ...apigatewayRows, ...monitoringRows, ...messagingRows, ...terraformRows];

const byKey = new Map(ACTION_TABLE.map((row) => [`${row.kind}:${row.type}`, row] as const));
if (byKey.size !== ACTION_TABLE.length) throw new Error('two rows of the action table describe the same type');

/** The row for a resource type or data source, or undefined when the table has none. */
export function rowFor(kind: 'resource' | 'data', type: string): ActionRow | undefined {
  return byKey.get(`${kind}:${type}`);
}
