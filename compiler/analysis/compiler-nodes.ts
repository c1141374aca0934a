import { SyntaxKind, ts, type KindToNodeMappings, type Node, type SourceFile } from "../project/ts-morph.js";

/**
 * Walks on the type checker's own nodes. Every node a ts-morph traversal visits gets a wrapper
 * object; these walks test the compiler nodes first and wrap only the ones that pass, in the same
 * order as the ts-morph traversal they stand for.
 */
interface NodeInternals {
  _getNodeFromCompilerNode(node: ts.Node): Node;
}

/** The wrapper of a compiler node of `file` (the one ts-morph's own traversals return). */
export function wrap(file: SourceFile, node: ts.Node): Node {
  return (file as unknown as NodeInternals)._getNodeFromCompilerNode(node);
}

/** The compiler nodes under `node` in `forEachDescendant` order (pre-order over `forEachChild`) that pass `test`. */
export function forEachChildDescendantsWhere(node: ts.Node, test: (n: ts.Node) => boolean, out: ts.Node[] = []): ts.Node[] {
  node.forEachChild((child) => {
    if (test(child)) out.push(child);
    forEachChildDescendantsWhere(child, test, out);
  });
  return out;
}

/** Kinds below `FirstNode` that the parser always makes a node of, never a token of `getChildren()`. */
type ParserNodeKind = (typeof SyntaxKind)["Identifier" | "StringLiteral" | "ThisKeyword"];

/**
 * `node.getDescendantsOfKind(kind)` for a kind the parser always makes a node of (identifiers,
 * string literals, `this`), in the same order. ts-morph walks `getChildren()`, which creates a
 * node for every token and a syntax list for every list on the way; this walks the parser's nodes
 * (a node's JSDoc first, where `getChildren()` lists it) and wraps only the matches.
 */
export function descendantsOfKind<K extends ParserNodeKind>(node: Node, kind: K): KindToNodeMappings[K][] {
  const file = node.getSourceFile();
  return compilerDescendantsOfKind(node.compilerNode, kind).map((n) => wrap(file, n) as KindToNodeMappings[K]);
}

/** {@link descendantsOfKind} on the compiler nodes, unwrapped. */
export function compilerDescendantsOfKind(node: ts.Node, kind: ParserNodeKind): ts.Node[] {
  const found: ts.Node[] = [];
  walkWithJsDoc(node, (child) => {
    if (child.kind === kind) found.push(child);
    return true;
  });
  return found;
}

/**
 * Pre-order walk of `node`'s descendants in `getChildren()` order (a node's JSDoc first, then its
 * `forEachChild` children); `enter` returning false leaves out that node's descendants.
 */
function walkWithJsDoc(node: ts.Node, enter: (child: ts.Node) => boolean): void {
  const visit = (child: ts.Node): void => {
    if (enter(child)) visitChildren(child);
  };
  const visitChildren = (parent: ts.Node): void => {
    for (const doc of (parent as { jsDoc?: readonly ts.Node[] }).jsDoc ?? []) visit(doc);
    parent.forEachChild(visit);
  };
  visitChildren(node);
}

/**
 * `node.forEachDescendant(visit)` (pre-order over `forEachChild`) that wraps and visits only the
 * descendants of `kinds`; `visit` returning `"skip"` leaves out that node's descendants, as
 * `traversal.skip()` does.
 */
export function forEachDescendantOfKinds(node: Node, kinds: ReadonlySet<SyntaxKind>, visit: (node: Node) => "skip" | void): void {
  const file = node.getSourceFile();
  const walk = (child: ts.Node): void => {
    if (kinds.has(child.kind) && visit(wrap(file, child)) === "skip") return;
    child.forEachChild(walk);
  };
  node.compilerNode.forEachChild(walk);
}

/**
 * `forEachChildDescendantsWhere` for nodes whose text holds one of `words` (a call of a function
 * named so, say): the subtrees that hold none of them are not entered.
 */
export function descendantsHoldingWhere(file: ts.SourceFile, words: Iterable<string>, test: (n: ts.Node) => boolean): ts.Node[] {
  const spans: [start: number, end: number][] = [];
  for (const word of words) for (let i = file.text.indexOf(word); i >= 0; i = file.text.indexOf(word, i + 1)) spans.push([i, i + word.length]);
  const out: ts.Node[] = [];
  if (spans.length === 0) return out;
  const walk = (node: ts.Node): void => {
    node.forEachChild((child) => {
      if (!spans.some(([start, end]) => child.pos <= start && end <= child.end)) return;
      if (test(child)) out.push(child);
      walk(child);
    });
  };
  walk(file);
  return out;
}

/** The text of a call's callee when it is a name (`f(…)`) or ends in one (`a.f(…)`), as `getText()` gives it. */
export function calleeName(call: ts.Node, file: SourceFile): string | undefined {
  let callee = (call as ts.CallExpression).expression;
  if (callee.kind === SyntaxKind.PropertyAccessExpression) callee = (callee as ts.PropertyAccessExpression).name;
  return callee.kind === SyntaxKind.Identifier ? callee.getText(file.compilerNode) : undefined;
}

/**
 * `file.getDescendantsOfKind(SyntaxKind.Identifier)` (JSDoc included) filtered to the identifiers
 * written `name`, walking only the subtrees whose text holds `name` (as `descendantsOfKind` walks).
 */
export function identifiersNamed(file: SourceFile, name: string): Node[] {
  const sf = file.compilerNode;
  const at: number[] = [];
  for (let i = sf.text.indexOf(name); i >= 0; i = sf.text.indexOf(name, i + 1)) at.push(i);
  const out: Node[] = [];
  walkWithJsDoc(sf, (child) => {
    if (!at.some((i) => child.pos <= i && i + name.length <= child.end)) return false;
    if (child.kind === SyntaxKind.Identifier && child.getText(sf) === name) out.push(wrap(file, child));
    return true;
  });
  return out;
}

/** ts-morph's `node.getSymbol()` on the compiler node: its bound symbol, else the checker's, else its name's. */
export function symbolOf(node: ts.Node, checker: ts.TypeChecker): ts.Symbol | undefined {
  const bound = (node as { symbol?: ts.Symbol }).symbol;
  if (bound) return bound;
  const atLocation = checker.getSymbolAtLocation(node);
  if (atLocation) return atLocation;
  const name = (node as { name?: ts.Node }).name;
  return name ? symbolOf(name, checker) : undefined;
}

/** The symbol an import alias stands for, or the symbol itself when it is not an alias. */
export function resolveAlias(symbol: ts.Symbol | undefined, checker: ts.TypeChecker): ts.Symbol | undefined {
  if (!symbol || !(symbol.flags & ts.SymbolFlags.Alias)) return symbol;
  return checker.getAliasedSymbol(symbol) ?? symbol;
}
