/**
 * Every durable function receives the durable context as its first parameter; an entry (an
 * exported durable function) keeps its implementation under a generated name and is exported
 * as a `withDurableExecution` handler under its own name. The directive is removed, so compiling
 * the output again changes nothing.
 *
 *   export async function checkout(order: Order) {     export async function checkout$durable(ctx: DurableContext, order: Order) {
 *     "use durable";                                →    …
 *     …                                                }
 *   }                                                  export const checkout = withDurableExecution((event: Parameters<typeof checkout$durable>[1], ctx: DurableContext) => checkout$durable(ctx, event));
 *
 * An entry bound to a `const` is renamed the same way:
 *
 *   export const checkout = async (order: Order) => {  export const checkout$durable = async (ctx: DurableContext, order: Order) => {
 *     "use durable";                                →    …
 *     …                                                };
 *   };                                                 export const checkout = withDurableExecution(…);
 */
import { Node, SyntaxKind, type FunctionDeclaration, type VariableDeclaration } from "../project/ts-morph.js";
import type { DurableFunction, DurableFunctionNode } from "../analysis/discover.js";
import type { EditSet } from "../edits/edit-set.js";
import { validatedEventText } from "./validate-inputs.js";
import type { PassContext } from "./pass-context.js";

const PASS = "rewrite-entries-to-handlers";

export function rewriteEntriesToHandlers(context: PassContext): void {
  const { edits, names } = context;
  if (context.fileDirective) removeStatement(edits, context.fileDirective);
  for (const analysis of context.functions) {
    const { fn } = analysis;
    context.imports.DurableContext = true;
    if (fn.directive) removeStatement(edits, fn.directive);
    addContextParameter(context, fn.node);
    if (!fn.isEntry) continue;

    context.imports.withDurableExecution = true;
    const inner = names.inner(fn.name);
    const ev = names.event;
    const params = fn.node.getParameters();
    const eventType = params.length ? `Parameters<typeof ${inner}>[1]` : "unknown";
    const handler = `${names.withDurableExecution}((${ev}: ${eventType}, ${names.ctx}: ${names.DurableContext}) => ${inner}(${names.ctx}${params.length ? `, ${validatedEventText(context, analysis, ev)}` : ""}))`;
    if (Node.isFunctionDeclaration(fn.declaration)) rewriteDeclaredEntry(context, fn, fn.declaration, inner, handler);
    else rewriteBoundEntry(context, fn, fn.declaration, inner, handler);
  }
}

/** `(ctx: DurableContext, …)`; a lone unparenthesised arrow parameter gets parentheses. */
function addContextParameter(context: PassContext, node: DurableFunctionNode): void {
  const { edits, names } = context;
  const params = node.getParameters();
  const parameter = `${names.ctx}: ${names.DurableContext}`;
  const paren = node.getFirstChildByKind(SyntaxKind.OpenParenToken);
  if (paren) edits.tail(paren.getStart(), paren.getEnd(), `${parameter}${params.length ? ", " : ""}`, PASS);
  else {
    const only = params[0]!;
    edits.head(only.getStart(), only.getEnd(), `(${parameter}, `, PASS);
    edits.tail(only.getStart(), only.getEnd(), ")", PASS);
  }
}

/** `export async function checkout(…)` → `export async function checkout$durable(ctx, …)` and the handler after it. */
function rewriteDeclaredEntry(context: PassContext, fn: DurableFunction, node: FunctionDeclaration, inner: string, handler: string): void {
  const { edits } = context;
  const nameNode = node.getNameNode();
  const isDefault = node.isDefaultExport();
  if (nameNode) edits.replace(nameNode.getStart(), nameNode.getEnd(), inner, PASS);
  else {
    const keyword = node.getFirstChildByKindOrThrow(SyntaxKind.FunctionKeyword);
    edits.tail(keyword.getStart(), keyword.getEnd(), ` ${inner}`, PASS);
  }
  if (isDefault) {
    const defaultKeyword = node.getFirstModifierByKind(SyntaxKind.DefaultKeyword);
    const exportKeyword = node.getFirstModifierByKind(SyntaxKind.ExportKeyword);
    if (exportKeyword && defaultKeyword) edits.remove(exportKeyword.getStart(), skipSpaces(context.file.getFullText(), defaultKeyword.getEnd()), PASS);
  }
  const declaration = isDefault ? `export default ${handler};` : `${node.hasExportKeyword() ? "export " : ""}const ${fn.name} = ${handler};${exportedByList(node.hasExportKeyword(), node.isExported(), inner)}`;
  edits.tail(node.getStart(), node.getEnd(), `\n${declaration}`, PASS);
}

/**
 * An entry exported by an export list (`export { checkout }`) exports its implementation too:
 * durable functions of other modules that call it import `checkout$durable`.
 */
function exportedByList(hasExportKeyword: boolean, isExported: boolean, inner: string): string {
  return !hasExportKeyword && isExported ? `\nexport { ${inner} };` : "";
}

/** `export const checkout = async (…) => {…};` → `export const checkout$durable = async (ctx, …) => {…};` and the handler after it. */
function rewriteBoundEntry(context: PassContext, fn: DurableFunction, declaration: VariableDeclaration, inner: string, handler: string): void {
  const { edits } = context;
  const nameNode = declaration.getNameNode();
  edits.replace(nameNode.getStart(), nameNode.getEnd(), inner, PASS);
  const statement = declaration.getVariableStatementOrThrow();
  edits.tail(statement.getStart(), statement.getEnd(), `\n${statement.hasExportKeyword() ? "export " : ""}const ${fn.name} = ${handler};${exportedByList(statement.hasExportKeyword(), declaration.isExported(), inner)}`, PASS);
}

function skipSpaces(text: string, at: number): number {
  while (at < text.length && (text[at] === " " || text[at] === "\t")) at++;
  return at;
}

/** Removes a statement with its line when it stands alone on it. */
export function removeStatement(edits: EditSet, statement: Node): void {
  const text = statement.getSourceFile().getFullText();
  let start = statement.getStart();
  let end = statement.getEnd();
  let lineStart = start;
  while (lineStart > 0 && (text[lineStart - 1] === " " || text[lineStart - 1] === "\t")) lineStart--;
  let lineEnd = skipSpaces(text, end);
  if ((lineStart === 0 || text[lineStart - 1] === "\n") && (text[lineEnd] === "\n" || text[lineEnd] === "\r" || lineEnd === text.length)) {
    start = lineStart;
    if (text[lineEnd] === "\r") lineEnd++;
    end = lineEnd < text.length ? lineEnd + 1 : lineEnd;
  }
  edits.remove(start, end, PASS);
}
