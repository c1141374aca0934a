import * as path from "node:path";
import { Node, SyntaxKind, type FunctionDeclaration, type SourceFile, type Statement, type CallExpression, type ArrowFunction, type FunctionExpression } from "ts-morph";
import { createDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";

export const DIRECTIVE = "use durable";
export const SDK_MODULE = "@aws/durable-execution-sdk-js";

/** A function marked `"use durable"` (in its body, or by the file's directive). */
export interface DurableFunction {
  name: string;
  node: FunctionDeclaration;
  sourceFile: SourceFile;
  /** Exported: becomes a `withDurableExecution` handler under the same name. */
  isEntry: boolean;
  /** The directive statement in the body, removed from the output. */
  directive?: Statement;
}

/** A handwritten `withDurableExecution(async (event, context) => …)`: checked, not rewritten. */
export interface HandwrittenHandler {
  call: CallExpression;
  handler: ArrowFunction | FunctionExpression;
  sourceFile: SourceFile;
}

export interface Discovery {
  functions: DurableFunction[];
  /** Files whose first statement is the directive, with that statement. */
  fileDirectives: Map<SourceFile, Statement>;
  handwritten: HandwrittenHandler[];
  diagnostics: Diagnostic[];
}

/** The directive statement among the leading string-literal statements, if any. */
export function findDirective(statements: readonly Statement[]): Statement | undefined {
  for (const s of statements) {
    if (!Node.isExpressionStatement(s)) return undefined;
    const e = s.getExpression();
    if (!Node.isStringLiteral(e)) return undefined;
    if (e.getLiteralValue() === DIRECTIVE) return s;
  }
  return undefined;
}

/** Cheap textual pre-check so files without the directive or the SDK are never walked. */
export function mightContainDurableCode(text: string): boolean {
  return text.includes(DIRECTIVE) || text.includes("withDurableExecution");
}

function isJavaScript(file: SourceFile): boolean {
  return /\.(c|m)?jsx?$/.test(file.getFilePath());
}

const cache = new WeakMap<SourceFile, { text: string; result: Discovery }>();

/** Discovers durable functions and handwritten handlers; per-file results are cached by text. */
export function discover(files: readonly SourceFile[]): Discovery {
  const out: Discovery = { functions: [], fileDirectives: new Map(), handwritten: [], diagnostics: [] };
  for (const file of files) {
    const text = file.getFullText();
    let hit = cache.get(file);
    if (!hit || hit.text !== text) {
      hit = { text, result: discoverFile(file) };
      cache.set(file, hit);
    }
    const r = hit.result;
    out.functions.push(...r.functions);
    for (const [k, v] of r.fileDirectives) out.fileDirectives.set(k, v);
    out.handwritten.push(...r.handwritten);
    out.diagnostics.push(...r.diagnostics);
  }
  return out;
}

function discoverFile(file: SourceFile): Discovery {
  const out: Discovery = { functions: [], fileDirectives: new Map(), handwritten: [], diagnostics: [] };
  {
    if (file.isDeclarationFile() || !mightContainDurableCode(file.getFullText())) return out;
    const fileDirective = findDirective(file.getStatements());
    if (fileDirective) out.fileDirectives.set(file, fileDirective);
    if (isJavaScript(file) && file.getFullText().includes(DIRECTIVE)) {
      const at = fileDirective ?? file.getDescendantsOfKind(SyntaxKind.StringLiteral).find((s) => s.getLiteralValue() === DIRECTIVE);
      if (at) {
        out.diagnostics.push(createDiagnostic("DurableInJavaScript", {}, loc(file, at)));
        return out;
      }
    }
    file.forEachDescendant((node) => {
      if (Node.isFunctionDeclaration(node)) {
        const body = node.getBody();
        const own = body && Node.isBlock(body) ? findDirective(body.getStatements()) : undefined;
        const byFile = !own && fileDirective && node.getParent() === file && node.isExported() && node.isAsync();
        if (!own && !byFile) return;
        const name = node.getName() ?? "default";
        const nameNode = node.getNameNode() ?? node.getFirstChildByKind(SyntaxKind.FunctionKeyword) ?? node;
        if (!node.isAsync()) {
          out.diagnostics.push(createDiagnostic("NotAsync", { name }, loc(file, nameNode)));
          return;
        }
        if (node.isGenerator()) {
          out.diagnostics.push(createDiagnostic("UnsupportedDurableForm", { form: "a generator function" }, loc(file, nameNode)));
          return;
        }
        const isEntry = node.isExported() || node.isDefaultExport();
        if (isEntry && node.getParameters().length > 1) {
          out.diagnostics.push(createDiagnostic("EntryTooManyParameters", { name, count: node.getParameters().length }, loc(file, nameNode)));
          return;
        }
        if (node.getParent() !== file) {
          out.diagnostics.push(createDiagnostic("UnsupportedDurableForm", { form: "a nested function declaration" }, loc(file, nameNode)));
          return;
        }
        out.functions.push({ name, node, sourceFile: file, isEntry, ...(own ? { directive: own } : {}) });
        return;
      }
      if (Node.isArrowFunction(node) || Node.isFunctionExpression(node) || Node.isMethodDeclaration(node)) {
        const body = node.getBody();
        const own = body && Node.isBlock(body) ? findDirective(body.getStatements()) : undefined;
        if (own) {
          const form = Node.isMethodDeclaration(node) ? "a method" : Node.isArrowFunction(node) ? "an arrow function" : "a function expression";
          out.diagnostics.push(createDiagnostic("UnsupportedDurableForm", { form }, loc(file, own)));
        }
        return;
      }
      if (Node.isCallExpression(node)) {
        const handler = asHandwrittenHandler(node);
        if (handler) out.handwritten.push({ call: node, handler, sourceFile: file });
      }
      return;
    });
  }
  return out;
}

function asHandwrittenHandler(call: CallExpression): ArrowFunction | FunctionExpression | undefined {
  const callee = call.getExpression();
  if (!Node.isIdentifier(callee)) return undefined;
  const symbol = callee.getSymbol();
  const decl = symbol?.getDeclarations()[0];
  if (!decl || !Node.isImportSpecifier(decl)) return undefined;
  if (decl.getImportDeclaration().getModuleSpecifierValue() !== SDK_MODULE) return undefined;
  if (decl.getName() !== "withDurableExecution") return undefined;
  const fn = call.getArguments()[0];
  return fn && (Node.isArrowFunction(fn) || Node.isFunctionExpression(fn)) ? fn : undefined;
}

export function loc(file: SourceFile, node: Node): { file: string; start: number; length: number } {
  return { file: path.normalize(file.getFilePath()), start: node.getStart(), length: node.getEnd() - node.getStart() };
}
