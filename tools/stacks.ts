/**
 * `npm run stacks [-- --json]`: the stacks the manifest calls for, with account,
 * region, kind, dependencies and deploy wave. CI reads the JSON to plan and apply
 * wave by wave; people read the table.
 */
import { planStacks, stacksJson, type StackSpec } from '../stacks/topology';
import { loadManifestOrExit, parseCommandLine } from './cli';

const USAGE = 'usage: npm run stacks [-- --json]';

export function stacksTable(specs: readonly StackSpec[]): string {
  const rows = [
    ['WAVE', 'STACK', 'KIND', 'ACCOUNT', 'WORKLOAD', 'REGION', 'DEPENDS ON'],
    ...[...specs].sort((a, b) => a.wave - b.wave || a.name.localeCompare(b.name)).map((s) => [String(s.wave), s.name, s.kind, s.accountId, s.workload ?? '-', s.region, s.dependsOn.join(', ') || '-']),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, c) => cell.padEnd(widths[c]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

if (require.main === module) {
  const values = parseCommandLine(process.argv.slice(2), { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (typeof values === 'number') process.exit(values);
  const { manifest } = loadManifestOrExit();
  const specs = planStacks(manifest);
  process.stdout.write(values.json ? `${JSON.stringify(stacksJson(specs), null, 2)}\n` : stacksTable(specs));
}
