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
import { Node, SyntaxKind, ts, type Identifier, type Symbol as MorphSymbol, type Type } from "../project/ts-morph.js";
import { descendantsOfKind } from "./compiler-nodes.js";

export interface NarrowingPlan {
  /** Per generated closure (by the source node it encloses): the variables it rebinds, in order of use. */
  rebinds: Map<Node, string[]>;
  /** Property reads inside generated closures, with what makes their narrowed type explicit. */
  assertions: { node: Node; suffix?: "!"; type?: string }[];
}

/**
 * `closures` are the source nodes the rewrites move into closures (step bodies, child contexts,
 * loop bodies…), in any order; `fn` is the durable function they belong to.
 */
export function planNarrowing(closures: readonly Node[], fn: Node): NarrowingPlan {
  const plan: NarrowingPlan = { rebinds: new Map(), assertions: [] };
  const sorted = [...closures].sort((a, b) => a.getStart() - b.getStart() || b.getEnd() - a.getEnd());
  const rebound = new Map<Node, Set<MorphSymbol>>();
  for (const extent of sorted) {
    const enclosing = sorted.filter((o) => o !== extent && within(extent, o));
    const already = new Set(enclosing.flatMap((o) => [...(rebound.get(o) ?? [])]));
    const own = rebindsOf(extent, fn).filter(([symbol]) => !already.has(symbol));
    rebound.set(extent, new Set(own.map(([symbol]) => symbol)));
    plan.rebinds.set(extent, own.map(([, name]) => name));
    if (enclosing.length === 0) collectAssertions(extent, plan);
  }
  return plan;
}

function rebindsOf(extent: Node, fn: Node): [MorphSymbol, string][] {
  const candidates = new Map<MorphSymbol, Identifier>();
  const writtenInside = new Set<MorphSymbol>();
  for (const id of identifiersIn(extent)) {
    const symbol = valueSymbol(id);
    if (!symbol) continue;
    if (isWrite(id)) writtenInside.add(symbol);
    else if (!candidates.has(symbol) && isNarrowedLocal(id, symbol, extent, fn)) candidates.set(symbol, id);
  }
  return [...candidates].filter(([symbol]) => !writtenInside.has(symbol) && isReassigned(symbol, fn)).map(([symbol, id]) => [symbol, id.getText()]);
}

function identifiersIn(node: Node): Identifier[] {
  return Node.isIdentifier(node) ? [node] : descendantsOfKind(node, SyntaxKind.Identifier);
}

function collectAssertions(extent: Node, plan: NarrowingPlan): void {
  const visit = (node: Node): void => {
    if ((Node.isPropertyAccessExpression(node) || Node.isElementAccessExpression(node)) && !isCallee(node) && !isWrite(node)) {
      const assertion = narrowedPropertyAssertion(node);
      if (assertion) {
        plan.assertions.push({ node, ...assertion });
        return;
      }
    }
    node.forEachChild(visit);
  };
  visit(extent);
}

/** `!` or the narrowed type's text, when the read's type is narrower than the property's. */
function narrowedPropertyAssertion(access: Node): { suffix?: "!"; type?: string } | undefined {
  if (Node.isElementAccessExpression(access)) {
    const arg = access.getArgumentExpression();
    if (!arg || !(Node.isStringLiteral(arg) || Node.isNumericLiteral(arg) || Node.isNoSubstitutionTemplateLiteral(arg))) return undefined;
  }
  const property = access.getSymbol();
  const object = (access as Node & { getExpression(): Node }).getExpression();
  if (!property) return undefined;
  const declared = property.getTypeAtLocation(object);
  const narrowed = access.getType();
  if (narrowed.compilerType === declared.compilerType || isAssignable(access, declared, narrowed)) return undefined;
  if (isAssignable(access, declared.getNonNullableType(), narrowed)) return { suffix: "!" };
  return { type: narrowed.getText(access, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope) };
}

function isAssignable(at: Node, source: Type, target: Type): boolean {
  return at.getProject().getTypeChecker().compilerObject.isTypeAssignableTo(source.compilerType, target.compilerType);
}

