/**
 * Security-sensitive changes between two versions of one stack, generic over resource
 * types:
 *  - every attribute anywhere in a resource whose value is a policy document (a JSON string
 *    with `Statement`) is diffed statement by statement (see policy.ts); policy-named
 *    attributes that hold a whole Terraform expression are reported as not analysable and
 *    counted as broadening, so nothing slips through unread;
 *  - resource-based permissions and grants (Lambda permissions, KMS grants, policy
 *    attachments), S3 public access blocks and ACLs;
 *  - encryption and TLS settings (any attribute about KMS keys, SSE, encryption, TLS);
 *  - provider changes (which account may be touched, which role is assumed: F-19).
 */
import { changedPaths, flatten, resourcesIn, type AddressedResource } from './diff';
import { describeStatement, diffPolicies, parsePolicy, type ParsedPolicy } from './policy';
import type { SecurityCategory, SecurityClass, SecurityFinding, TfJson } from './types';

const POLICY_ATTRIBUTE = /(^|\.)(policy|assume_role_policy|access_policy|access_policies|resource_policy|permissions_boundary_policy)$/;

/** Every policy-bearing attribute of a resource: path → raw string. */
export function policiesOf(config: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, encoded] of flatten(config)) {
    const value = JSON.parse(encoded) as unknown;
    if (typeof value !== 'string') continue;
    if (parsePolicy(value) !== undefined || (POLICY_ATTRIBUTE.test(path) && value.includes('${'))) out.set(path, value);
  }
  return out;
}

export function policyCategory(type: string, path: string): SecurityCategory {
  if (path === 'assume_role_policy' || path.endsWith('.assume_role_policy')) return 'trust';
  if (type === 'aws_kms_key' || type === 'aws_kms_replica_key' || type === 'aws_kms_external_key' || type === 'aws_kms_replica_external_key') return 'key-policy';
  if (type.startsWith('aws_iam_') || type === 'aws_ssoadmin_permission_set_inline_policy') return 'iam-permission';
  return 'resource-policy';
}

const isTls = (text: string) => /aws:SecureTransport|aws:TlsVersion|s3:TlsVersion/i.test(text);

function policyFindings(stack: string, r: { address: string; type: string }, path: string, before: string | undefined, after: string | undefined): SecurityFinding[] {
  const category = policyCategory(r.type, path);
  const pb = before === undefined ? undefined : parsePolicy(before);
  const pa = after === undefined ? undefined : parsePolicy(after);
  const change: SecurityFinding['change'] = before === undefined ? 'added' : after === undefined ? 'removed' : 'modified';
  if ((before !== undefined && !pb) || (after !== undefined && !pa)) {
    // Not a literal JSON policy (a whole Terraform expression): compare as text, assume the worst.
    return [
      {
        stack,
        address: r.address,
        attribute: path,
        category,
        alsoCategories: [],
        class: 'broadening',
        change,
        summary: `${category} ${change}, not analysable (the policy is a Terraform expression): review by hand`,
        details: [`~ before: ${before ?? '(none)'}`, `~ after: ${after ?? '(none)'}`],
      },
    ];
  }
  return diffPolicies(pb as ParsedPolicy | undefined, pa as ParsedPolicy | undefined).map((c) => {
    const s = c.after ?? c.before!;
    const cls: SecurityClass = c.widens ? 'broadening' : c.narrows ? 'narrowing' : 'changed';
    const text = JSON.stringify([describeStatement(s), c.details]);
    return {
      stack,
      address: r.address,
      attribute: path,
      category,
      alsoCategories: isTls(text) ? (['tls'] as SecurityCategory[]) : [],
      class: cls,
      change: c.change,
      summary: `${category} statement ${c.change}: ${describeStatement(c.after ?? c.before!, c.change === 'modified' ? 2 : Infinity)}`,
      details: c.details,
    };
  });
}

// ---------------------------------------------------------------- non-policy rules

const PUBLIC_ACCESS_BLOCK_TYPES = new Set(['aws_s3_bucket_public_access_block', 'aws_s3_account_public_access_block']);
const GRANT_TYPES: Record<string, string> = {
  aws_kms_grant: 'grantee_principal',
  aws_iam_role_policy_attachment: 'policy_arn',
  aws_iam_user_policy_attachment: 'policy_arn',
  aws_iam_group_policy_attachment: 'policy_arn',
  aws_iam_policy_attachment: 'policy_arn',
  aws_lakeformation_permissions: 'principal',
  aws_ram_principal_association: 'principal',
};
const LAMBDA_PERMISSION_TYPES = new Set(['aws_lambda_permission', 'aws_lambda_layer_version_permission']);
const ENCRYPTION_TYPES = new Set(['aws_s3_bucket_server_side_encryption_configuration', 'aws_ebs_encryption_by_default']);
const ENCRYPTION_PATH = /(^|[._[\]])(kms[a-z_]*|sse[a-z_]*|server_side_encryption[a-z_]*|encrypt[a-z_]*|enable_key_rotation|rotation_period_in_days|key_id)($|[._[\]])/i;
const TLS_PATH = /(^|[._[\]])(tls[a-z_]*|ssl[a-z_]*|security_policy|minimum_protocol_version|secure_transport|enforce_https|https_only)($|[._[\]])/i;

