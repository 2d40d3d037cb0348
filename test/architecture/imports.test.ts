/**
 * The layering of the repository, read from the import statements of every source file
 * (TypeScript's own parser, so comments and strings that look like imports do not count):
 *
 *   contract/   what handlers and infrastructure share: imports only itself and Node built-ins
 *   lambdas/    handler code: never the manifest, the infrastructure or the tools
 *   modules/, stacks/   infrastructure: never handler code or the tools
 *
 * The bundler names handler entry files by path (a string, not an import), which is allowed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '../..');

interface Import {
  /** The importing file, relative to the repository root. */
  readonly file: string;
  readonly specifier: string;
  /** Top-level folder of the imported file for a relative import; undefined for a package. */
  readonly folder?: string;
}

/** Every module specifier a source names: import/export … from, import(…), require(…), import x = require(…). */
export function importsOf(file: string, text: string): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const out: Import[] = [];
  const add = (spec: ts.Expression | undefined) => {
    if (!spec || !ts.isStringLiteralLike(spec)) return;
    const specifier = spec.text;
    const folder = specifier.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), specifier)).split(sep)[0] : undefined;
    out.push({ file, specifier, folder });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) add(node.arguments[0]);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function sourcesUnder(folder: string): string[] {
  return (readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: false }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(folder, f));
}

function importsUnder(folder: string): Import[] {
  return sourcesUnder(folder).flatMap((f) => importsOf(f, readFileSync(join(ROOT, f), 'utf8')));
}

/** Relative imports from `folder` that land in one of `forbidden`. */
function crossing(imports: readonly Import[], forbidden: readonly string[]): string[] {
  return imports.filter((i) => i.folder !== undefined && forbidden.includes(i.folder)).map((i) => `${i.file} → ${i.specifier}`);
}

const isNodeBuiltin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(specifier);

describe('import layering', () => {
  test('given the scanner, when a file imports across a boundary in any import form, then it reports it (and ignores lookalikes in comments and strings)', () => {
    const text = [
      "import { a } from '../../lambdas/runtime/config';",
      "export { b } from '../../tools/cli';",
      "const c = require('../../lambdas/status');",
      "import d = require('../../stacks/app');",
      "// import { e } from '../../lambdas/fraud';",
      'const f = "from \'../../lambdas/charge\'";',
      "import { g } from './core/naming';",
    ].join('\n');
    const found = importsOf('modules/workflow/example.ts', text);
    expect(found.map((i) => i.folder)).toEqual(['lambdas', 'tools', 'lambdas', 'stacks', 'modules']);
    expect(crossing(found, ['lambdas', 'tools'])).toHaveLength(3);
  });

  test('given every folder, then each has sources to scan', () => {
    for (const folder of ['contract', 'lambdas', 'modules', 'stacks', 'tools']) expect(importsUnder(folder).length).toBeGreaterThan(0);
  });

  test('given the handlers, then none imports the manifest, the infrastructure or the tools', () => {
    expect(crossing(importsUnder('lambdas'), ['accounts', 'modules', 'stacks', 'tools', 'main.ts'])).toEqual([]);
  });

  test('given the infrastructure, then no module or stack imports handler code or the tools', () => {
    expect(crossing([...importsUnder('modules'), ...importsUnder('stacks')], ['lambdas', 'tools'])).toEqual([]);
  });

  test('given the shared contract, then it imports only itself and Node built-ins', () => {
    const outside = importsUnder('contract').filter((i) => (i.folder === undefined ? !isNodeBuiltin(i.specifier) : i.folder !== 'contract'));
    expect(outside.map((i) => `${i.file} → ${i.specifier}`)).toEqual([]);
  });

  test('given the handlers and the infrastructure, then both use the shared contract', () => {
    expect(importsUnder('lambdas').some((i) => i.folder === 'contract')).toBe(true);
    expect(importsUnder('modules').some((i) => i.folder === 'contract')).toBe(true);
  });
});