function isCallee(node: Node): boolean {
  const parent = node.getParent();
  return (Node.isCallExpression(parent) || Node.isNewExpression(parent) || Node.isTaggedTemplateExpression(parent)) && (parent as Node & { getExpression?(): Node }).getExpression?.() === node;
}

/** The variable an identifier reads (the value of a `{ x }` shorthand, not the property). */
function valueSymbol(id: Identifier): MorphSymbol | undefined {
  const parent = id.getParent();
  if (Node.isShorthandPropertyAssignment(parent) && parent.getNameNode() === id) return parent.getValueSymbol();
  return id.getSymbol();
}

/** A `let`/`var` variable or a parameter of `fn`, declared outside `extent`, narrowed at `id`. */
function isNarrowedLocal(id: Identifier, symbol: MorphSymbol, extent: Node, fn: Node): boolean {
  const decl = symbol.getDeclarations()[0];
  if (!decl || decl.getSourceFile() !== id.getSourceFile()) return false;
  if (!(Node.isVariableDeclaration(decl) || Node.isParameterDeclaration(decl) || Node.isBindingElement(decl))) return false;
  if (!within(decl, fn) || within(decl, extent) || isConstBinding(decl)) return false;
  const declared = symbol.getTypeAtLocation(decl);
  const narrowed = id.getType();
  if (narrowed.compilerType === declared.compilerType) return false;
  return !isAssignable(id, declared, narrowed);
}

function within(node: Node, outer: Node): boolean {
  return node.getStart() >= outer.getStart() && node.getEnd() <= outer.getEnd();
}

/** A `const` (or `using`) variable, possibly destructured; parameters and `catch` variables are not. */
function isConstBinding(decl: Node): boolean {
  let node = decl;
  while (Node.isBindingElement(node) || Node.isObjectBindingPattern(node) || Node.isArrayBindingPattern(node)) node = node.getParentOrThrow();
  const list = Node.isVariableDeclaration(node) ? node.getParent() : undefined;
  if (!Node.isVariableDeclarationList(list)) return false;
  const kind = list.getDeclarationKind();
  return kind !== "let" && kind !== "var";
}

const reassigned = new WeakMap<Node, Set<MorphSymbol>>();

/** Whether anything in `fn` assigns `symbol` after its declaration. */
function isReassigned(symbol: MorphSymbol, fn: Node): boolean {
  let written = reassigned.get(fn);
  if (!written) {
    written = new Set<MorphSymbol>();
    for (const id of descendantsOfKind(fn, SyntaxKind.Identifier)) {
      const s = isWrite(id) ? valueSymbol(id) : undefined;
      if (s) written.add(s);
    }
    reassigned.set(fn, written);
  }
  return written.has(symbol);
}

/**
 * `x = …`, `x += …`, `x++`, `[x, y] = …`, `({ x } = …)`, `for (x of …)`: the node is the target of
 * a write (TypeScript's own notion of an assignment target).
 */
function isWrite(target: Node): boolean {
  let node: Node = target;
  let parent = node.getParentOrThrow();
  // Up through the destructuring pattern the target stands in, if any.
  for (;;) {
    if (Node.isParenthesizedExpression(parent) || Node.isNonNullExpression(parent) || Node.isArrayLiteralExpression(parent) || Node.isSpreadElement(parent)) node = parent;
    else if (Node.isShorthandPropertyAssignment(parent) || Node.isSpreadAssignment(parent) || (Node.isPropertyAssignment(parent) && parent.getInitializer() === node)) node = parent.getParentOrThrow();
    else break;
    parent = node.getParentOrThrow();
  }
  if (Node.isBinaryExpression(parent)) {
    const op = parent.getOperatorToken().getKind();
    return parent.getLeft() === node && op >= SyntaxKind.FirstAssignment && op <= SyntaxKind.LastAssignment;
  }
  if (Node.isPrefixUnaryExpression(parent) || Node.isPostfixUnaryExpression(parent)) {
    const op = parent.getOperatorToken();
    return op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken;
  }
  if (Node.isForOfStatement(parent) || Node.isForInStatement(parent)) return parent.getInitializer() === node;
  if (Node.isDeleteExpression(parent)) return true;
  return false;
}
