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
 */
import { SyntaxKind, type Node } from "ts-morph";
import type { EditSet } from "../edits/edit-set.js";
import { validatedEventText } from "./validate-inputs.js";
import type { PassContext } from "./pass-context.js";

const PASS = "rewrite-entries-to-handlers";

export function rewriteEntriesToHandlers(context: PassContext): void {
  const { edits, names } = context;
  if (context.fileDirective) removeStatement(edits, context.fileDirective);
  for (const { fn } of context.functions) {
    const node = fn.node;
    context.imports.DurableContext = true;
    if (fn.directive) removeStatement(edits, fn.directive);
    const paren = node.getFirstChildByKindOrThrow(SyntaxKind.OpenParenToken);
    const params = node.getParameters();
    edits.tail(paren.getStart(), paren.getEnd(), `${names.ctx}: ${names.DurableContext}${params.length ? ", " : ""}`, PASS);
    if (!fn.isEntry) continue;

    context.imports.withDurableExecution = true;
    const inner = names.inner(fn.name);
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
    const ev = names.event;
    const eventType = params.length ? `Parameters<typeof ${inner}>[1]` : "unknown";
    const handler = `${names.withDurableExecution}((${ev}: ${eventType}, ${names.ctx}: ${names.DurableContext}) => ${inner}(${names.ctx}${params.length ? `, ${validatedEventText(context, fn, ev)}` : ""}))`;
    const exported = node.hasExportKeyword();
    const declaration = isDefault
      ? `export default ${handler};`
      : `${exported ? "export " : ""}const ${fn.name} = ${handler};`;
    edits.tail(node.getStart(), node.getEnd(), `\n${declaration}`, PASS);
  }
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
