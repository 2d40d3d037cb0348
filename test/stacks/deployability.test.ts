/**
 * What AWS checks when the deploy role applies a payments stack for the first time, read off
 * the synthesized Terraform of the example organisation and of another organisation:
 * - every role the deploy role creates carries the account's permissions boundary (the
 *   deploy policy allows iam:CreateRole only with it), and the boundary exists in the
 *   bootstrap stack that is applied before;
 * - the deploy role may manage the project's EventBridge rules and targets, and the plan
 *   role may read them back on refresh;
 * - a role's trust names its service, with aws:SourceAccount/aws:SourceArn only where the
 *   service sends them;
 * - nothing the workflow reads at run time is left for someone to create (the gateway
 *   secret exists only where it is read; API Gateway's execution log group is ours);
 * - the failure recorder's own failures land in the dead-letter queue.
 */
import type { Manifest, Workload } from '../../accounts/schema';
import { Naming } from '../../modules/core/naming';
import { simulate, type PolicyDocument } from '../support/iam-sim';
import { otherOrganisation } from '../support/manifests';
import { exampleManifest, parseManifest, policyJson, resourcesOf, synthManifest, type TfJson } from '../support/synth';

type Cfg = Record<string, any>;
const resources = (tf: TfJson, type: string) => resourcesOf(tf, type) as [string, Cfg][];

const cases: [string, () => Manifest][] = [
  ['example organisation', exampleManifest],
  ['another organisation', () => parseManifest(otherOrganisation())],
];

