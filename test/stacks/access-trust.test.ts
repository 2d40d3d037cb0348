/**
 * Who may become whom, proved on the SYNTHESIZED trust and permission policies (parsed from
 * the Terraform JSON of every stack) with the IAM simulator (F-14, F-19, F-25): for the
 * example manifest and for a manifest of another organisation with five workloads.
 */
import type { Manifest } from '../../accounts/schema';
import { ciApplyPurpose, DEPLOY_STAGES, deployStageOf, GITHUB_OIDC_HOST, Naming } from '../../modules/core/naming';
import { STAGE_ENVIRONMENTS } from '../../modules/access/github-oidc';
import { simulate, type Decision, type PolicyDocument } from '../support/iam-sim';
import { exampleManifest, policyJson, resourcesOf, synthManifest, type TfJson } from '../support/synth';
import { otherOrgManifest } from './other-org';

interface SynthRole {
  readonly name: string;
  readonly arn: string;
  readonly accountId: string;
  readonly trust: PolicyDocument;
  readonly policies: PolicyDocument[];
  readonly boundary?: PolicyDocument;
}

/** A key ARN stands in for the state key's Terraform reference (only known at apply time). */
const keyArnFor = (m: Manifest) => `arn:aws:kms:${m.deployment.region}:${m.deployment.accountId}:key/11111111-2222-3333-4444-555555555555`;

/** Managed policies of every stack by the ARN they will have (roles of one stack name the boundary of another by its ARN). */
function managedPoliciesByArn(stacks: { tf: TfJson; accountId: string }[]): Record<string, Record<string, unknown>> {
  return Object.fromEntries(stacks.flatMap(({ tf, accountId }) => resourcesOf(tf, 'aws_iam_policy').map(([, cfg]) => [`arn:aws:iam::${accountId}:policy/${String(cfg.name)}`, cfg])));
}

function rolesOf(tf: TfJson, accountId: string, m: Manifest, byArn: Record<string, Record<string, unknown>>): SynthRole[] {
  const policies = resourcesOf(tf, 'aws_iam_role_policy');
  const managed = { ...byArn, ...Object.fromEntries(resourcesOf(tf, 'aws_iam_policy').map(([id, cfg]) => [`\${aws_iam_policy.${id}.arn}`, cfg])) };
  const parse = (v: unknown) => policyJson(String(v).replace(/\$\{aws_kms_key\.[^}]+\.arn\}/g, keyArnFor(m))) as PolicyDocument;
  return resourcesOf(tf, 'aws_iam_role').map(([id, cfg]) => {
    const boundaryRef = cfg.permissions_boundary as string | undefined;
    if (boundaryRef !== undefined && managed[boundaryRef] === undefined) throw new Error(`role ${id}: boundary ${boundaryRef} is not a policy any stack creates`);
    return {
      name: cfg.name as string,
      arn: `arn:aws:iam::${accountId}:role/${cfg.name as string}`,
      accountId,
      trust: parse(cfg.assume_role_policy),
      policies: policies.filter(([, p]) => p.role === `\${aws_iam_role.${id}.name}`).map(([, p]) => parse(p.policy)),
      boundary: boundaryRef !== undefined ? parse(managed[boundaryRef]!.policy) : undefined,
    };
  });
}

const cases: [string, () => Manifest][] = [
  ['example manifest', exampleManifest],
  ['another organisation (5 workloads, other regions)', otherOrgManifest],
];

