/**
 * Narrowing that a generated closure would lose. TypeScript keeps what control flow proved about a
 * `let` variable or a parameter (`if (x)`, `typeof y === "string"`, `if (!o) return`, an
 * assignment) inside a closure only when the variable is never assigned after the closure is
 * created, and it never keeps the narrowing of a property (`if (order.coupon)`) inside a closure.
 * The compiler moves calls and loop bodies into closures (`ctx.step(name, async () => price(x))`),
 * so the source type-checks where the output would not. This plans what keeps the source's types:
 *
 * - a narrowed variable that is assigned somewhere in the function is rebound around the outermost
 *   generated closure that reads it, by an immediately invoked arrow whose parameter TypeScript
 *   types from the argument, i.e. the narrowed type (passes/rebind-narrowed.ts). The argument is a
 *   plain variable read, evaluated where the closure is created, and the moved code keeps its names;
 * - a narrowed property read inside a generated closure gets the narrowed type asserted where it
 *   stands (`order.coupon!`, or `(event.kind as "a")`): a copy made earlier could miss a change
 *   that the source would see, and the assertion states nothing the checker did not prove there.
 */
import { SyntaxKind, ts, type Node, type SourceFile } from "../project/ts-morph.js";
import { compilerDescendantsOfKind, symbolOf, wrap } from "./compiler-nodes.js";

export interface NarrowingPlan {
  /** Per generated closure (by the source node it encloses): the variables it rebinds, in order of use. */
  rebinds: Map<Node, string[]>;
  /** Property reads inside generated closures, with what makes their narrowed type explicit. */
  assertions: { node: Node; suffix?: "!"; type?: string }[];
}

/** What the plan of one durable function looks at: its file, the checker, and node starts computed once. */
class Scope {
  readonly sf: ts.SourceFile;
  readonly checker: ts.TypeChecker;
  readonly #starts = new Map<ts.Node, number>();

  constructor(
    readonly file: SourceFile,
    readonly fn: ts.Node,
  ) {
    this.sf = file.compilerNode;
    this.checker = file.getProject().getTypeChecker().compilerObject;
  }

  start(node: ts.Node): number {
    let start = this.#starts.get(node);
    if (start === undefined) this.#starts.set(node, (start = node.getStart(this.sf)));
    return start;
  }

  within(node: ts.Node, outer: ts.Node): boolean {
    return this.start(node) >= this.start(outer) && node.end <= outer.end;
  }

  #localNames: Set<string> | undefined;

  /**
   * Whether `id` may read or write a variable or parameter declared in `fn`: its text is the
   * name of one (a `{ x }` shorthand is written as its variable). Other identifiers need no
   * symbol lookup.
   */
  mayBeLocal(id: ts.Node): boolean {
    if (!this.#localNames) {
      this.#localNames = new Set();
      for (const name of compilerDescendantsOfKind(this.fn, SyntaxKind.Identifier)) {
        const parent = name.parent;
        if ((ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isBindingElement(parent)) && parent.name === name) this.#localNames.add((name as ts.Identifier).text);
      }
    }
    return this.#localNames.has((id as ts.Identifier).text);
  }

  isAssignable(source: ts.Type, target: ts.Type): boolean {
    return this.checker.isTypeAssignableTo(source, target);
  }
}

/**
 * `closures` are the source nodes the rewrites move into closures (step bodies, child contexts,
 * loop bodies…), in any order; `fn` is the durable function they belong to.
 */
export function planNarrowing(closures: readonly Node[], fn: Node): NarrowingPlan {
  const plan: NarrowingPlan = { rebinds: new Map(), assertions: [] };
  const scope = new Scope(fn.getSourceFile(), fn.compilerNode);
  const sorted = [...closures].sort((a, b) => scope.start(a.compilerNode) - scope.start(b.compilerNode) || b.getEnd() - a.getEnd());
  const rebound = new Map<Node, Set<ts.Symbol>>();
  for (const extent of sorted) {
    const enclosing = sorted.filter((o) => o !== extent && scope.within(extent.compilerNode, o.compilerNode));
    const already = new Set(enclosing.flatMap((o) => [...(rebound.get(o) ?? [])]));
    const own = rebindsOf(extent.compilerNode, scope).filter(([symbol]) => !already.has(symbol));
    rebound.set(extent, new Set(own.map(([symbol]) => symbol)));
    plan.rebinds.set(extent, own.map(([, name]) => name));
    if (enclosing.length === 0) collectAssertions(extent.compilerNode, scope, plan);
  }
  return plan;
}

function rebindsOf(extent: ts.Node, scope: Scope): [ts.Symbol, string][] {
  const candidates = new Map<ts.Symbol, ts.Node>();
  const writtenInside = new Set<ts.Symbol>();
  for (const id of identifiersIn(extent)) {
    if (!scope.mayBeLocal(id)) continue;
    const symbol = valueSymbol(id, scope.checker);
    if (!symbol) continue;
    if (isWrite(id)) writtenInside.add(symbol);
    else if (!candidates.has(symbol) && isNarrowedLocal(id, symbol, extent, scope)) candidates.set(symbol, id);
  }
  return [...candidates].filter(([symbol]) => !writtenInside.has(symbol) && isReassigned(symbol, scope)).map(([symbol, id]) => [symbol, id.getText(scope.sf)]);
}

function identifiersIn(node: ts.Node): ts.Node[] {
  return node.kind === SyntaxKind.Identifier ? [node] : compilerDescendantsOfKind(node, SyntaxKind.Identifier);
}

