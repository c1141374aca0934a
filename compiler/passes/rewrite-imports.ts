/**
 * Imports follow the rewrites: the SDK and `durablec/internal` are imported under generated
 * names, and the intrinsics imported from "durablec" are dropped once every use is rewritten.
 *
 *   import { sleep, type Duration } from "durablec";
 *   →
 *   import { withDurableExecution, type DurableContext } from "@aws/durable-execution-sdk-js";
 *   import * as durablec from "durablec/internal";
 *   import type { Duration } from "durablec";
 */
import { Node, SyntaxKind, ts, type ImportDeclaration } from "../project/ts-morph.js";
import { INTRINSICS_MODULE } from "../analysis/classify-call.js";
import { identifiersNamed, wrap } from "../analysis/compiler-nodes.js";
import { SDK_MODULE } from "../analysis/discover.js";
import { operationsOf, type PassContext } from "./pass-context.js";

const PASS = "rewrite-imports";

export function rewriteImports(context: PassContext): void {
  const { file, edits, names, imports } = context;
  const rewrittenCallees = new Set<Node>(
    operationsOf(context)
      .filter((o) => o.classification.kind === "intrinsic")
      .map((o) => o.call.getExpression()),
  );
  // The file's imports of "durablec", found on the compiler's nodes: only they are wrapped.
  const intrinsicImports = file.compilerNode.statements.filter((s) => ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text === INTRINSICS_MODULE);
  for (const decl of intrinsicImports.map((s) => wrap(file, s) as ImportDeclaration)) {
    if (decl.isTypeOnly()) continue;
    if (decl.getDefaultImport() || decl.getNamespaceImport()) continue;
    const keptValues: string[] = [];
    const keptTypes: string[] = [];
    for (const spec of decl.getNamedImports()) {
      const local = (spec.getAliasNode() ?? spec.getNameNode()).getText();
      const uses = identifiersNamed(file, local).filter((id) => id.getParent() !== spec && !id.getFirstAncestorByKind(SyntaxKind.ImportDeclaration));
      const valueUses = uses.filter((id) => !rewrittenCallees.has(id) && !isTypePosition(id));
      const text = spec.getText().replace(/^type\s+/, "");
      if (valueUses.length > 0) keptValues.push(spec.getText());
      else if (uses.some(isTypePosition)) keptTypes.push(text);
    }
    const replacement =
      keptValues.length > 0
        ? `import { ${[...keptValues, ...keptTypes.map((t) => `type ${t}`)].join(", ")} } from "${INTRINSICS_MODULE}";`
        : keptTypes.length > 0
          ? `import type { ${keptTypes.join(", ")} } from "${INTRINSICS_MODULE}";`
          : "";
    if (replacement === decl.getText()) continue;
    if (replacement) edits.replace(decl.getStart(), decl.getEnd(), replacement, PASS);
    else {
      const text = file.getFullText();
      let end = decl.getEnd();
      if (text[end] === "\r") end++;
      if (text[end] === "\n") end++;
      edits.remove(decl.getStart(), end, PASS);
    }
  }

  const lines: string[] = [];
  const sdk: string[] = [];
  const alias = (name: string, local: string) => (name === local ? name : `${name} as ${local}`);
  if (imports.withDurableExecution) sdk.push(alias("withDurableExecution", names.withDurableExecution));
  if (imports.DurableContext) sdk.push(`type ${alias("DurableContext", names.DurableContext)}`);
  if (sdk.length) lines.push(`import { ${sdk.join(", ")} } from "${SDK_MODULE}";`);
  if (imports.internal) lines.push(`import * as ${names.internal} from "durablec/internal";`);
  for (const { moduleSpecifier, importedName, local } of imports.inners.values()) {
    lines.push(`import { ${alias(importedName, local)} } from ${JSON.stringify(moduleSpecifier)};`);
  }
  if (lines.length === 0) return;
  const block = lines.join("\n");
  const first = file.getStatements().find((s) => s !== context.fileDirective);
  if (first && Node.isImportDeclaration(first)) edits.head(first.getStart(), first.getStart(), `${block}\n`, PASS);
  else if (context.fileDirective) edits.head(context.fileDirective.getStart(), context.fileDirective.getStart(), `${block}\n`, PASS);
  else {
    const at = first ? first.getStart() : file.getEnd();
    edits.head(at, at, `${block}\n\n`, PASS);
  }
}

function isTypePosition(id: Node): boolean {
  const parent = id.getParent();
  return !!parent && (Node.isTypeReference(parent) || Node.isExpressionWithTypeArguments(parent) || Node.isTypeQuery(parent) || Node.isQualifiedName(parent));
}
