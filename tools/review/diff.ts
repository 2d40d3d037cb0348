/**
 * Resource-level comparison of two syntheses of one stack: generic over Terraform
 * resource types. A resource is identified by its address (`type.name`, the construct's
 * logical id): a changed construct id is a destroy plus a create, exactly as Terraform
 * would plan it without a `moved` block.
 */
import { plannedAction, type StackPlan } from './plans';
import type { ResourceAction, ResourceChange, TfJson } from './types';

/**
 * Resource types that hold data or identity that a re-create loses: their destroy or
 * replacement is listed first in the review. Extend when a module adds another.
 */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  'aws_dynamodb_table',
  'aws_dynamodb_table_replica',
  'aws_dynamodb_global_table',
  'aws_s3_bucket',
  'aws_s3_directory_bucket',
  'aws_kms_key',
  'aws_kms_replica_key',
  'aws_kms_external_key',
  'aws_kms_replica_external_key',
  'aws_cloudwatch_log_group',
  'aws_sqs_queue',
  'aws_secretsmanager_secret',
  'aws_backup_vault',
  'aws_db_instance',
  'aws_rds_cluster',
  'aws_efs_file_system',
  'aws_ebs_volume',
  'aws_elasticache_replication_group',
  'aws_opensearch_domain',
  'aws_kinesis_stream',
  'aws_cognito_user_pool',
]);

/**
 * Identity ("ForceNew") attributes: a change to any of these makes Terraform destroy and
 * re-create the resource. Only the attributes that matter for review, per type; the
 * `provider` meta-argument (another region or account) replaces any resource.
 */
export const REPLACING_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  aws_dynamodb_table: ['name', 'hash_key', 'range_key', 'local_secondary_index'],
  aws_dynamodb_table_replica: ['global_table_arn'],
  aws_s3_bucket: ['bucket', 'bucket_prefix', 'object_lock_enabled'],
  aws_kms_key: ['multi_region', 'customer_master_key_spec', 'key_usage', 'custom_key_store_id', 'xks_key_id'],
  aws_kms_replica_key: ['primary_key_arn'],
  aws_cloudwatch_log_group: ['name', 'name_prefix'],
  aws_sqs_queue: ['name', 'name_prefix', 'fifo_queue'],
  aws_sns_topic: ['name', 'name_prefix', 'fifo_topic'],
  aws_secretsmanager_secret: ['name', 'name_prefix'],
  aws_iam_role: ['name', 'name_prefix', 'path'],
  aws_iam_policy: ['name', 'name_prefix', 'path'],
  aws_iam_role_policy: ['name', 'role'],
  aws_lambda_function: ['function_name'],
  aws_sfn_state_machine: ['name', 'type'],
  aws_kms_alias: ['name'],
  aws_s3_bucket_policy: ['bucket'],
  aws_api_gateway_rest_api: [],
  aws_db_instance: ['identifier', 'engine', 'kms_key_id', 'storage_encrypted'],
  aws_rds_cluster: ['cluster_identifier', 'engine', 'kms_key_id', 'storage_encrypted'],
  aws_efs_file_system: ['creation_token', 'encrypted', 'kms_key_id'],
  aws_kinesis_stream: ['name'],
};

