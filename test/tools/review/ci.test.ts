/**
 * `npm run ci`: the role ARNs and the apply order the workflows read come from the
 * manifest (F-19), and apply order respects every stack's dependencies (F-20).
 */
import { applyOrder, ciRoles, STAGES, stageOf } from '../../../tools/review/ci';
import { planStacks } from '../../../stacks/topology';
import { exampleManifest } from '../../support/synth';

describe('npm run ci', () => {
  const manifest = exampleManifest();

  test('F-19 given the manifest, then the CI roles live in the deployment account and region', () => {
    const roles = ciRoles(manifest);
    expect(roles.region).toBe(manifest.deployment.region);
    expect(roles.plan).toMatch(new RegExp(`^arn:aws:iam::${manifest.deployment.accountId}:role/.+-ci-plan$`));
    expect(roles.apply).toMatch(new RegExp(`^arn:aws:iam::${manifest.deployment.accountId}:role/.+-ci-apply$`));
  });

  test('F-20 given every stage in order, then each stack comes after every stack it depends on, and prod workloads only in the prod stage', () => {
    const order = STAGES.flatMap((s) => applyOrder(manifest, s));
    expect(order.map((s) => s.name).sort()).toEqual(planStacks(manifest).map((s) => s.name).sort());
    order.forEach((s, i) => {
      for (const dep of s.dependsOn) expect(order.findIndex((x) => x.name === dep)).toBeLessThan(i);
    });
    for (const s of applyOrder(manifest, 'prod')) expect(manifest.workloads.find((w) => w.name === s.workload)?.environment).toBe('prod');
    expect(applyOrder(manifest, 'shared').every((s) => stageOf(manifest, s) === 'shared' && s.workload === undefined)).toBe(true);
  });
});
