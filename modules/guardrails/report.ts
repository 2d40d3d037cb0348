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
 * The one line a synth prints when nothing fails: stacks checked, findings, and suppressions
 * per rule.
 *
 *   Guardrails (payments pack, 22 rules): 9 stacks, 0 findings, 121 suppressed (iam-no-wildcards 116, encryption-bucket-cmk 5), 0 unused suppressions
 */
export function summaryLine(report: GuardrailsReport, packName: string, ruleCount: number): string {
  const failing = report.stacks.filter((s) => s.findings.length > 0);
  const perRule = new Map<string, number>();
  for (const s of report.suppressed) perRule.set(s.ruleId, (perRule.get(s.ruleId) ?? 0) + 1);
  const byRule = [...perRule].sort(([a, m], [b, n]) => n - m || (a < b ? -1 : 1)).map(([rule, n]) => `${rule} ${n}`);
  return (
    `Guardrails (${packName} pack, ${plural(ruleCount, 'rule')}): ${plural(report.stacks.length, 'stack')}, ` +
    `${plural(report.findings.length, 'finding')}${failing.length > 0 ? ` in ${plural(failing.length, 'stack')}` : ''}, ` +
    `${report.suppressed.length} suppressed${byRule.length > 0 ? ` (${byRule.join(', ')})` : ''}, ${plural(report.unusedSuppressions.length, 'unused suppression')}`
  );
}

/**
 * Human-readable report: the summary line, then every finding grouped by stack then resource,
 * then every unused suppression (both need someone to act); with `verbose`, also every
 * suppressed finding with its reason.
 *
 *   ✗ payments-prod-eu-west-1
 *       aws_s3_bucket.archive_bucket  (construct payments-prod-eu-west-1/archive/bucket)
 *         [bucket-tls-only] bucket policy has no statement denying ...
 *           fix: add to the bucket policy: { Effect: "Deny", ... }
 */
export function formatReport(report: GuardrailsReport, packName: string, ruleCount: number, options: { readonly verbose?: boolean } = {}): string {
  const lines: string[] = [summaryLine(report, packName, ruleCount)];
  for (const stack of report.stacks.filter((s) => s.findings.length > 0)) {
    lines.push('', `✗ ${stack.stack}`);
    const byAddress = new Map<string, Finding[]>();
    for (const f of stack.findings) byAddress.set(f.address, [...(byAddress.get(f.address) ?? []), f]);
    for (const findings of byAddress.values()) {
      lines.push(`    ${where(findings[0]!)}`);
      for (const f of findings) lines.push(`      [${f.ruleId}] ${f.message}`, `        fix: ${f.fix}`);
    }
  }
  if (options.verbose && report.suppressed.length > 0) {
    lines.push('', 'Suppressed (each with its reason):');
    for (const s of report.suppressed) lines.push(`  ${s.stack} ${s.address} [${s.ruleId}] ${s.message}`, `    reason: ${s.reason}`);
  }
  if (report.unusedSuppressions.length > 0) {
    lines.push('', 'Suppressions that matched no finding (remove them, or the appliesTo entries named):');
    for (const u of report.unusedSuppressions) {
      const on = u.scope !== undefined ? `scope ${u.scope}` : u.address;
      lines.push(`  ${u.stack} ${on} [${u.ruleId}]${u.appliesTo ? ` appliesTo ${u.appliesTo.join(', ')}` : ''} reason: ${u.reason}`);
    }
  }
  return lines.join('\n');
}
