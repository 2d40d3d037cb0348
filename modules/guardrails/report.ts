/** The guardrails report: what `npm run synth` prints (stderr) and writes to `cdktf.out/guardrails-report.json`. */
import type { Finding, GuardrailsReport, StackReport } from './types';

export function combine(stacks: readonly StackReport[]): GuardrailsReport {
  return {
    stacks,
    findings: stacks.flatMap((s) => s.findings),
    suppressed: stacks.flatMap((s) => s.suppressed),
    unusedSuppressions: stacks.flatMap((s) => s.unusedSuppressions),
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function where(f: Pick<Finding, 'address' | 'constructPath'>): string {
  return f.constructPath ? `${f.address}  (construct ${f.constructPath})` : f.address;
}

/**
 * Human-readable report, grouped by stack then resource:
 *
 *   ✗ payments-prod-eu-west-1
 *       aws_s3_bucket.archive_bucket  (construct payments-prod-eu-west-1/archive/bucket)
 *         [bucket-tls-only] bucket policy has no statement denying ...
 *           fix: add to the bucket policy: { Effect: "Deny", ... }
 */
export function formatReport(report: GuardrailsReport, packName: string, ruleCount: number): string {
  const lines: string[] = [];
  const failing = report.stacks.filter((s) => s.findings.length > 0);
  lines.push(
    `Guardrails (${packName} pack, ${plural(ruleCount, 'rule')}, ${plural(report.stacks.length, 'stack')} checked): ` +
      `${plural(report.findings.length, 'finding')}${failing.length > 0 ? ` in ${plural(failing.length, 'stack')}` : ''}, ${report.suppressed.length} suppressed`,
  );
  for (const stack of failing) {
    lines.push('', `✗ ${stack.stack}`);
    const byAddress = new Map<string, Finding[]>();
    for (const f of stack.findings) byAddress.set(f.address, [...(byAddress.get(f.address) ?? []), f]);
    for (const findings of byAddress.values()) {
      lines.push(`    ${where(findings[0]!)}`);
      for (const f of findings) lines.push(`      [${f.ruleId}] ${f.message}`, `        fix: ${f.fix}`);
    }
  }
  if (report.suppressed.length > 0) {
    lines.push('', 'Suppressed (each with its reason):');
    for (const s of report.suppressed) lines.push(`  ${s.stack} ${s.address} [${s.ruleId}] ${s.message}`, `    reason: ${s.reason}`);
  }
  if (report.unusedSuppressions.length > 0) {
    lines.push('', 'Suppressions that matched no finding (remove them):');
    for (const u of report.unusedSuppressions) lines.push(`  ${u.stack} ${u.address} [${u.ruleId}] reason: ${u.reason}`);
  }
  return lines.join('\n');
}