/** Metadata cdktf writes beside the configuration; it never reaches a plan. */
export function stripMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripMetadata);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      if (key === '//') continue;
      out[key] = stripMetadata((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

const flattened = new WeakMap<object, ReadonlyMap<string, string>>();

/**
 * `path → leaf value` (JSON-encoded), for attribute-level comparison. A review asks this of
 * each resource several times (diff, security, protection, peers), so the answer for an object
 * is kept for as long as the object lives; the documents a review reads are never changed.
 */
export function flatten(value: unknown): ReadonlyMap<string, string> {
  if (typeof value !== 'object' || value === null) return flattenInto(value, '', new Map());
  let hit = flattened.get(value);
  if (hit === undefined) flattened.set(value, (hit = flattenInto(value, '', new Map())));
  return hit;
}

function flattenInto(value: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(prefix, '[]');
    value.forEach((v, i) => flattenInto(v, `${prefix}[${i}]`, out));
  } else if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    if (keys.length === 0) out.set(prefix, '{}');
    for (const k of keys.sort()) flattenInto((value as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, JSON.stringify(value));
  }
  return out;
}

/** Attribute paths whose values differ (added, removed or changed), sorted. */
export function changedPaths(before: unknown, after: unknown): string[] {
  const b = flatten(before);
  const a = flatten(after);
  const paths = new Set<string>();
  for (const [k, v] of b) if (a.get(k) !== v) paths.add(k);
  for (const k of a.keys()) if (!b.has(k)) paths.add(k);
  return [...paths].sort();
}

const topAttribute = (path: string) => path.split(/[.[]/)[0]!;

export interface AddressedResource {
  readonly address: string;
  readonly type: string;
  readonly config: Record<string, unknown>;
}

export function resourcesIn(tf: TfJson | undefined): Map<string, AddressedResource> {
  const out = new Map<string, AddressedResource>();
  for (const [type, byName] of Object.entries(tf?.resource ?? {})) {
    for (const [name, config] of Object.entries(byName)) {
      out.set(`${type}.${name}`, { address: `${type}.${name}`, type, config: stripMetadata(config) as Record<string, unknown> });
    }
  }
  return new Map([...out.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

/** Every resource-level change between two versions of one stack (either may be absent); Terraform's plan decides the actions when there is one. */
export function diffResources(stack: string, before: TfJson | undefined, after: TfJson | undefined, plan?: StackPlan): ResourceChange[] {
  const b = resourcesIn(before);
  const a = resourcesIn(after);
  if (plan) return fromPlan(stack, b, a, plan);
  const addresses = [...new Set([...b.keys(), ...a.keys()])].sort();
  const out: ResourceChange[] = [];
  for (const address of addresses) {
    const old = b.get(address);
    const cur = a.get(address);
    const type = (old ?? cur)!.type;
    const stateful = STATEFUL_TYPES.has(type);
    let action: ResourceAction;
    let paths: string[] = [];
    let replacedBecause: string[] = [];
    if (!old) action = 'create';
    else if (!cur) action = 'delete';
    else {
      paths = changedPaths(old.config, cur.config);
      if (paths.length === 0) continue;
      const identity = new Set([...(REPLACING_ATTRIBUTES[type] ?? []), 'provider']);
      replacedBecause = [...new Set(paths.map(topAttribute).filter((p) => identity.has(p)))].sort();
      action = replacedBecause.length > 0 ? 'replace' : 'update';
    }
    out.push({ stack, address, type, action, changedPaths: paths, replacedBecause, stateful, source: 'heuristic' });
  }
  return out;
}

/** The plan's actions; changed paths from the configuration where both sides have the resource. */
function fromPlan(stack: string, b: Map<string, AddressedResource>, a: Map<string, AddressedResource>, plan: StackPlan): ResourceChange[] {
  const out: ResourceChange[] = [];
  for (const c of [...plan.changes].sort((x, y) => (x.address < y.address ? -1 : x.address > y.address ? 1 : 0))) {
    const action = plannedAction(c);
    if (action === 'none') continue;
    const old = b.get(c.previous_address ?? c.address) ?? b.get(c.address);
    const cur = a.get(c.address);
    const paths = old && cur ? changedPaths(old.config, cur.config) : [];
    const replacedBecause = action === 'replace' ? [...(c.replace_paths ?? []), ...(c.action_reason ? [c.action_reason] : [])] : [];
    out.push({
      stack,
      address: c.address,
      type: c.type,
      action,
      changedPaths: paths,
      replacedBecause: replacedBecause.length ? replacedBecause : action === 'replace' ? ['(Terraform gave no reason)'] : [],
      stateful: STATEFUL_TYPES.has(c.type),
      source: 'plan',
      ...(action === 'move' ? { previousAddress: c.previous_address! } : {}),
    });
  }
  return out;
}

/** Top-level blocks other than `resource` that differ (provider, backend, variables, outputs, data sources). */
export function diffConfiguration(before: TfJson | undefined, after: TfJson | undefined): string[] {
  const blocks = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const out: string[] = [];
  for (const block of [...blocks].sort()) {
    if (block === 'resource' || block === '//') continue;
    const b = stripMetadata((before ?? {})[block]);
    const a = stripMetadata((after ?? {})[block]);
    if (JSON.stringify(b) === JSON.stringify(a)) continue;
    const sub = new Set([...Object.keys((b ?? {}) as object), ...Object.keys((a ?? {}) as object)]);
    for (const k of [...sub].sort()) {
      const x = JSON.stringify((b as Record<string, unknown> | undefined)?.[k]);
      const y = JSON.stringify((a as Record<string, unknown> | undefined)?.[k]);
      if (x !== y) out.push(`${block}.${k}`);
    }
  }
  return out;
}
