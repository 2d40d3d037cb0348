/**
 * `npm run permissions -- [--dir cdktf.out] [--json] [--verbose]`: proves offline that the
 * role that applies each synthesized stack may make every call the provider will make for
 * it, and that the read-only plan role may refresh every stack.
 *
 * For each stack, each resource's ARN is built from its synthesized attributes and its
 * pinned provider (account, region); each call of the action table (`actions.ts`) is
 * evaluated with the IAM policy simulator:
 * - `payments-*` stacks (the provider assumes `<project>-deploy` by default): create, read,
 *   update, delete and tag calls against the deploy role's identity policy and permissions
 *   boundary, as the stack that creates the role synthesizes them, and the resource policy on
 *   the other side where a stack writes one (KMS key policies decide KMS calls);
 * - stacks an administrator applies with `access_role=bootstrap` (those whose provider can
 *   assume the account-access role) are listed as "administrator apply", not evaluated for
 *   deploy;
 * - every stack: the read calls against the `<project>-plan` role.
 *
 * A resource type or data source without a row in the action table fails the check by name.
 * Exit 0 clean (one summary line on stderr), 1 denied calls, unknown types or errors, 2 usage.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PHASES, type Call, type Context, type Phase } from './actions';
import type { TfJson } from '../../modules/core/terraform-json';
import { OrgIndex, type Node, type PinnedProvider, type RolePolicies, type StackModel } from './model';
import { PolicySimulator, type Decision } from './simulator';

export type RoleUse = 'deploy' | 'plan';

export interface Evaluation {
  readonly stack: string;
  readonly address: string;
  readonly type: string;
  readonly phase: Phase;
  readonly action: string;
  readonly resource: string;
  readonly role: RoleUse;
  readonly roleArn: string;
  readonly decision: Decision;
  /** Set when the call is a judgement of the action table, not established provider behaviour. */
  readonly uncertain?: string;
}

export interface StackSummary {
  readonly stack: string;
  readonly accountId: string;
  /** Who applies the stack: the deploy role, or an administrator with access_role=bootstrap. */
  readonly appliedBy: 'deploy role' | 'administrator apply';
  readonly resources: number;
  readonly evaluations: number;
  readonly denied: number;
}

export interface Problem {
  readonly stack: string;
  readonly address?: string;
  readonly message: string;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly stacks: StackSummary[];
  readonly denied: Evaluation[];
  readonly unknownTypes: { stack: string; address: string; kind: 'resource' | 'data'; type: string }[];
  readonly problems: Problem[];
  readonly evaluations: number;
  readonly simulations: number;
  /** Every evaluation, allowed or not; only when asked for (`all: true`). */
  readonly all?: Evaluation[];
}

export interface CheckOptions {
  /** Keep every evaluation in the result, not only the denied ones. */
  readonly all?: boolean;
  /** Reuse a simulator (and its cache) across checks. */
  readonly simulator?: PolicySimulator;
  /**
   * Which resources of a stack the deploy role applies, given whether an administrator
   * applies the stack (its provider can assume the account-access role): a predicate on
   * resource addresses, or undefined for none. CI's own rule (tools/ci) passes the resources
   * it applies in stacks an administrator owns.
   * @default every resource of a stack no administrator applies; none of one an administrator applies
   */
  readonly deployScope?: (stack: string, administrator: boolean) => ((address: string) => boolean) | undefined;
}

const defaultDeployScope = (_stack: string, administrator: boolean) => (administrator ? undefined : () => true);

/** Tags the provider sends with a resource: the provider's default_tags merged with the resource's own. */
function tagsOf(stack: StackModel, node: Node): Record<string, string> {
  const own = (stack.resolveDeep(node.raw.tags) ?? {}) as Record<string, string>;
  return { ...node.provider.defaultTags, ...own };
}

function tagContext(tags: Record<string, string>): Context {
  return { ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])), 'aws:TagKeys': Object.keys(tags) };
}

/** The request context every call carries: who calls, from where, over TLS. */
function baseContext(role: RolePolicies, provider: PinnedProvider, orgId: string | undefined): Context {
  return {
    'aws:PrincipalArn': role.roleArn,
    'aws:PrincipalAccount': provider.accountId,
    'aws:SecureTransport': 'true',
    'aws:RequestedRegion': provider.region,
    ...(orgId ? { 'aws:PrincipalOrgID': orgId } : {}),
  };
}