const val = (r: AddressedResource | undefined, attr: string): unknown => r?.config[attr];
const show = (v: unknown) => (v === undefined ? '(unset)' : typeof v === 'string' ? v : JSON.stringify(v));

function f(
  stack: string,
  r: AddressedResource,
  attribute: string,
  category: SecurityCategory,
  cls: SecurityClass,
  change: SecurityFinding['change'],
  summary: string,
  details: string[] = [],
): SecurityFinding {
  return { stack, address: r.address, attribute, category, alsoCategories: [], class: cls, change, summary, details };
}

function weakerEncryption(before: unknown, after: unknown): SecurityClass {
  const off = (v: unknown) => v === undefined || v === false || v === '' || v === 'AES256' || v === 'NONE' || v === 'DISABLED';
  if (!off(before) && off(after)) return 'broadening';
  if (off(before) && !off(after)) return 'narrowing';
  return 'changed';
}

function ruleFindings(stack: string, old: AddressedResource | undefined, cur: AddressedResource | undefined, policyPaths: Set<string>): SecurityFinding[] {
  const r = (cur ?? old)!;
  const type = r.type;
  const change: SecurityFinding['change'] = !old ? 'added' : !cur ? 'removed' : 'modified';
  const out: SecurityFinding[] = [];

  if (PUBLIC_ACCESS_BLOCK_TYPES.has(type)) {
    const attrs = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'];
    if (change === 'added') out.push(f(stack, r, '(resource)', 'public-access', 'narrowing', change, 'public access block added'));
    else if (change === 'removed') out.push(f(stack, r, '(resource)', 'public-access', 'broadening', change, 'public access block removed: the bucket may become public'));
    else
      for (const a of attrs) {
        const b = val(old, a) === true;
        const n = val(cur, a) === true;
        if (b && !n) out.push(f(stack, r, a, 'public-access', 'broadening', change, `${a} turned off`));
        if (!b && n) out.push(f(stack, r, a, 'public-access', 'narrowing', change, `${a} turned on`));
      }
    return out;
  }
  if (type === 'aws_s3_bucket_acl' || type === 'aws_s3_bucket_ownership_controls') {
    const text = JSON.stringify(cur?.config ?? {});
    const publicNow = /public-read|authenticated-read|AllUsers|AuthenticatedUsers/.test(text);
    if (change !== 'modified' || changedPaths(old!.config, cur!.config).length > 0)
      out.push(
        f(stack, r, '(resource)', 'public-access', publicNow ? 'broadening' : change === 'removed' ? 'changed' : 'changed', change, `${type} ${change}${publicNow ? ': grants public access' : ''}`),
      );
    return out;
  }
  if (LAMBDA_PERMISSION_TYPES.has(type)) {
    const describe = (x: AddressedResource) =>
      `${show(val(x, 'principal'))} may ${show(val(x, 'action'))} on ${show(val(x, 'function_name') ?? val(x, 'layer_name'))}` +
      (val(x, 'source_arn') !== undefined ? ` from ${show(val(x, 'source_arn'))}` : '') +
      (val(x, 'source_account') !== undefined ? ` (source account ${show(val(x, 'source_account'))})` : '') +
      (val(x, 'principal_org_id') !== undefined ? ` (org ${show(val(x, 'principal_org_id'))})` : '');
    if (change === 'added') out.push(f(stack, r, '(resource)', 'lambda-permission', 'broadening', change, `Lambda permission added: ${describe(cur!)}`));
    else if (change === 'removed') out.push(f(stack, r, '(resource)', 'lambda-permission', 'narrowing', change, `Lambda permission removed: ${describe(old!)}`));
    else {
      const details: string[] = [];
      let widens = false;
      for (const a of ['principal', 'action', 'function_name', 'qualifier', 'function_url_auth_type']) {
        if (val(old, a) !== val(cur, a)) {
          widens = true;
          details.push(`+ ${a}: ${show(val(old, a))} → ${show(val(cur, a))}`);
        }
      }
      for (const a of ['source_arn', 'source_account', 'principal_org_id', 'event_source_token']) {
        const b = val(old, a);
        const n = val(cur, a);
        if (b === n) continue;
        if (n === undefined) {
          widens = true;
          details.push(`+ ${a} removed (was ${show(b)}) (guard condition)`);
        } else if (b === undefined) details.push(`- ${a} added: ${show(n)}`);
        else {
          widens = true;
          details.push(`+ ${a}: ${show(b)} → ${show(n)}`);
        }
      }
      if (details.length) out.push(f(stack, r, '(resource)', 'lambda-permission', widens ? 'broadening' : 'narrowing', change, `Lambda permission changed: ${describe(cur!)}`, details));
    }
    return out;
  }
  if (GRANT_TYPES[type] !== undefined) {
    const who = GRANT_TYPES[type]!;
    const describe = (x: AddressedResource) =>
      `${who} ${show(val(x, who))}${val(x, 'operations') ? ` operations ${show(val(x, 'operations'))}` : ''}${val(x, 'role') ? ` to role ${show(val(x, 'role'))}` : ''}`;
    if (change === 'added') out.push(f(stack, r, '(resource)', 'grant', 'broadening', change, `${type} added: ${describe(cur!)}`));
    else if (change === 'removed') out.push(f(stack, r, '(resource)', 'grant', 'narrowing', change, `${type} removed: ${describe(old!)}`));
    else if (changedPaths(old!.config, cur!.config).length) out.push(f(stack, r, '(resource)', 'grant', 'broadening', change, `${type} changed: ${describe(old!)} → ${describe(cur!)}`));
    return out;
  }
  if (ENCRYPTION_TYPES.has(type)) {
    if (change === 'added') out.push(f(stack, r, '(resource)', 'encryption', 'narrowing', change, `${type} added`));
    else if (change === 'removed') out.push(f(stack, r, '(resource)', 'encryption', 'broadening', change, `${type} removed: default encryption falls back`));
  }
  if (change !== 'modified') return out;

  // Attribute-level rules for a resource present on both sides (generic over types).
  const b = flatten(old!.config);
  const a = flatten(cur!.config);
  for (const path of changedPaths(old!.config, cur!.config)) {
    if ([...policyPaths].some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`))) continue;
    const bv = b.has(path) ? (JSON.parse(b.get(path)!) as unknown) : undefined;
    const av = a.has(path) ? (JSON.parse(a.get(path)!) as unknown) : undefined;
    if (type === 'aws_iam_role' && /^managed_policy_arns\[/.test(path)) {
      out.push(f(stack, r, path, 'iam-permission', av !== undefined ? 'broadening' : 'narrowing', change, `managed policy ${av !== undefined ? `attached: ${show(av)}` : `detached: ${show(bv)}`}`));
    } else if (TLS_PATH.test(path)) {
      out.push(f(stack, r, path, 'tls', 'changed', change, `TLS setting ${path}: ${show(bv)} → ${show(av)}`));
    } else if (ENCRYPTION_PATH.test(path) || ENCRYPTION_TYPES.has(type)) {
      out.push(f(stack, r, path, 'encryption', weakerEncryption(bv, av), change, `encryption setting ${path}: ${show(bv)} → ${show(av)}`));
    }
  }
  return out;
}

function providerFindings(stack: string, before: TfJson | undefined, after: TfJson | undefined): SecurityFinding[] {
  if (!before || !after) return [];
  const paths = changedPaths(before.provider ?? {}, after.provider ?? {}).filter((p) => /allowed_account_ids|forbidden_account_ids|assume_role|role_arn|region/.test(p));
  if (paths.length === 0) return [];
  const bf = flatten(before.provider ?? {});
  const af = flatten(after.provider ?? {});
  const pseudo: AddressedResource = { address: 'provider', type: 'provider', config: {} };
  return paths.map((p) => f(stack, pseudo, p, 'provider', 'changed', 'modified', `provider ${p}: ${bf.get(p) ?? '(unset)'} → ${af.get(p) ?? '(unset)'}`));
}

/** Every security-sensitive change in one stack; deterministic order. */
export function securityFindings(stack: string, before: TfJson | undefined, after: TfJson | undefined): SecurityFinding[] {
  const b = resourcesIn(before);
  const a = resourcesIn(after);
  const out: SecurityFinding[] = [...providerFindings(stack, before, after)];
  for (const address of [...new Set([...b.keys(), ...a.keys()])].sort()) {
    const old = b.get(address);
    const cur = a.get(address);
    const r = (cur ?? old)!;
    const bp = old ? policiesOf(old.config) : new Map<string, string>();
    const ap = cur ? policiesOf(cur.config) : new Map<string, string>();
    for (const path of [...new Set([...bp.keys(), ...ap.keys()])].sort()) {
      if (bp.get(path) === ap.get(path)) continue;
      out.push(...policyFindings(stack, r, path, bp.get(path), ap.get(path)));
    }
    out.push(...ruleFindings(stack, old, cur, new Set([...bp.keys(), ...ap.keys()])));
  }
  return out;
}
