/**
 * `npm run ci -- <command>`: what the GitHub workflows need from the manifest, so no
 * workflow file holds an account id, role ARN or region.
 *
 *   roles                    JSON {"region","plan","apply"}: the deployment account's region and the
 *                            GitHub OIDC roles CI assumes there (ci-plan is read-only; ci-apply deploys)
 *   apply-order --stage S    the stacks of stage S (shared | nonprod | prod), one per line, in deploy
 *                            order: by wave, then account, then name
 *   stages                   JSON: every stage with its stacks in that order
 *
 * Stages: `shared` = deployment and log-archive stacks; `prod` = workloads whose environment
 * is prod; `nonprod` = every other workload. The deploy workflow applies them in that
 * order, prod behind a GitHub environment approval.
 */
import type { Manifest } from '../../accounts/schema';
import { Naming } from '../../modules/naming';
import { planStacks, type StackSpec } from '../../stacks/topology';
import { flag, loadManifestOrExit } from '../cli';

export const STAGES = ['shared', 'nonprod', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

export function stageOf(manifest: Manifest, spec: StackSpec): Stage {
  if (spec.workload === undefined) return 'shared';
  const w = manifest.workloads.find((x) => x.name === spec.workload);
  return w?.environment === 'prod' ? 'prod' : 'nonprod';
}

export function applyOrder(manifest: Manifest, stage: Stage): StackSpec[] {
  return planStacks(manifest)
    .filter((s) => stageOf(manifest, s) === stage)
    .sort((a, b) => a.wave - b.wave || a.accountId.localeCompare(b.accountId) || a.name.localeCompare(b.name));
}

export function ciRoles(manifest: Manifest): { region: string; plan: string; apply: string } {
  const naming = new Naming(manifest);
  return { region: manifest.deployment.region, plan: naming.ciRoleArn('ci-plan'), apply: naming.ciRoleArn('ci-apply') };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const { manifest } = loadManifestOrExit();
  const command = args[0];
  if (command === 'roles') process.stdout.write(`${JSON.stringify(ciRoles(manifest))}\n`);
  else if (command === 'stages') {
    const out = STAGES.map((stage) => ({ stage, stacks: applyOrder(manifest, stage).map((s) => ({ name: s.name, wave: s.wave, accountId: s.accountId, region: s.region })) }));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else if (command === 'apply-order') {
    const stage = flag(args, 'stage') as Stage | undefined;
    if (!stage || !STAGES.includes(stage)) {
      process.stderr.write(`apply-order needs --stage ${STAGES.join('|')}\n`);
      process.exit(2);
    }
    process.stdout.write(applyOrder(manifest, stage).map((s) => `${s.name}\n`).join(''));
  } else {
    process.stderr.write('usage: npm run ci -- roles | stages | apply-order --stage shared|nonprod|prod\n');
    process.exit(2);
  }
}