/** The organisation id an access role's trust policy requires of its callers (the role's own organisation). */
function organisationOf(index: OrgIndex, roleArn: string): string | undefined {
  for (const s of index.stacks) {
    for (const n of s.nodes) {
      if (n.type !== 'aws_iam_role' || n.kind !== 'resource' || s.attributes(n).arn !== roleArn) continue;
      const m = /"aws:PrincipalOrgID"\s*:\s*"(o-[a-z0-9]+)"/.exec(String(n.raw.assume_role_policy ?? ''));
      if (m) return m[1];
    }
  }
  return undefined;
}

export async function checkPermissions(stacks: ReadonlyMap<string, TfJson>, options: CheckOptions = {}): Promise<CheckResult> {
  const index = new OrgIndex(stacks);
  const sim = options.simulator ?? new PolicySimulator();
  const startEvaluations = sim.evaluations;
  const startSimulations = sim.simulations;
  const denied: Evaluation[] = [];
  const all: Evaluation[] = [];
  const unknownTypes: CheckResult['unknownTypes'] = [];
  const problems: Problem[] = [];
  const summaries: StackSummary[] = [];

  for (const stack of index.stacks) {
    const main = stack.providers.find((p) => p.alias === undefined) ?? stack.providers[0];
    if (!main) {
      problems.push({ stack: stack.name, message: 'the stack configures no aws provider' });
      continue;
    }
    const administrator = main.roles.bootstrap !== undefined;
    const deployApplies = (options.deployScope ?? defaultDeployScope)(stack.name, administrator);
    const roleOf = (use: RoleUse, provider: PinnedProvider): RolePolicies | undefined => {
      const arn = provider.roles[use];
      if (!arn) {
        problems.push({ stack: stack.name, message: `the provider names no ${use} role for access_role=${use}` });
        return undefined;
      }
      const role = index.role(arn);
      if (!role) problems.push({ stack: stack.name, message: `no synthesized stack creates the ${use} role ${arn}, so its policies cannot be evaluated` });
      return role;
    };
    let evaluations = 0;
    let deniedHere = 0;
    const pending: Promise<void>[] = [];
    const evaluate = (node: Node, phase: Phase, c: Call, use: RoleUse, role: RolePolicies, context: Context): void => {
      evaluations++;
      const resourcePolicy = c.resource === '*' ? undefined : index.resourcePolicy(c.resource);
      pending.push(
        sim
          .decide({
            principal: role.roleArn,
            principalAccount: node.provider.accountId,
            action: c.action,
            resource: c.resource,
            context: { ...context, ...(c.context ?? {}) },
            identity: role.identity,
            ...(use === 'deploy' && role.boundary ? { boundary: role.boundary } : {}),
            ...(resourcePolicy ? { resourcePolicy } : {}),
          })
          .then((decision) => {
            const e: Evaluation = {
              stack: stack.name,
              address: node.address,
              type: node.type,
              phase,
              action: c.action,
              resource: c.resource,
              role: use,
              roleArn: role.roleArn,
              decision,
              ...(c.uncertain ? { uncertain: c.uncertain } : {}),
            };
            if (options.all) all.push(e);
            if (decision !== 'Allowed') {
              denied.push(e);
              deniedHere++;
            }
          })
          .catch((err: Error) => {
            problems.push({ stack: stack.name, address: node.address, message: err.message });
          }),
      );
    };

    for (const node of stack.nodes) {
      if (!node.row) {
        unknownTypes.push({ stack: stack.name, address: node.address, kind: node.kind, type: node.type });
        continue;
      }
      let byPhase;
      try {
        byPhase = node.row.calls(stack.input(node));
      } catch (err) {
        problems.push({ stack: stack.name, address: node.address, message: (err as Error).message });
        continue;
      }
      const tags = node.row.taggable ? tagsOf(stack, node) : {};
      const tagged = Object.keys(tags).length > 0;
      const plan = roleOf('plan', node.provider);
      if (plan) {
        const orgId = organisationOf(index, plan.roleArn);
        for (const phase of ['plan', 'read'] as const) for (const c of byPhase[phase] ?? []) evaluate(node, phase, c, 'plan', plan, baseContext(plan, node.provider, orgId));
      }
      if (!deployApplies) continue;
      const deploy = roleOf('deploy', node.provider);
      if (!deploy) continue;
      if (!deploy.boundaryArn) problems.push({ stack: stack.name, message: `the deploy role ${deploy.roleArn} carries no permissions boundary` });
      else if (!deploy.boundary) problems.push({ stack: stack.name, message: `the deploy role's boundary ${deploy.boundaryArn} is created by no synthesized stack, so it cannot be evaluated` });
      const orgId = organisationOf(index, deploy.roleArn);
      // Resources outside the deploy role's scope are only refreshed by it (a no-op apply reads them).
      const phases: readonly Phase[] = deployApplies(node.address) ? PHASES : ['read'];
      for (const phase of phases) {
        if (phase === 'tag' && !tagged) continue;
        // Tags travel with the create call (tag-on-create) and with the tag calls.
        const context = { ...baseContext(deploy, node.provider, orgId), ...((phase === 'tag' || phase === 'create') && tagged ? tagContext(tags) : {}) };
        for (const c of byPhase[phase] ?? []) evaluate(node, phase, c, 'deploy', deploy, context);
      }
    }
    await Promise.all(pending);
    summaries.push({ stack: stack.name, accountId: main.accountId, appliedBy: administrator ? 'administrator apply' : 'deploy role', resources: stack.nodes.length, evaluations, denied: deniedHere });
  }

  const order = (a: Evaluation, b: Evaluation) =>
    a.stack.localeCompare(b.stack) || a.address.localeCompare(b.address) || PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase) || a.action.localeCompare(b.action) || a.role.localeCompare(b.role);
  denied.sort(order);
  all.sort(order);
  // Roles missing from every stack would otherwise be reported once per resource.
  const seen = new Set<string>();
  const uniqueProblems = problems.filter((p) => {
    const k = `${p.stack}|${p.address ?? ''}|${p.message}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
  return {
    ok: denied.length === 0 && unknownTypes.length === 0 && uniqueProblems.length === 0,
    stacks: summaries,
    denied,
    unknownTypes,
    problems: uniqueProblems,
    evaluations: sim.evaluations - startEvaluations,
    simulations: sim.simulations - startSimulations,
    ...(options.all ? { all } : {}),
  };
}

/** Denied calls, unknown types and problems as lines a person reads. */
export function formatFindings(result: CheckResult): string {
  const lines: string[] = [];
  for (const u of result.unknownTypes) lines.push(`unknown type: ${u.stack} ${u.address} (${u.kind} ${u.type}) has no row in tools/permissions/actions.ts`);
  for (const p of result.problems) lines.push(`error: ${p.stack}${p.address ? ` ${p.address}` : ''}: ${p.message}`);
  for (const d of result.denied)
    lines.push(`denied: ${d.stack} ${d.address} ${d.phase} ${d.action} on ${d.resource} as ${d.role} (${d.roleArn}): ${d.decision}${d.uncertain ? ` [uncertain: ${d.uncertain}]` : ''}`);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

export function summaryLine(result: CheckResult): string {
  const administrator = result.stacks.filter((s) => s.appliedBy === 'administrator apply').length;
  return `permissions: ${result.stacks.length} stacks (${result.stacks.length - administrator} applied by the deploy role, ${administrator} administrator apply), ${result.evaluations} calls evaluated (${result.simulations} simulated), ${result.denied.length} denied, ${result.unknownTypes.length} unknown types, ${result.problems.length} errors\n`;
}

/** Reads `<dir>/stacks/<stack>/cdk.tf.json` of every stack. */
export function readSynthesized(dir: string): Map<string, TfJson> {
  const root = join(dir, 'stacks');
  if (!existsSync(root)) throw new Error(`${root} does not exist: run \`npm run synth\` first`);
  const stacks = new Map<string, TfJson>();
  for (const name of readdirSync(root).sort()) {
    const file = join(root, name, 'cdk.tf.json');
    if (existsSync(file)) stacks.set(name, JSON.parse(readFileSync(file, 'utf8')) as TfJson);
  }
  return stacks;
}

const USAGE = 'usage: npm run permissions -- [--dir cdktf.out] [--json] [--verbose]\n';

export async function main(argv: readonly string[]): Promise<number> {
  let values: { dir?: string; json?: boolean; verbose?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: { dir: { type: 'string' }, json: { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let stacks: Map<string, TfJson>;
  try {
    stacks = readSynthesized(values.dir ?? process.env.CDKTF_OUTDIR ?? 'cdktf.out');
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const result = await checkPermissions(stacks, { all: values.verbose === true });
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    if (values.verbose) for (const e of result.all ?? []) process.stdout.write(`${e.decision.padEnd(16)} ${e.stack} ${e.address} ${e.phase} ${e.action} on ${e.resource} as ${e.role}\n`);
    process.stdout.write(formatFindings(result));
  }
  process.stderr.write(summaryLine(result));
  return result.ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}
