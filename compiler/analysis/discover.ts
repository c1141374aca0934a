import * as path from "node:path";
import { Node, SyntaxKind, type FunctionDeclaration, type SourceFile, type Statement, type CallExpression, type ArrowFunction, type FunctionExpression, type VariableDeclaration, type ts } from "../project/ts-morph.js";
import { createDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { forEachChildDescendantsWhere, wrap } from "./compiler-nodes.js";

export const DIRECTIVE = "use durable";
export const SDK_MODULE = "@aws/durable-execution-sdk-js";

/** The function itself: a declaration, or an arrow / function expression bound to a `const`. */
export type DurableFunctionNode = FunctionDeclaration | ArrowFunction | FunctionExpression;

/** A function marked `"use durable"` (in its body, or by the file's directive). */
export interface DurableFunction {
  name: string;
  node: DurableFunctionNode;
  /** What the function's name resolves to: the function declaration, or the `const` declaration holding the arrow. */
  declaration: FunctionDeclaration | VariableDeclaration;
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

/**
 * Durable functions by every compiler node a symbol of their name can resolve to: the function
 * itself and, for an arrow or function expression, the `const` declaration that holds it.
 */
export function durableFunctionsByDeclaration(functions: readonly DurableFunction[]): Map<ts.Node, DurableFunction> {
  return new Map(functions.flatMap((f): [ts.Node, DurableFunction][] => [[f.node.compilerNode, f], [f.declaration.compilerNode, f]]));
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
    const fileDirective = hasDirective(file.compilerNode.statements) ? findDirective(file.getStatements()) : undefined;
    if (fileDirective) out.fileDirectives.set(file, fileDirective);
    if (isJavaScript(file) && file.getFullText().includes(DIRECTIVE)) {
      const at = fileDirective ?? file.getDescendantsOfKind(SyntaxKind.StringLiteral).find((s) => s.getLiteralValue() === DIRECTIVE);
      if (at) {
        out.diagnostics.push(createDiagnostic("DurableInJavaScript", {}, loc(file, at)));
        return out;
      }
    }
    // Only functions that can be durable and calls that can be SDK handlers are wrapped.
    const importsSdk = file.compilerNode.statements.some((s) => s.kind === SyntaxKind.ImportDeclaration && (s as { moduleSpecifier?: { text?: string } }).moduleSpecifier?.text === SDK_MODULE);
    const candidates = forEachChildDescendantsWhere(file.compilerNode, (node) => {
      if (FUNCTION_KINDS.has(node.kind)) return (!!fileDirective && !METHOD_KINDS.has(node.kind)) || hasDirectiveInBody(node);
      return importsSdk && node.kind === SyntaxKind.CallExpression && (node as { expression?: { kind: SyntaxKind } }).expression?.kind === SyntaxKind.Identifier;
    });
    for (const node of candidates.map((c) => wrap(file, c))) {
      if (Node.isFunctionDeclaration(node)) {
        const own = directiveOf(node);
        const byFile = !own && fileDirective && node.getParent() === file && node.isExported() && node.isAsync();
        if (!own && !byFile) continue;
        const name = node.getName() ?? "default";
        const nameNode = node.getNameNode() ?? node.getFirstChildByKind(SyntaxKind.FunctionKeyword) ?? node;
        if (node.isGenerator()) {
          refuse(out, file, nameNode, "generator");
          continue;
        }
        if (node.getParent() !== file) {
          refuse(out, file, nameNode, "nestedDeclaration");
          continue;
        }
        accept(out, { name, node, declaration: node, sourceFile: file, isEntry: node.isExported() || node.isDefaultExport(), ...(own ? { directive: own } : {}) }, nameNode);
        continue;
      }
      if (Node.isArrowFunction(node) || Node.isFunctionExpression(node)) {
        const own = directiveOf(node);
        const binding = bindingOf(node);
        const byFile = !own && fileDirective && binding?.statement?.getParent() === file && binding.declaration.isExported() && node.isAsync();
        if (!own && !byFile) continue;
        const at = own ?? binding?.declaration.getNameNode() ?? node;
        const refusal = refusalOfBound(node, binding, file);
        if (refusal) {
          refuse(out, file, at, refusal);
          continue;
        }
        const declaration = binding!.declaration;
        const name = declaration.getName();
        accept(out, { name, node, declaration, sourceFile: file, isEntry: declaration.isExported(), ...(own ? { directive: own } : {}) }, declaration.getNameNode());
        continue;
      }
      if (Node.isMethodDeclaration(node) || Node.isGetAccessorDeclaration(node) || Node.isSetAccessorDeclaration(node) || Node.isConstructorDeclaration(node)) {
        const own = directiveOf(node);
        if (own) refuse(out, file, own, "method");
        continue;
      }
      if (Node.isCallExpression(node)) {
        const handler = asHandwrittenHandler(node);
        if (handler) out.handwritten.push({ call: node, handler, sourceFile: file });
      }
    }
  }
  return out;
}

const METHOD_KINDS = new Set([SyntaxKind.MethodDeclaration, SyntaxKind.GetAccessor, SyntaxKind.SetAccessor, SyntaxKind.Constructor]);
const FUNCTION_KINDS = new Set([SyntaxKind.FunctionDeclaration, SyntaxKind.ArrowFunction, SyntaxKind.FunctionExpression, ...METHOD_KINDS]);

type CompilerStatement = { kind: SyntaxKind; expression?: { kind: SyntaxKind; text?: string } };

/** `findDirective` on the compiler's statements: true when it finds one. */
function hasDirective(statements: readonly CompilerStatement[]): boolean {
  for (const s of statements) {
    if (s.kind !== SyntaxKind.ExpressionStatement || s.expression?.kind !== SyntaxKind.StringLiteral) return false;
    if (s.expression.text === DIRECTIVE) return true;
  }
  return false;
}

/** `hasDirective` on a compiler node's block body. */
function hasDirectiveInBody(fn: { kind: SyntaxKind }): boolean {
  const body = (fn as { body?: { kind: SyntaxKind; statements?: readonly CompilerStatement[] } }).body;
  return body?.kind === SyntaxKind.Block && hasDirective(body.statements ?? []);
}

function directiveOf(fn: Node & { getBody(): Node | undefined }): Statement | undefined {
  if (!hasDirectiveInBody(fn.compilerNode)) return undefined;
  const body = fn.getBody();
  return body && Node.isBlock(body) ? findDirective(body.getStatements()) : undefined;
}

/** The checks every durable function passes, whatever its form; adds it when they pass. */
function accept(out: Discovery, fn: DurableFunction, nameNode: Node): void {
  const file = fn.sourceFile;
  if (!fn.node.isAsync()) {
    out.diagnostics.push(createDiagnostic("NotAsync", { name: fn.name }, loc(file, nameNode)));
    return;
  }
  const count = fn.node.getParameters().length;
  if (fn.isEntry && count > 1) {
    out.diagnostics.push(createDiagnostic("EntryTooManyParameters", { name: fn.name, count }, loc(file, nameNode)));
    return;
  }
  out.functions.push(fn);
}

/** `const name = <fn>` (parentheses allowed around the function), with its statement. */
function bindingOf(fn: ArrowFunction | FunctionExpression): { declaration: VariableDeclaration; statement: Statement | undefined } | undefined {
  let node: Node = fn;
  while (Node.isParenthesizedExpression(node.getParent())) node = node.getParentOrThrow();
  const parent = node.getParent();
  if (!Node.isVariableDeclaration(parent) || parent.getInitializer() !== node) return undefined;
  return { declaration: parent, statement: parent.getVariableStatement() };
}

/**
 * Why an arrow or function expression marked durable cannot be one: a durable function is compiled
 * under its name (a handler, or a child context other durable functions call), so it must be a
 * module-level `const` binding that nothing can reassign or retype.
 */
function refusalOfBound(fn: ArrowFunction | FunctionExpression, binding: ReturnType<typeof bindingOf>, file: SourceFile): RefusedForm | undefined {
  const kind = Node.isArrowFunction(fn) ? "arrow" : "functionExpression";
  if (!binding) {
    const parent = fn.getParent();
    if (Node.isPropertyDeclaration(parent)) return "method";
    if (Node.isBindingElement(parent)) return "destructured";
    return kind === "arrow" ? "unboundArrow" : "unboundFunctionExpression";
  }
  const { declaration, statement } = binding;
  if (!Node.isIdentifier(declaration.getNameNode())) return "destructured";
  const list = declaration.getVariableStatement()?.getDeclarationList() ?? declaration.getParent();
  if (Node.isVariableDeclarationList(list) && list.getDeclarationKind() !== "const") return list.getDeclarationKind() === "var" ? "var" : "let";
  if (!statement || statement.getParent() !== file) return "nestedBinding";
  if (declaration.getTypeNode()) return "annotated";
  if (Node.isFunctionExpression(fn) && fn.isGenerator()) return "generator";
  return undefined;
}

/** DUR4006: what was marked, why it cannot be durable, and what to write instead. */
const REFUSED = {
  method: {
    form: "a method",
    why: "'this' and the object's fields are not checkpointed, so a replay would run against whatever state the object has by then",
    instead: "Write a module-level 'async function name(…)' or 'const name = async (…) => { … }' and pass what it needs as parameters.",
  },
  let: {
    form: "a function bound with 'let'",
    why: "the variable can be reassigned, so a call through it cannot be compiled as a call to this function",
    instead: "Declare it with 'const'.",
  },
  var: {
    form: "a function bound with 'var'",
    why: "the variable can be reassigned, so a call through it cannot be compiled as a call to this function",
    instead: "Declare it with 'const'.",
  },
  destructured: {
    form: "a function in a destructuring pattern",
    why: "a durable function is compiled under its own name, as a handler or a child context",
    instead: "Bind it to a name of its own: 'const name = async (…) => { … }'.",
  },
  nestedBinding: {
    form: "a function declared inside another function or block",
    why: "it closes over variables of the code around it, which are not checkpointed, and is compiled under a module-level name",
    instead: "Move it to module level and pass what it uses as parameters.",
  },
  nestedDeclaration: {
    form: "a nested function declaration",
    why: "it closes over variables of the code around it, which are not checkpointed, and is compiled under a module-level name",
    instead: "Move it to module level and pass what it uses as parameters.",
  },
  annotated: {
    form: "a function whose variable has a type annotation",
    why: "the compiled function takes the durable context as its first parameter, so it no longer has the annotated type",
    instead: "Remove the annotation and type the parameters and the result: 'const name = async (event: MyEvent): Promise<MyResult> => { … }'.",
  },
  generator: {
    form: "a generator function",
    why: "a suspended generator cannot be checkpointed and resumed",
    instead: "Use an async function that returns its results.",
  },
  unboundArrow: {
    form: "an arrow function that is not bound to a name",
    why: "a durable function is compiled under its name, as a handler or as a child context that other durable functions call",
    instead: "Bind it at module level: 'export const name = async (…) => { \"use durable\"; … }'.",
  },
  unboundFunctionExpression: {
    form: "a function expression that is not bound to a name",
    why: "a durable function is compiled under its name, as a handler or as a child context that other durable functions call",
    instead: "Bind it at module level: 'export const name = async function (…) { \"use durable\"; … }'.",
  },
} as const;

type RefusedForm = keyof typeof REFUSED;

function refuse(out: Discovery, file: SourceFile, at: Node, form: RefusedForm): void {
  out.diagnostics.push(createDiagnostic("UnsupportedDurableForm", { ...REFUSED[form] }, loc(file, at)));
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
