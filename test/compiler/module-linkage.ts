/**
 * How an emitted JavaScript module links to others: what it imports from where, and what it
 * exports. That is all type information can change in a file's JavaScript, so two emits of one
 * file (esbuild's and TypeScript's) that agree on it and on the code's behaviour are the same
 * module, however differently they are formatted.
 */
import { ts } from "ts-morph";

/**
 * One line per binding the module takes from another (`import x from "./a.js"`, a re-export's
 * included: `export { x } from` and `import { x }; export { x }` link the same way) and per name
 * it exports (`export y`), sorted, without duplicates.
 */
export function moduleLinkage(js: string): string[] {
  const sf = ts.createSourceFile("module.js", js, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const lines = new Set<string>();
  const from = (specifier: ts.Expression | undefined) => (specifier && ts.isStringLiteral(specifier) ? ` from "${specifier.text}"` : "");
  for (const statement of sf.statements) {
    if (ts.isImportDeclaration(statement)) {
      const source = from(statement.moduleSpecifier);
      const clause = statement.importClause;
      if (!clause) lines.add(`import${source}`);
      if (clause?.name) lines.add(`import default${source}`);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) lines.add(`import *${source}`);
      if (bindings && ts.isNamedImports(bindings)) for (const e of bindings.elements) lines.add(`import ${(e.propertyName ?? e.name).getText(sf)}${source}`);
    } else if (ts.isExportDeclaration(statement)) {
      const source = from(statement.moduleSpecifier);
      const clause = statement.exportClause;
      if (!clause) lines.add(`export *${source}`);
      else if (ts.isNamespaceExport(clause)) {
        lines.add(`import *${source}`);
        lines.add(`export ${clause.name.getText(sf)}`);
      } else {
        for (const e of clause.elements) {
          if (source) lines.add(`import ${(e.propertyName ?? e.name).getText(sf)}${source}`);
          lines.add(`export ${e.name.getText(sf)}`);
        }
      }
    } else if (ts.isExportAssignment(statement)) {
      lines.add("export default");
    } else if (ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      if (ts.getModifiers(statement)!.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) lines.add("export default");
      else if (ts.isVariableStatement(statement)) for (const d of statement.declarationList.declarations) lines.add(`export ${d.name.getText(sf)}`);
      else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) lines.add(`export ${statement.name.text}`);
    }
  }
  return [...lines].sort();
}
