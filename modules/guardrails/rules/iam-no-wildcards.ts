import { isTelemetryAction, TELEMETRY_ACTIONS } from '../telemetry-actions';
import { describeStatement, parsePolicy, policiesOf, POLICY_TYPES, strings } from '../tf';
import type { Rule, Violation } from '../types';

/** `*`, or a whole service (`s3:*`). Prefix wildcards such as `s3:GetObjectVersion*` name a closed family and are allowed. */
export function isWildcardAction(action: string): boolean {
  return action === '*' || /^[a-z0-9-]+:\*$/i.test(action);
}

/** `*`, or every resource of a service (`arn:aws:s3:::*`, `arn:aws:logs:*:*:*`). Object paths such as `<bucket ARN>/*` are fine. */
export function isWildcardResource(resource: string): boolean {
  return resource === '*' || /^arn:aws[a-z-]*:[a-z0-9-]*:[^:]*:[^:]*:\*$/.test(resource) || /^arn:aws[a-z-]*:s3:::\*$/.test(resource);
}

/**
 * F-14: Allow statements name their actions and resources. No `*` or `service:*` action
 * (nor NotAction/NotResource); no `*` resource unless every action is a telemetry call
 * from the allow-list (`TELEMETRY_ACTIONS`). In key policies `Resource: "*"` means "this
 * key" and is exempt; wildcard actions are not. Deny statements may use wildcards (they
 * only narrow). Trust policies are checked by `resource-policy-open-principal`.
 */
export const iamNoWildcards: Rule = {
  id: 'iam-no-wildcards',
  description: 'IAM, resource and key policies grant no * actions and no * resources beyond the telemetry allow-list',
  failures: ['F-14'],
  appliesTo: POLICY_TYPES,
  fix: `list the exact actions and the resource ARNs (use the grant methods on the resource constructs); only ${Object.keys(TELEMETRY_ACTIONS).join(', ')} may use Resource "*"`,
  check(b) {
    const out: Violation[] = [];
    for (const policy of policiesOf(b)) {
      if (policy.kind === 'trust') continue;
      const parsed = parsePolicy(policy.value);
      if (!parsed.ok) {
        out.push({
          message: `${policy.where}: ${parsed.reason}; guardrails cannot inspect it`,
          fix: 'write policies as JSON.stringify of a typed document (references inside strings are fine), not a data source or jsonencode()',
        });
        continue;
      }
      parsed.statements.forEach((s, i) => {
        if (s.Effect !== 'Allow') return;
        const where = `${policy.where} ${describeStatement(s, i)}`;
        // What a suppression names to cover a finding (see Violation.subjects): `<Sid or #n>/<action>` for a
        // wildcard action, `<Sid or #n>/<action> on <resource>` for an action on a wildcard resource.
        const statement = `${policy.where === 'policy' ? '' : `${policy.where}:`}${s.Sid ?? `#${i + 1}`}`;
        const about = (parts: readonly string[]) => parts.map((p) => `${statement}/${p}`);
        if (s.NotAction !== undefined) out.push({ message: `${where} uses NotAction in an Allow (grants everything else)`, subjects: about(['NotAction']) });
        if (s.NotResource !== undefined) out.push({ message: `${where} uses NotResource in an Allow (grants every other resource)`, subjects: about(['NotResource']) });
        const actions = strings(s.Action);
        const wild = actions.filter(isWildcardAction);
        if (wild.length > 0) out.push({ message: `${where} allows wildcard action${wild.length > 1 ? 's' : ''} ${wild.join(', ')}`, subjects: about(wild) });
        if (policy.kind === 'key') return; // a key policy's Resource "*" means this key
        const wildResources = strings(s.Resource).filter(isWildcardResource);
        if (wildResources.length === 0) return;
        const notTelemetry = actions.filter((a) => !isTelemetryAction(a));
        if (notTelemetry.length > 0) {
          out.push({ message: `${where} allows ${notTelemetry.join(', ')} on ${wildResources.join(', ')}`, subjects: about(notTelemetry.flatMap((a) => wildResources.map((r) => `${a} on ${r}`))) });
        }
      });
    }
    return out;
  },
};