function collectAssertions(extent: ts.Node, scope: Scope, plan: NarrowingPlan): void {
  const visit = (node: ts.Node): void => {
    if ((ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) && !isCallee(node) && !isWrite(node)) {
      const assertion = narrowedPropertyAssertion(node, scope);
      if (assertion) {
        plan.assertions.push({ node: wrap(scope.file, node), ...assertion });
        return;
      }
    }
    node.forEachChild(visit);
  };
  visit(extent);
}

/** `!` or the narrowed type's text, when the read's type is narrower than the property's. */
function narrowedPropertyAssertion(access: ts.PropertyAccessExpression | ts.ElementAccessExpression, scope: Scope): { suffix?: "!"; type?: string } | undefined {
  if (ts.isElementAccessExpression(access)) {
    const arg = access.argumentExpression;
    if (!(ts.isStringLiteral(arg) || ts.isNumericLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))) return undefined;
  }
  const { checker } = scope;
  const property = symbolOf(access, checker);
  if (!property) return undefined;
  const declared = checker.getTypeOfSymbolAtLocation(property, access.expression);
  const narrowed = checker.getTypeAtLocation(access);
  if (narrowed === declared || scope.isAssignable(declared, narrowed)) return undefined;
  if (scope.isAssignable(checker.getNonNullableType(declared), narrowed)) return { suffix: "!" };
  return { type: checker.typeToString(narrowed, access, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope) };
}

/** The callee of a call or `new` (a tagged template's tag is read, not called through its object). */
function isCallee(node: ts.Node): boolean {
  const parent = node.parent;
  return (ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.expression === node;
}

/** The variable an identifier reads (the value of a `{ x }` shorthand, not the property). */
function valueSymbol(id: ts.Node, checker: ts.TypeChecker): ts.Symbol | undefined {
  const parent = id.parent;
  if (ts.isShorthandPropertyAssignment(parent) && parent.name === id) return checker.getShorthandAssignmentValueSymbol(parent);
  return symbolOf(id, checker);
}

/** A `let`/`var` variable or a parameter of `fn`, declared outside `extent`, narrowed at `id`. */
function isNarrowedLocal(id: ts.Node, symbol: ts.Symbol, extent: ts.Node, scope: Scope): boolean {
  const decl = symbol.declarations?.[0];
  if (!decl || decl.getSourceFile() !== scope.sf) return false;
  if (!(ts.isVariableDeclaration(decl) || ts.isParameter(decl) || ts.isBindingElement(decl))) return false;
  if (!scope.within(decl, scope.fn) || scope.within(decl, extent) || isConstBinding(decl)) return false;
  const declared = scope.checker.getTypeOfSymbolAtLocation(symbol, decl);
  const narrowed = scope.checker.getTypeAtLocation(id);
  if (narrowed === declared) return false;
  return !scope.isAssignable(declared, narrowed);
}

/** A `const` (or `using`) variable, possibly destructured; parameters and `catch` variables are not. */
function isConstBinding(decl: ts.Node): boolean {
  let node = decl;
  while (ts.isBindingElement(node) || ts.isObjectBindingPattern(node) || ts.isArrayBindingPattern(node)) node = node.parent;
  const list = ts.isVariableDeclaration(node) ? node.parent : undefined;
  if (!list || !ts.isVariableDeclarationList(list)) return false;
  const isLetOrVar = (list.flags & ts.NodeFlags.Let) !== 0 || (list.flags & (ts.NodeFlags.Const | ts.NodeFlags.Using)) === 0;
  return !isLetOrVar;
}

const reassigned = new WeakMap<ts.Node, Set<ts.Symbol>>();

/** Whether anything in `fn` assigns `symbol` after its declaration. */
function isReassigned(symbol: ts.Symbol, scope: Scope): boolean {
  let written = reassigned.get(scope.fn);
  if (!written) {
    written = new Set<ts.Symbol>();
    for (const id of compilerDescendantsOfKind(scope.fn, SyntaxKind.Identifier)) {
      const s = scope.mayBeLocal(id) && isWrite(id) ? valueSymbol(id, scope.checker) : undefined;
      if (s) written.add(s);
    }
    reassigned.set(scope.fn, written);
  }
  return written.has(symbol);
}

/**
 * `x = …`, `x += …`, `x++`, `[x, y] = …`, `({ x } = …)`, `for (x of …)`: the node is the target of
 * a write (TypeScript's own notion of an assignment target).
 */
function isWrite(target: ts.Node): boolean {
  let node: ts.Node = target;
  let parent = node.parent;
  // Up through the destructuring pattern the target stands in, if any.
  for (;;) {
    if (ts.isParenthesizedExpression(parent) || ts.isNonNullExpression(parent) || ts.isArrayLiteralExpression(parent) || ts.isSpreadElement(parent)) node = parent;
    else if (ts.isShorthandPropertyAssignment(parent) || ts.isSpreadAssignment(parent) || (ts.isPropertyAssignment(parent) && parent.initializer === node)) node = parent.parent;
    else break;
    parent = node.parent;
  }
  if (ts.isBinaryExpression(parent)) {
    const op = parent.operatorToken.kind;
    return parent.left === node && op >= SyntaxKind.FirstAssignment && op <= SyntaxKind.LastAssignment;
  }
  if (ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent)) {
    return parent.operator === SyntaxKind.PlusPlusToken || parent.operator === SyntaxKind.MinusMinusToken;
  }
  if (ts.isForOfStatement(parent) || ts.isForInStatement(parent)) return parent.initializer === node;
  if (ts.isDeleteExpression(parent)) return true;
  return false;
}
