import { Node, SyntaxKind, ts, type CallExpression, type NewExpression, type SourceFile } from "../project/ts-morph.js";
import type { FunctionAnalysis, PlannedOperation } from "../analysis/analyze-durable-function.js";
import type { DurableFunction } from "../analysis/discover.js";
import type { EditSet } from "../edits/edit-set.js";

/** Identifiers generated into one file, chosen so they never collide with the file's own names. */
export class GeneratedNames {
  private readonly taken: Set<string>;
  private readonly cache = new Map<string, string>();

  constructor(file: SourceFile) {
    // Walks the compiler's nodes: wrapping every identifier of the file in ts-morph nodes costs more.
    this.taken = new Set();
    const collect = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) this.taken.add(node.text);
      // Names in JSDoc (`@idempotencyKey request.key`) count too, as ts-morph's walk sees them.
      for (const doc of (node as { jsDoc?: ts.Node[] }).jsDoc ?? []) collect(doc);
      ts.forEachChild(node, collect);
    };
    collect(file.compilerNode);
  }

  /** A fresh name: the first free candidate, else `<first>_<n>` (Babel's generateUidIdentifier). */
  unique(key: string, candidates: readonly string[]): string {
    const cached = this.cache.get(key);
    if (cached) return cached;
    let name = candidates.find((c) => !this.taken.has(c));
    for (let n = 1; !name; n++) if (!this.taken.has(`${candidates[0]}_${n}`)) name = `${candidates[0]}_${n}`;
    this.taken.add(name);
    this.cache.set(key, name);
    return name;
  }

  get ctx(): string {
    return this.unique("ctx", ["ctx", "context", "durableContext"]);
  }
  get event(): string {
    return this.unique("event", ["event", "input", "durableEvent"]);
  }
  get internal(): string {
    return this.unique("internal", ["durablec", "durablecInternal"]);
  }
  get withDurableExecution(): string {
    return this.unique("withDurableExecution", ["withDurableExecution"]);
  }
  get DurableContext(): string {
    return this.unique("DurableContext", ["DurableContext"]);
  }
  /** The implementation of an entry: `checkout$durable(ctx, event)`. */
  inner(fnName: string): string {
    return this.unique(`inner:${fnName}`, [`${fnName}$durable`]);
  }
  /** Local alias of another module's entry implementation. */
  importedInner(moduleSpecifier: string, importedName: string): string {
    return this.unique(`import:${moduleSpecifier}#${importedName}`, [`${importedName}$durable`]);
  }
}

/** What the SDK / durablec/internal imports a file needs after its rewrites. */
export interface RequiredImports {
  withDurableExecution: boolean;
  DurableContext: boolean;
  internal: boolean;
  /** `import { checkout$durable as x } from "./other.js"` for durable calls across modules. */
  inners: Map<string, { moduleSpecifier: string; importedName: string; local: string }>;
}

export interface PassContext {
  file: SourceFile;
  edits: EditSet;
  /** Analyses of the durable functions declared in this file. */
  functions: FunctionAnalysis[];
  names: GeneratedNames;
  /** Names of other files, for the inner names of durable functions declared there. */
  namesOf: (file: SourceFile) => GeneratedNames;
  imports: RequiredImports;
  fileDirective?: Node;
}

export type Pass = (context: PassContext) => void;

export function operationsOf(context: PassContext): PlannedOperation[] {
  return context.functions.flatMap((f) => f.operations);
}

/** True when `await <expr>` must be parenthesised where `node` stands (member access, call target…). */
export function needsParentheses(node: Node): boolean {
  const parent = node.getParent();
  if (!parent) return false;
  if ((Node.isPropertyAccessExpression(parent) || Node.isElementAccessExpression(parent)) && parent.getExpression() === node) return true;
  if ((Node.isCallExpression(parent) || Node.isNewExpression(parent)) && parent.getExpression() === node) return true;
  if (Node.isTaggedTemplateExpression(parent) || Node.isNonNullExpression(parent)) return true;
  if (Node.isBinaryExpression(parent) && parent.getOperatorToken().getKind() === SyntaxKind.AsteriskAsteriskToken) return true;
  return false;
}

export function openParenOf(call: CallExpression | NewExpression): Node {
  const paren = call.getFirstChildByKind(SyntaxKind.OpenParenToken);
  if (!paren) throw new Error(`call without parentheses at ${call.getStart()}`);
  return paren;
}

export function isEntry(fn: DurableFunction): boolean {
  return fn.isEntry;
}

export const str = (s: string) => JSON.stringify(s);