describe.each(cases)('first apply of the payments stacks — %s', (_label, load) => {
  const m = load();
  const s = synthManifest(m);
  const naming = new Naming(m);
  const paymentsStacks = s.specs.filter((x) => x.kind === 'payments');
  const workloadOf = (name: string): Workload => m.workloads.find((w) => w.name === name)!;
  const accessPolicies = (w: Workload) => {
    const boot = s.stacks.get(`bootstrap-${w.name}`)!;
    const [, boundary] = resources(boot, 'aws_iam_policy').find(([, c]) => c.name === naming.boundaryPolicyName())!;
    const roleId = (name: string) => resources(boot, 'aws_iam_role').find(([, c]) => c.name === name)![0];
    const inline = (name: string) =>
      resources(boot, 'aws_iam_role_policy')
        .filter(([, p]) => String(p.role).includes(`.${roleId(name)}.`))
        .map(([, p]) => policyJson(p.policy) as PolicyDocument);
    return { boundary: policyJson(boundary.policy) as PolicyDocument, deploy: inline(naming.accessRoleName('deploy')), plan: inline(naming.accessRoleName('plan')) };
  };

  test("given any payments stack, then every role in it carries its account's permissions boundary, which the bootstrap stack of that account creates first", () => {
    for (const spec of paymentsStacks) {
      const tf = s.stacks.get(spec.name)!;
      const roles = resources(tf, 'aws_iam_role');
      expect(roles.length).toBeGreaterThan(0);
      for (const [id, role] of roles) {
        expect([spec.name, id, role.permissions_boundary]).toEqual([spec.name, id, naming.boundaryPolicyArn(spec.accountId)]);
      }
      expect(spec.dependsOn.some((d) => d === `bootstrap-${spec.workload}` || s.specs.find((x) => x.name === d)?.dependsOn.includes(`bootstrap-${spec.workload}`))).toBe(true);
    }
  });

  test('given the deployment account, then its deploy role may change nothing (an administrator applies every stack there), least of all the state bucket and key', async () => {
    const d = m.deployment.accountId;
    const boot = s.stacks.get(`deployment-${m.deployment.region}`)!;
    const [, boundary] = resources(boot, 'aws_iam_policy').find(([, c]) => c.name === naming.boundaryPolicyName())!;
    const roleId = resources(boot, 'aws_iam_role').find(([, c]) => c.name === naming.accessRoleName('deploy'))![0];
    const deploy = resources(boot, 'aws_iam_role_policy')
      .filter(([, p]) => String(p.role).includes(`.${roleId}.`))
      .map(([, p]) => policyJson(p.policy) as PolicyDocument);
    const ask = (action: string, resource: string, context: Record<string, string | string[]> = {}) =>
      simulate({
        principal: naming.accessRoleArn('deploy', d),
        action,
        resource,
        resourceAccount: d,
        identityPolicies: deploy,
        permissionBoundary: policyJson(boundary.policy) as PolicyDocument,
        context,
      });
    const state = `arn:aws:s3:::${naming.stateBucket}`;
    for (const [action, resource] of [
      ['s3:PutBucketVersioning', state],
      ['s3:PutBucketPolicy', state],
      ['s3:DeleteObject', `${state}/stacks/x/terraform.tfstate`],
      ['s3:PutLifecycleConfiguration', state],
      ['lambda:CreateFunction', `arn:aws:lambda:${m.deployment.region}:${d}:function:${naming.project}-x`],
    ]) {
      expect([action, await ask(action, resource)]).toEqual([action, expect.stringMatching(/Denied$/)]);
    }
    const key = `arn:aws:kms:${m.deployment.region}:${d}:key/11111111-2222-3333-4444-555555555555`;
    expect(await ask('kms:ScheduleKeyDeletion', key, { 'kms:ResourceAliases': [naming.keyAlias('tfstate')] })).toBe('ExplicitlyDenied');
    expect(await ask('s3:GetBucketVersioning', state)).toBe('ExplicitlyDenied');
    expect(await ask('lambda:GetFunction', `arn:aws:lambda:${m.deployment.region}:${d}:function:${naming.project}-x`)).toBe('Allowed');
  });

  test('given the deploy role and its boundary, then iam:CreateRole is allowed for a role carrying the boundary and denied for one without it', async () => {
    const w = m.workloads[0]!;
    const { boundary, deploy } = accessPolicies(w);
    const role = `arn:aws:iam::${w.accountId}:role/${naming.forWorkload(w).role('validate', w.primaryRegion)}`;
    const base = {
      principal: naming.accessRoleArn('deploy', w.accountId),
      action: 'iam:CreateRole',
      resource: role,
      resourceAccount: w.accountId,
      identityPolicies: deploy,
      permissionBoundary: boundary,
    };
    expect(await simulate({ ...base, context: { 'iam:PermissionsBoundary': naming.boundaryPolicyArn(w.accountId) } })).toBe('Allowed');
    expect(await simulate({ ...base, context: {} })).not.toBe('Allowed');
  });

  test('given the failed-executions rule of each payments stack, then the deploy role may create it and its targets, and the plan role may read both back', async () => {
    for (const spec of paymentsStacks) {
      const w = workloadOf(spec.workload!);
      const { boundary, deploy, plan } = accessPolicies(w);
      const tf = s.stacks.get(spec.name)!;
      const rules = resources(tf, 'aws_cloudwatch_event_rule');
      expect(rules.length).toBeGreaterThan(0);
      for (const [, rule] of rules) {
        const arn = `arn:aws:events:${spec.region}:${spec.accountId}:rule/${rule.name}`;
        const ask = (principal: string, identityPolicies: PolicyDocument[], action: string, permissionBoundary?: PolicyDocument) =>
          simulate({ principal, action, resource: arn, resourceAccount: spec.accountId, identityPolicies, permissionBoundary, context: {} });
        for (const action of ['events:PutRule', 'events:PutTargets', 'events:TagResource', 'events:RemoveTargets', 'events:DeleteRule']) {
          expect([spec.name, action, await ask(naming.accessRoleArn('deploy', spec.accountId), deploy, action, boundary)]).toEqual([spec.name, action, 'Allowed']);
        }
        for (const action of ['events:DescribeRule', 'events:ListTargetsByRule', 'events:ListTagsForResource']) {
          expect([spec.name, action, await ask(naming.accessRoleArn('plan', spec.accountId), plan, action)]).toEqual([spec.name, action, 'Allowed']);
        }
      }
    }
  });

  test('given the counters table of each payments stack, then the deploy role may create and configure it (TTL, PITR, tags, deletion protection) and the plan role may read it back', async () => {
    for (const spec of paymentsStacks) {
      const w = workloadOf(spec.workload!);
      const { boundary, deploy, plan } = accessPolicies(w);
      const tf = s.stacks.get(spec.name)!;
      const name = naming.forWorkload(w).table('counters');
      expect(resources(tf, 'aws_dynamodb_table').filter(([, t]) => t.name === name)).toHaveLength(1);
      const arn = `arn:aws:dynamodb:${spec.region}:${spec.accountId}:table/${name}`;
      const ask = (principal: string, identityPolicies: PolicyDocument[], action: string, permissionBoundary?: PolicyDocument) =>
        simulate({ principal, action, resource: arn, resourceAccount: spec.accountId, identityPolicies, permissionBoundary, context: {} });
      for (const action of ['dynamodb:CreateTable', 'dynamodb:UpdateTimeToLive', 'dynamodb:UpdateContinuousBackups', 'dynamodb:UpdateTable', 'dynamodb:TagResource', 'dynamodb:DescribeTable']) {
        expect([spec.name, action, await ask(naming.accessRoleArn('deploy', spec.accountId), deploy, action, boundary)]).toEqual([spec.name, action, 'Allowed']);
      }
      for (const action of ['dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive', 'dynamodb:DescribeContinuousBackups', 'dynamodb:ListTagsOfResource']) {
        expect([spec.name, action, await ask(naming.accessRoleArn('plan', spec.accountId), plan, action)]).toEqual([spec.name, action, 'Allowed']);
      }
    }
  });

  test('given every role of a payments stack, then its trust names one service, with aws:SourceAccount and aws:SourceArn only for Step Functions and S3', () => {
    for (const spec of paymentsStacks) {
      for (const [id, role] of resources(s.stacks.get(spec.name)!, 'aws_iam_role')) {
        const [st, ...rest] = policyJson(role.assume_role_policy).Statement as Cfg[];
        expect(rest).toEqual([]);
        const service = st!.Principal.Service as string;
        if (service === 'states.amazonaws.com' || service === 's3.amazonaws.com') {
          expect([id, st!.Condition.StringEquals['aws:SourceAccount']]).toEqual([id, spec.accountId]);
          expect(st!.Condition.ArnLike['aws:SourceArn'].length).toBeGreaterThan(0);
        } else {
          expect([id, service, st!.Condition]).toEqual([id, expect.stringMatching(/^(lambda|apigateway)\.amazonaws\.com$/), undefined]);
        }
      }
    }
  });

  test('given a sandbox workload, then no gateway secret is created or read; given a live one, then the secret exists and only the functions that call the gateway (charge, reconcile) may read it', () => {
    for (const spec of paymentsStacks) {
      const tf = s.stacks.get(spec.name)!;
      const live = workloadOf(spec.workload!).environment === 'prod';
      const secrets = resources(tf, 'aws_secretsmanager_secret');
      const env = resources(tf, 'aws_lambda_function').map(([, f]) => [f.function_name as string, (f.environment?.variables ?? {}) as Record<string, string>] as const);
      const readers = env.filter(([, v]) => v.GATEWAY_SECRET_ARN !== undefined).map(([name]) => name);
      const grants = resources(tf, 'aws_iam_role_policy').filter(([, p]) => String(p.policy).includes('secretsmanager:GetSecretValue'));
      if (live) {
        expect(secrets).toHaveLength(1);
        const wn = naming.forWorkload(workloadOf(spec.workload!));
        expect(readers).toEqual([wn.function('charge'), wn.function('reconcile')]);
        expect(grants.map(([name]) => name).sort()).toEqual([expect.stringMatching(/charge/), expect.stringMatching(/reconcile/)]);
      } else {
        expect([spec.name, secrets, readers, grants]).toEqual([spec.name, [], [], []]);
      }
    }
  });

  test("given the API of each payments stack, then its execution log group is created encrypted and with a retention before the stage logs, and the account's logging role may write the region's log groups and read none", () => {
    for (const spec of paymentsStacks) {
      const tf = s.stacks.get(spec.name)!;
      const [apiId] = resources(tf, 'aws_api_gateway_rest_api')[0]!;
      const [, stage] = resources(tf, 'aws_api_gateway_stage')[0]!;
      const groups = resources(tf, 'aws_cloudwatch_log_group');
      const execution = groups.find(([, g]) => g.name === `API-Gateway-Execution-Logs_\${aws_api_gateway_rest_api.${apiId}.id}/${stage.stage_name}`);
      expect(execution).toBeDefined();
      expect(execution![1].kms_key_id).toBeTruthy();
      expect(execution![1].retention_in_days).toBeGreaterThan(0);
      expect(stage.depends_on).toContain(`aws_cloudwatch_log_group.${execution![0]}`);
      const [roleId] = resources(tf, 'aws_iam_role').find(([, r]) => String(r.name).includes('-api-'))!;
      const [, policy] = resources(tf, 'aws_iam_role_policy').find(([, p]) => String(p.role).includes(`.${roleId}.`))!;
      // API Gateway checks the account-level role against its documented policy: its actions on the
      // region's log groups of this account, nothing wider.
      const writes = (policyJson(policy.policy).Statement as Cfg[]).find((x) => x.Sid === 'WriteApiLogs')!;
      const regionGroups = `arn:aws:logs:${spec.region}:${spec.accountId}:log-group:*`;
      expect(writes.Resource).toEqual([regionGroups, `${regionGroups}:log-stream:*`]);
      expect([...writes.Action].sort()).toEqual([
        'logs:CreateLogGroup',
        'logs:CreateLogStream',
        'logs:DescribeLogGroups',
        'logs:DescribeLogStreams',
        'logs:FilterLogEvents',
        'logs:GetLogEvents',
        'logs:PutLogEvents',
      ]);
      expect((policyJson(policy.policy).Statement as Cfg[]).length).toBe(1);
    }
  });

  test('given the state machine role, then it may read X-Ray sampling rules and targets (tracing is on)', () => {
    for (const spec of paymentsStacks) {
      const tf = s.stacks.get(spec.name)!;
      const [roleId] = resources(tf, 'aws_iam_role').find(([, r]) => String(r.name).includes('-states-'))!;
      const [, policy] = resources(tf, 'aws_iam_role_policy').find(([, p]) => String(p.role).includes(`.${roleId}.`))!;
      const actions = (policyJson(policy.policy).Statement as Cfg[]).flatMap((x) => [x.Action].flat());
      expect(actions).toEqual(expect.arrayContaining(['xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:PutTraceSegments']));
    }
  });

  test("given the failure recorder, then events it fails to record go to the dead-letter queue after Lambda's retries, and its role may send them there", () => {
    for (const spec of paymentsStacks) {
      const tf = s.stacks.get(spec.name)!;
      const [fnId, fn] = resources(tf, 'aws_lambda_function').find(([, f]) => String(f.function_name).endsWith('-failure'))!;
      const [queueId] = resources(tf, 'aws_sqs_queue')[0]!;
      const [, config] = resources(tf, 'aws_lambda_function_event_invoke_config').find(([, c]) => c.function_name === `\${aws_lambda_function.${fnId}.function_name}`)!;
      expect(config.destination_config.on_failure.destination).toBe(`\${aws_sqs_queue.${queueId}.arn}`);
      const roleRef = String(fn.role).replace(/\.arn\}$/, '');
      const [, policy] = resources(tf, 'aws_iam_role_policy').find(([, p]) => String(p.role).startsWith(roleRef))!;
      const send = (policyJson(policy.policy).Statement as Cfg[]).find((x) => [x.Action].flat().includes('sqs:SendMessage'));
      expect(send?.Resource).toBe(`\${aws_sqs_queue.${queueId}.arn}`);
    }
  });

  test('given reconciliation, then a run that fails goes to the dead-letter queue at once (not run again: the next scheduled run comes within minutes), and its role may send it there', () => {
    for (const spec of paymentsStacks) {
      const tf = s.stacks.get(spec.name)!;
      const [fnId, fn] = resources(tf, 'aws_lambda_function').find(([, f]) => String(f.function_name).endsWith('-reconcile'))!;
      const [queueId] = resources(tf, 'aws_sqs_queue')[0]!;
      const [, config] = resources(tf, 'aws_lambda_function_event_invoke_config').find(([, c]) => c.function_name === `\${aws_lambda_function.${fnId}.function_name}`)!;
      expect([config.maximum_retry_attempts, config.maximum_event_age_in_seconds, config.destination_config.on_failure.destination]).toEqual([0, 300, `\${aws_sqs_queue.${queueId}.arn}`]);
      const roleRef = String(fn.role).replace(/\.arn\}$/, '');
      const [, policy] = resources(tf, 'aws_iam_role_policy').find(([, p]) => String(p.role).startsWith(roleRef))!;
      const send = (policyJson(policy.policy).Statement as Cfg[]).find((x) => [x.Action].flat().includes('sqs:SendMessage'));
      expect(send?.Resource).toBe(`\${aws_sqs_queue.${queueId}.arn}`);
    }
  });
});
