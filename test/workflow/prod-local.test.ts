/**
 * A prod workload's stack calls the live card network, which has no local
 * implementation: the local run swaps in the sandbox gateway and otherwise executes the
 * prod stack's own synthesized definition and bundles (F-25: nothing skipped for prod).
 */
import { LocalWorkflow } from '../../tools/local/local-workflow';
import { parseManifest } from '../support/synth';
import { otherOrganisation } from '../support/manifests';

test('F-08: given a prod workload, when payments are simulated, then they run through its synthesized definition with the sandbox standing in for the card network', async () => {
  const m = parseManifest(otherOrganisation());
  const prod = m.workloads.find((w) => w.environment === 'prod')!;
  const local = await LocalWorkflow.start({ manifest: m, workload: prod.name });
  try {
    expect(local.stackName).toBe(`payments-${prod.name}-${prod.primaryRegion}`);
    const body = { amount: 1250, currency: prod.payments.currencies[0], merchantId: 'mer_123', customerId: 'cus_456', paymentMethod: { type: 'card', token: 'tok_success' } };
    const results = await local.simulate([
      { idempotencyKey: 'prod-local-0001', body },
      { idempotencyKey: 'prod-local-0001', body },
      { idempotencyKey: 'prod-local-0002', body: { ...body, paymentMethod: { type: 'card', token: 'tok_card_declined' } } },
    ]);
    expect(results.map((r) => [r.status, r.charges])).toEqual([
      ['SETTLED', 1],
      ['SETTLED', 1],
      ['DECLINED', 0],
    ]);
    expect(results[0]!.paymentId).toBe(results[1]!.paymentId);
  } finally {
    await local.stop();
  }
});