describe.each(cases)('access roles and CI identities — %s', (_label, load) => {
  const m = load();
  const naming = new Naming(m);
  const synth = synthManifest(m);
  const byArn = managedPoliciesByArn(synth.specs.map((s) => ({ tf: synth.stacks.get(s.name)!, accountId: s.accountId })));
  const all: SynthRole[] = synth.specs.flatMap((s) => rolesOf(synth.stacks.get(s.name)!, s.accountId, m, byArn));
  const role = (name: string, accountId: string): SynthRole => {
    const found = all.filter((r) => r.name === name && r.accountId === accountId);
    if (found.length !== 1) throw new Error(`expected one role ${name} in ${accountId}, found ${found.length}`);
    return found[0]!;
  };
  const targets = naming.targetAccountIds();
  const workloads = m.workloads.map((w) => w.accountId);
  const ciApplyOf = (stage: (typeof DEPLOY_STAGES)[number]) => role(naming.ciRoleName(ciApplyPurpose(stage)), m.deployment.accountId);
  const ciApply = ciApplyOf('shared');
  const ciPlan = role(naming.ciRoleName('ci-plan'), m.deployment.accountId);
  const access = (p: 'deploy' | 'plan' | 'audit', a: string) => role(naming.accessRoleName(p), a);
  const org = m.organization.id;
  const assume = (caller: { arn: string; policies?: PolicyDocument[] }, target: SynthRole, context: Record<string, string> = { 'aws:PrincipalOrgID': org }): Promise<Decision> =>
    simulate({
      principal: caller.arn,
      action: 'sts:AssumeRole',
      resource: target.arn,
      resourceAccount: target.accountId,
      identityPolicies: caller.policies ?? [],
      resourcePolicy: target.trust,
      context,
    });

  test('given every target account, then it has exactly one deploy, plan and audit role (F-19)', () => {
    for (const a of targets) for (const p of ['deploy', 'plan', 'audit'] as const) expect(access(p, a).arn).toBe(naming.accessRoleArn(p, a));
    expect(all.filter((r) => r.accountId === m.audit.accountId)).toEqual([]);
  });

  test("given each stage's apply role, when it assumes each deploy role, then exactly the deploy roles of its stage's accounts are allowed", async () => {
    for (const stage of DEPLOY_STAGES) {
      for (const a of targets) {
        const expected = deployStageOf(m, a) === stage ? 'Allowed' : 'not allowed';
        expect(`${stage} → ${a}: ${(await assume(ciApplyOf(stage), access('deploy', a))) === 'Allowed' ? 'Allowed' : 'not allowed'}`).toBe(`${stage} → ${a}: ${expected}`);
      }
    }
  });

  test('given ci-plan, then it assumes every plan role but no deploy role (F-14)', async () => {
    for (const a of targets) {
      expect(await assume(ciPlan, access('plan', a))).toBe('Allowed');
      expect(await assume(ciPlan, access('deploy', a))).not.toBe('Allowed');
    }
  });

  describe('GitHub OIDC web identity (F-14)', () => {
    const repo = m.deployment.repository;
    const host = GITHUB_OIDC_HOST;
    const mainRef = `refs/heads/${m.deployment.defaultBranch}`;
    /**
     * The simulator's condition-key data lacks the generic OIDC `sub` and `aud` keys (it
     * ignores them, so any statement using them never matches). They are asserted exactly on
     * the synthesized statement below; the simulation evaluates the rest of that same
     * statement (principal, action, repository and ref claims) with those two keys removed.
     */
    const simulable = (trust: PolicyDocument): PolicyDocument => {
      const copy = structuredClone(trust) as { Statement: Record<string, any>[] };
      for (const s of copy.Statement) for (const k of [`${host}:sub`, `${host}:aud`]) delete s.Condition.StringEquals[k];
      return copy as PolicyDocument;
    };
    const oidc = (target: SynthRole, claims: { repository: string; ref: string; environment?: string; workflow?: string }) =>
      simulate({
        principal: naming.githubOidcProviderArn(),
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: target.arn,
        resourceAccount: target.accountId,
        resourcePolicy: simulable(target.trust),
        context: {
          [`${host}:repository`]: claims.repository,
          [`${host}:ref`]: claims.ref,
          [`${host}:job_workflow_ref`]: `${claims.repository}/.github/workflows/${claims.workflow ?? 'deploy.yml'}@${claims.ref}`,
          ...(claims.environment !== undefined ? { [`${host}:environment`]: claims.environment } : {}),
        },
      });
    const pr = { repository: repo, ref: 'refs/pull/42/merge' };

    test('given the synthesized CI trusts, then each is one statement pinned to the exact sub and aud, without wildcards', () => {
      const only = (r: SynthRole) => {
        expect(r.trust.Statement).toHaveLength(1);
        const s = (r.trust.Statement as Record<string, any>[])[0]!;
        expect(s.Principal).toEqual({ Federated: naming.githubOidcProviderArn() });
        expect(s.Action).toBe('sts:AssumeRoleWithWebIdentity');
        expect(Object.keys(s.Condition)).toEqual(['StringEquals']);
        return s.Condition.StringEquals as Record<string, string>;
      };
      expect(only(ciApply)).toEqual({
        [`${host}:aud`]: 'sts.amazonaws.com',
        [`${host}:sub`]: `repo:${repo}:environment:${STAGE_ENVIRONMENTS.shared}`,
        [`${host}:repository`]: repo,
        [`${host}:ref`]: mainRef,
        [`${host}:environment`]: STAGE_ENVIRONMENTS.shared,
        [`${host}:job_workflow_ref`]: `${repo}/.github/workflows/deploy.yml@${mainRef}`,
      });
      expect(only(ciPlan)).toEqual({ [`${host}:aud`]: 'sts.amazonaws.com', [`${host}:sub`]: `repo:${repo}:pull_request`, [`${host}:repository`]: repo });
    });
    test("given the deploy workflow's job in the stage's environment on the default branch, then it may assume that stage's apply role", async () => {
      expect(await oidc(ciApply, { repository: repo, ref: mainRef, environment: STAGE_ENVIRONMENTS.shared })).toBe('Allowed');
      expect(await oidc(ciApply, { repository: repo, ref: mainRef })).not.toBe('Allowed');
    });
    test("given a pull request's identity, when it assumes ci-apply, then it is denied; ci-plan is allowed", async () => {
      expect(await oidc(ciApply, pr)).not.toBe('Allowed');
      expect(await oidc(ciPlan, pr)).toBe('Allowed');
    });
    test('given another branch or another repository, then ci-apply and ci-plan are denied', async () => {
      expect(await oidc(ciApply, { repository: repo, ref: 'refs/heads/feature', environment: STAGE_ENVIRONMENTS.shared })).not.toBe('Allowed');
      expect(await oidc(ciApply, { repository: 'someone/fork', ref: mainRef, environment: STAGE_ENVIRONMENTS.shared })).not.toBe('Allowed');
      expect(await oidc(ciPlan, { repository: 'someone/fork', ref: 'refs/pull/42/merge' })).not.toBe('Allowed');
    });
  });

  describe('the plan, audit and ci-plan identities cannot write (F-14)', () => {
    const p = naming.project;
    const writes = (a: string): [string, string][] => [
      ['iam:CreateRole', `arn:aws:iam::${a}:role/${p}-anything`],
      ['iam:PutRolePolicy', naming.accessRoleArn('deploy', a)],
      ['s3:PutObject', `arn:aws:s3:::${p}-archive-${a}-eu-west-1/x`],
      ['s3:GetObject', `arn:aws:s3:::${p}-archive-${a}-eu-west-1/x`],
      ['s3:DeleteBucket', `arn:aws:s3:::${p}-archive-${a}-eu-west-1`],
      ['dynamodb:PutItem', `arn:aws:dynamodb:eu-west-1:${a}:table/${p}-x-payments`],
      ['dynamodb:GetItem', `arn:aws:dynamodb:eu-west-1:${a}:table/${p}-x-payments`],
      ['dynamodb:DeleteTable', `arn:aws:dynamodb:eu-west-1:${a}:table/${p}-x-payments`],
      ['lambda:UpdateFunctionCode', `arn:aws:lambda:eu-west-1:${a}:function:${p}-x-charge`],
      ['states:StartExecution', `arn:aws:states:eu-west-1:${a}:stateMachine:${p}-x-payment`],
      ['kms:ScheduleKeyDeletion', `arn:aws:kms:eu-west-1:${a}:key/11111111-2222-3333-4444-555555555555`],
      ['kms:Decrypt', `arn:aws:kms:eu-west-1:${a}:key/11111111-2222-3333-4444-555555555555`],
      ['secretsmanager:GetSecretValue', `arn:aws:secretsmanager:eu-west-1:${a}:secret:${p}/x/gateway-AbCdEf`],
      ['sns:Publish', `arn:aws:sns:eu-west-1:${a}:${p}-x-events`],
      ['sts:AssumeRole', naming.accessRoleArn('deploy', a)],
    ];
    const as = (r: SynthRole, action: string, resource: string) =>
      simulate({ principal: r.arn, action, resource, resourceAccount: r.accountId, identityPolicies: r.policies, permissionBoundary: r.boundary, context: { 'aws:SecureTransport': 'true' } });

    test('given the plan and audit role of every account, then no write (or data read) is allowed, while a describe is', async () => {
      for (const a of targets) {
        for (const r of [access('plan', a), access('audit', a)]) {
          expect(r.boundary).toBeUndefined();
          for (const [action, resource] of writes(a)) expect(`${r.name}@${a} ${action}: ${await as(r, action, resource)}`).not.toMatch(/: Allowed$/);
          expect(await as(r, 'dynamodb:DescribeTable', `arn:aws:dynamodb:eu-west-1:${a}:table/${p}-x-payments`)).toBe('Allowed');
        }
      }
    });

    test('given ci-plan, then it reads state and writes only lock files', async () => {
      const key = (stack: string, suffix = '') => `arn:aws:s3:::${naming.stateBucket}/${naming.stateKey(stack)}${suffix}`;
      const stack = synth.specs[synth.specs.length - 1]!.name;
      expect(await as(ciPlan, 's3:GetObject', key(stack))).toBe('Allowed');
      expect(await as(ciPlan, 's3:PutObject', key(stack, '.tflock'))).toBe('Allowed');
      expect(await as(ciPlan, 's3:PutObject', key(stack))).not.toBe('Allowed');
      expect(await as(ciPlan, 's3:DeleteObject', key(stack))).not.toBe('Allowed');
      expect(await as(ciPlan, 'dynamodb:PutItem', `arn:aws:dynamodb:${m.deployment.region}:${m.deployment.accountId}:table/any`)).not.toBe('Allowed');
      expect(await as(ciPlan, 'iam:CreateRole', `arn:aws:iam::${m.deployment.accountId}:role/${p}-x`)).not.toBe('Allowed');
      expect(await as(ciApply, 's3:PutObject', key(stack))).toBe('Allowed');
    });
  });

  describe('nobody else may assume any role (F-14)', () => {
    const everyRole = () => all;
    const anyAssume: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] };

    test('given an identity outside the organisation, even one named like a CI role, then no role can be assumed', async () => {
      const outsiders = [
        { arn: 'arn:aws:iam::999999999999:role/attacker', org: 'o-zzzzzzzzzz99' },
        { arn: `arn:aws:iam::999999999999:role/${naming.ciRoleName('ci-apply-prod')}`, org: 'o-zzzzzzzzzz99' },
        { arn: 'arn:aws:iam::999999999999:root', org: 'o-zzzzzzzzzz99' },
      ];
      for (const o of outsiders) {
        for (const r of everyRole()) {
          const decision = await assume({ arn: o.arn, policies: [anyAssume] }, r, { 'aws:PrincipalOrgID': o.org, 'sts:ExternalId': naming.auditExternalId() });
          expect(`${o.arn} → ${r.arn}: ${decision}`).not.toMatch(/: Allowed$/);
        }
      }
    });

    test("given another workload account's roles or root, then none of this workload's roles can be assumed", async () => {
      for (const a of workloads) {
        const other = workloads.find((x) => x !== a)!;
        const callers = [access('deploy', other), access('plan', other), { arn: naming.accountRootArn(other), policies: [] as PolicyDocument[] }];
        for (const c of callers) {
          for (const p of ['deploy', 'plan', 'audit'] as const) {
            const decision = await assume({ arn: c.arn, policies: [anyAssume] }, access(p, a), { 'aws:PrincipalOrgID': org, 'sts:ExternalId': naming.auditExternalId() });
            expect(`${c.arn} → ${p}@${a}: ${decision}`).not.toMatch(/: Allowed$/);
          }
        }
      }
    });

    test('given the audit account, then it assumes the audit roles only with the organisation and the external id', async () => {
      const auditor = { arn: `arn:aws:iam::${m.audit.accountId}:role/auditor`, policies: [anyAssume] };
      for (const a of targets) {
        expect(await assume(auditor, access('audit', a), { 'aws:PrincipalOrgID': org, 'sts:ExternalId': naming.auditExternalId() })).toBe('Allowed');
        expect(await assume(auditor, access('audit', a), { 'aws:PrincipalOrgID': org })).not.toBe('Allowed');
        expect(await assume(auditor, access('audit', a), { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz99', 'sts:ExternalId': naming.auditExternalId() })).not.toBe('Allowed');
        expect(await assume(auditor, access('deploy', a), { 'aws:PrincipalOrgID': org, 'sts:ExternalId': naming.auditExternalId() })).not.toBe('Allowed');
      }
    });

    test('given every trust statement of an access role, then it names no wildcard and requires aws:PrincipalOrgID', () => {
      for (const r of all.filter((x) => (['deploy', 'plan', 'audit'] as const).some((p) => x.name === naming.accessRoleName(p)))) {
        for (const s of r.trust.Statement as Record<string, any>[]) {
          expect(JSON.stringify(s.Principal)).not.toContain('*');
          expect(s.Condition.StringEquals['aws:PrincipalOrgID']).toBe(org);
        }
      }
    });
  });

  describe('the deploy role is capped by its permissions boundary (F-14)', () => {
    const ask = (a: string, action: string, resource: string, context: Record<string, string> = {}) => {
      const d = access('deploy', a);
      return simulate({ principal: d.arn, action, resource, resourceAccount: a, identityPolicies: d.policies, permissionBoundary: d.boundary, context: { 'aws:SecureTransport': 'true', ...context } });
    };
    const boundary = (a: string) => ({ 'iam:PermissionsBoundary': naming.boundaryPolicyArn(a) });
    const newRole = (a: string) => `arn:aws:iam::${a}:role/${naming.project}-new-role`;

    test('given every deploy role, then it carries the boundary', () => {
      for (const a of targets) expect(access('deploy', a).boundary).toBeDefined();
    });

    // In the deployment account an administrator applies every stack: its deploy role only reads.
    const deploying = targets.filter((a) => a !== m.deployment.accountId);

    test('given a role to create, then it is allowed only with the boundary attached (and never in the deployment account)', async () => {
      expect(await ask(m.deployment.accountId, 'iam:CreateRole', newRole(m.deployment.accountId), boundary(m.deployment.accountId))).not.toBe('Allowed');
      for (const a of deploying) {
        expect(await ask(a, 'iam:CreateRole', newRole(a), boundary(a))).toBe('Allowed');
        expect(await ask(a, 'iam:CreateRole', newRole(a))).not.toBe('Allowed');
        expect(await ask(a, 'iam:CreateRole', newRole(a), { 'iam:PermissionsBoundary': `arn:aws:iam::${a}:policy/${naming.project}-other` })).not.toBe('Allowed');
        expect(await ask(a, 'iam:PutRolePolicy', newRole(a))).not.toBe('Allowed');
        expect(await ask(a, 'iam:DeleteRolePermissionsBoundary', newRole(a), boundary(a))).not.toBe('Allowed');
        expect(await ask(a, 'iam:CreateUser', `arn:aws:iam::${a}:user/${naming.project}-x`)).not.toBe('Allowed');
      }
    });

    test('given the bootstrap roles and the boundary, then the deploy role cannot change them', async () => {
      for (const a of targets) {
        for (const p of ['deploy', 'plan', 'audit'] as const) {
          for (const action of [
            'iam:PutRolePolicy',
            'iam:AttachRolePolicy',
            'iam:DeleteRolePolicy',
            'iam:UpdateAssumeRolePolicy',
            'iam:DeleteRole',
            'iam:PutRolePermissionsBoundary',
            'iam:DeleteRolePermissionsBoundary',
          ]) {
            const decision = await ask(a, action, naming.accessRoleArn(p, a), { ...boundary(a), 'iam:PolicyARN': `arn:aws:iam::${a}:policy/${naming.project}-x` });
            expect(`${action} on ${p}@${a}: ${decision}`).toMatch(/: ExplicitlyDenied$/);
          }
        }
        for (const action of ['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy']) {
          expect(await ask(a, action, naming.boundaryPolicyArn(a))).toBe('ExplicitlyDenied');
        }
        expect(await ask(a, 'iam:CreatePolicyVersion', `arn:aws:iam::${a}:policy/${naming.project}-other`)).toBe(a === m.deployment.accountId ? 'ImplicitlyDenied' : 'Allowed');
      }
    });

    test('given AdministratorAccess, then it cannot be attached even to a boundary-carrying role', async () => {
      for (const a of deploying) {
        expect(await ask(a, 'iam:AttachRolePolicy', newRole(a), { ...boundary(a), 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' })).toBe('ExplicitlyDenied');
        expect(await ask(a, 'iam:AttachRolePolicy', newRole(a), { ...boundary(a), 'iam:PolicyARN': `arn:aws:iam::${a}:policy/${naming.project}-x` })).toBe('Allowed');
      }
    });

    test("given its own account's project resources it may deploy; another account's or unrelated names it may not", async () => {
      const [a, b] = [workloads[0]!, workloads[1]!];
      expect(await ask(a, 'dynamodb:CreateTable', `arn:aws:dynamodb:eu-west-1:${a}:table/${naming.project}-x-payments`)).toBe('Allowed');
      expect(await ask(a, 'dynamodb:CreateTable', `arn:aws:dynamodb:eu-west-1:${b}:table/${naming.project}-x-payments`)).not.toBe('Allowed');
      expect(await ask(a, 'dynamodb:CreateTable', `arn:aws:dynamodb:eu-west-1:${a}:table/unrelated`)).not.toBe('Allowed');
      expect(await ask(a, 'sts:AssumeRole', naming.accessRoleArn('deploy', b))).not.toBe('Allowed');
      expect(await ask(a, 'organizations:LeaveOrganization', '*')).not.toBe('Allowed');
    });
  });
});
