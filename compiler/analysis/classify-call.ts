import * as path from "node:path";
import { builtinModules } from "node:module";
import { Node, SyntaxKind, type CallExpression, type Expression, type NewExpression, type Symbol as MorphSymbol, type Type } from "../project/ts-morph.js";
import type { DurableConfig } from "../project/config.js";
import { forEachChildDescendantsWhere, wrap } from "./compiler-nodes.js";
import { durableFunctionsByDeclaration, type DurableFunction } from "./discover.js";

export const INTRINSICS = ["sleep", "step", "waitFor", "waitForCallback", "createCallback", "invoke"] as const;
export type IntrinsicName = (typeof INTRINSICS)[number];
export const INTRINSICS_MODULE = "durablec";

/** What a call in durable code is, decided with the type checker. */
export type CallClass =
  | { kind: "intrinsic"; intrinsic: IntrinsicName; label: string }
  | { kind: "durable-call"; target: DurableFunction; label: string; via?: ImportedName }
  | { kind: "nondeterministic"; label: string }
  | { kind: "effect"; label: string; reason: string }
  | { kind: "timer-wait"; label: string }
  | { kind: "timer-callback"; label: string }
  | { kind: "pure"; label: string };

export interface ImportedName {
  moduleSpecifier: string;
  importedName: string;
  localName: string;
}

/** Where a callee's root name comes from. */
interface CalleeInfo {
  /** The callee as written, normalised (`payments.charge`, `Date.now`). */
  label: string;
  /** `global`, a module specifier without `node:` (`crypto`, `uuid`, `./util.js`), or `local`. */
  module: string;
  /** Path inside the module: `Date.now`, `randomUUID`, `*.randomUUID`. */
  member: string;
  imported?: ImportedName;
  /** The symbol of the called function (aliases resolved). */
  symbol?: MorphSymbol;
}

/** `module#member` of nondeterministic reads (LANGUAGE §3.1). */
const NONDETERMINISTIC = new Set([
  "global#Date.now",
  "global#Math.random",
  "global#crypto.randomUUID",
  "global#crypto.getRandomValues",
  "global#performance.now",
  "global#process.hrtime",
  "global#process.hrtime.bigint",
  "crypto#randomUUID",
  "crypto#randomBytes",
  "crypto#randomInt",
  "crypto#getRandomValues",
  "crypto#randomFillSync",
  "crypto#webcrypto.randomUUID",
  "perf_hooks#performance.now",
]);
/** Id libraries: every function they export is a nondeterministic read. */
const ID_LIBRARIES = new Set(["uuid", "nanoid", "ulid", "cuid", "@paralleldrive/cuid2", "ksuid"]);
/** Node built-ins whose functions compute without I/O. */
const PURE_NODE_MODULES = new Set(["path", "url", "util", "querystring", "assert", "buffer", "string_decoder", "events", "punycode", "zlib"]);
const NODE_BUILTINS = new Set(builtinModules.map((m) => m.replace(/^node:/, "")));

const UNDECIDED = Symbol("in-progress");

/**
 * Classifies calls. Effects of the user's own functions are inferred transitively across modules
 * through the checker's symbols and declarations, memoised, and safe on recursion (a function
 * under analysis counts as pure for its own recursive calls).
 */
export class CallClassifier {
  private readonly memo = new Map<Node, string | null | typeof UNDECIDED>();
  private readonly durableByNode: Map<Node, DurableFunction>;

  constructor(
    durableFunctions: readonly DurableFunction[],
    readonly config: DurableConfig,
    private readonly configDir: string,
  ) {
    this.durableByNode = durableFunctionsByDeclaration(durableFunctions);
  }

  classify(call: CallExpression | NewExpression): CallClass {
    const calleeExpr = call.getExpression();
    const info = this.describeCallee(calleeExpr);
    const label = Node.isNewExpression(call) ? `new ${info.label}` : info.label;
    const key = `${info.module}#${info.member}`;
    const args = call.getArguments();

    if (Node.isNewExpression(call)) {
      if (key === "global#Date" && args.length === 0) return { kind: "nondeterministic", label };
      if (key === "global#Promise" && isSetTimeoutPromise(call)) return { kind: "timer-wait", label: "setTimeout" };
      return { kind: "pure", label };
    }
    if (info.module === INTRINSICS_MODULE && (INTRINSICS as readonly string[]).includes(info.member)) {
      return { kind: "intrinsic", intrinsic: info.member as IntrinsicName, label: info.member };
    }
    if ((info.module === "timers/promises" && info.member === "setTimeout") || key === "timers/promises#*.setTimeout") {
      return { kind: "timer-wait", label: "setTimeout" };
    }
    if (["global#setTimeout", "global#setInterval", "global#setImmediate", "timers#setTimeout", "timers#setInterval"].includes(key)) {
      return { kind: "timer-callback", label: info.member.replace(/^\*\./, "") };
    }
    if (key === "global#Date" && args.length === 0) return { kind: "nondeterministic", label: "Date" };
    if (NONDETERMINISTIC.has(key) || NONDETERMINISTIC.has(key.replace("#*.", "#")) || NONDETERMINISTIC.has(key.replace("#default.", "#"))) {
      return { kind: "nondeterministic", label };
    }
    if (ID_LIBRARIES.has(info.module)) return { kind: "nondeterministic", label };

    const durable = info.symbol?.getDeclarations().map((d) => this.durableByNode.get(d)).find((f) => f !== undefined);
    if (durable) return { kind: "durable-call", target: durable, label, ...(info.imported ? { via: info.imported } : {}) };

    const override = this.override(info);
    if (override === "deterministic") return { kind: "pure", label };
    if (override === "effectful") return { kind: "effect", label, reason: "marked effectful" };

    if (key === "global#fetch") return { kind: "effect", label, reason: "fetch performs network I/O" };
    if (NODE_BUILTINS.has(info.module)) {
      return PURE_NODE_MODULES.has(info.module) || info.module === "crypto"
        ? { kind: "pure", label }
        : { kind: "effect", label, reason: `node:${info.module} performs I/O` };
    }
    const where = declarationPlace(info.symbol);
    if (where.place === "node" || where.place === "package") {
      return returnsPromise(call.getType())
        ? { kind: "effect", label, reason: `${where.pkg ?? "a package"} returns a promise (I/O)` }
        : { kind: "pure", label };
    }
    if (where.place === "user") {
      const reason = this.userFunctionEffect(info.symbol);
      if (reason) return { kind: "effect", label, reason };
      // A promise from code whose body the compiler cannot see (an interface method, a callback
      // parameter, a `declare`d function) may do anything: checkpoint it.
      const hasBody = (info.symbol?.getDeclarations() ?? []).some((d) => functionLike(d) !== undefined);
      if (!hasBody && returnsPromise(call.getType())) return { kind: "effect", label, reason: "returns a promise from code the compiler cannot see" };
    }
    return { kind: "pure", label };
  }

  /** Why the user's function behind `symbol` is effectful, or null when it is pure. */
  userFunctionEffect(symbol: MorphSymbol | undefined): string | null {
    for (const decl of symbol?.getDeclarations() ?? []) {
      const fn = functionLike(decl);
      if (!fn) continue;
      const tags = jsDocTags(decl);
      if (tags.has("deterministic")) return null;
      if (tags.has("effectful") || tags.has("effect")) return "marked @effectful";
      const cached = this.memo.get(fn);
      if (cached === UNDECIDED) return null;
      if (cached !== undefined) return cached;
      this.memo.set(fn, UNDECIDED);
      let reason: string | null = null;
      const calls = forEachChildDescendantsWhere(fn.compilerNode, (n) => n.kind === SyntaxKind.CallExpression || n.kind === SyntaxKind.NewExpression);
      for (const node of calls.map((n) => wrap(fn.getSourceFile(), n))) {
        if (!Node.isCallExpression(node) && !Node.isNewExpression(node)) continue;
        const c = this.classify(node);
        if (c.kind === "pure") continue;
        reason = c.kind === "effect" ? `calls ${c.label}${c.reason.startsWith("calls ") ? ` (${c.reason.slice(6)})` : ""}` : `calls ${c.label}`;
        break;
      }
      this.memo.set(fn, reason);
      if (reason) return reason;
    }
    return null;
  }

  private override(info: CalleeInfo): "deterministic" | "effectful" | undefined {
    const tags = new Set<string>();
    for (const d of info.symbol?.getDeclarations() ?? []) for (const t of jsDocTags(d)) tags.add(t);
    if (tags.has("deterministic")) return "deterministic";
    if (tags.has("effectful") || tags.has("effect")) return "effectful";
    const { deterministic, effectful } = this.config.effects;
    if (deterministic.length === 0 && effectful.length === 0) return undefined;
    const keys = this.referenceKeys(info);
    const norm = (r: string) => r.replace(/^node:/, "").replace(/^\.\//, "");
    const matches = (list: readonly string[]) => list.some((r) => keys.has(norm(r)));
    if (matches(deterministic)) return "deterministic";
    if (matches(effectful)) return "effectful";
    return undefined;
  }

  /** Every `<module>#<name>` spelling under which a config file can refer to this callee. */
  private referenceKeys(info: CalleeInfo): Set<string> {
    const member = info.member.replace(/^(\*|default)\./, "");
    const last = member.split(".").pop()!;
    const keys = new Set<string>([`${info.module}#${member}`, `${info.module}#${last}`, `${info.module}#*`]);
    const where = declarationPlace(info.symbol);
    const decl = info.symbol?.getDeclarations()[0];
    const container = decl?.getParent();
    const qualified = container && (Node.isClassDeclaration(container) || Node.isInterfaceDeclaration(container)) ? `${container.getName()}.${last}` : last;
    if (where.pkg) for (const n of [last, qualified, "*"]) keys.add(`${where.pkg}#${n}`);
    if (where.place === "user" && decl) {
      const rel = path.relative(this.configDir, decl.getSourceFile().getFilePath()).split(path.sep).join("/");
      for (const n of [last, qualified, "*"]) keys.add(`${rel}#${n}`);
    }
    return keys;
  }

  /** Root of the callee (import, global or local) and its path, from the checker's symbols. */
  describeCallee(expr: Expression): CalleeInfo {
    const chain: string[] = [];
    let root: Expression = expr;
    while (Node.isPropertyAccessExpression(root)) {
      chain.unshift(root.getName());
      root = root.getExpression();
    }
    while (Node.isParenthesizedExpression(root) || Node.isNonNullExpression(root)) root = root.getExpression();
    const exprSymbol = expr.getSymbol();
    const symbol = resolveAlias(exprSymbol);
    if (root.getKind() === SyntaxKind.ThisKeyword) return { label: chain.join("."), module: "local", member: chain.join("."), ...(symbol ? { symbol } : {}) };
    if (!Node.isIdentifier(root)) {
      const name = chain.length ? chain[chain.length - 1]! : "call";
      return { label: name, module: "local", member: name, ...(symbol ? { symbol } : {}) };
    }
    const rootName = root.getText();
    const label = [rootName, ...chain].join(".");
    const rootSymbol = root === expr ? exprSymbol : root.getSymbol();
    const rootDecl = rootSymbol?.getDeclarations()[0];
    const base = { label, ...(symbol ? { symbol } : {}) };
    if (rootDecl && (Node.isImportSpecifier(rootDecl) || Node.isNamespaceImport(rootDecl) || Node.isImportClause(rootDecl))) {
      const importDecl = rootDecl.getFirstAncestorByKind(SyntaxKind.ImportDeclaration)!;
      const specifier = importDecl.getModuleSpecifierValue();
      const module = specifier.replace(/^node:/, "");
      const importedName = Node.isImportSpecifier(rootDecl) ? rootDecl.getName() : Node.isNamespaceImport(rootDecl) ? "*" : "default";
      return {
        ...base,
        module,
        member: [importedName, ...chain].join("."),
        imported: { moduleSpecifier: specifier, importedName, localName: rootName },
      };
    }
    const place = declarationPlace(rootSymbol).place;
    if (!rootDecl || place === "lib" || place === "node" || (place === "package" && isAmbient(rootDecl))) {
      return { ...base, module: "global", member: label };
    }
    return { ...base, module: "local", member: label };
  }
}

function resolveAlias(symbol: MorphSymbol | undefined): MorphSymbol | undefined {
  if (!symbol) return undefined;
  return symbol.isAlias() ? (symbol.getAliasedSymbol() ?? symbol) : symbol;
}

function isAmbient(node: Node): boolean {
  return node.getSourceFile().isDeclarationFile();
}

/** The function-like node that implements a declaration (a function, a method, or a variable's arrow). */
function functionLike(decl: Node): Node | undefined {
  if (Node.isFunctionDeclaration(decl) || Node.isMethodDeclaration(decl) || Node.isArrowFunction(decl) || Node.isFunctionExpression(decl)) {
    return (decl as { getBody?: () => Node | undefined }).getBody?.() ? decl : undefined;
  }
  if (Node.isVariableDeclaration(decl) || Node.isPropertyAssignment(decl) || Node.isPropertyDeclaration(decl)) {
    const init = decl.getInitializer();
    if (init && (Node.isArrowFunction(init) || Node.isFunctionExpression(init))) return init;
  }
  return undefined;
}

/** JSDoc tag names on a declaration (or on its variable statement). */
export function jsDocTags(decl: Node): Set<string> {
  const tags = new Set<string>();
  let holder: Node | undefined = decl;
  if (Node.isVariableDeclaration(decl)) holder = decl.getVariableStatement();
  if (holder && Node.isJSDocable(holder)) {
    for (const doc of holder.getJsDocs()) for (const tag of doc.getTags()) tags.add(tag.getTagName());
  }
  return tags;
}

/** Where a symbol is declared: TypeScript's lib, @types/node, another package, or the user's code. */
export function declarationPlace(symbol: MorphSymbol | undefined): DeclarationPlace {
  const decl = symbol?.getDeclarations()[0];
  if (!decl) return { place: "none" };
  const file = decl.getSourceFile();
  let place = placeOfFile.get(file);
  if (!place) placeOfFile.set(file, (place = filePlace(file)));
  return place;
}

type DeclarationPlace = { place: "lib" | "node" | "package" | "user" | "none"; pkg?: string };

const placeOfFile = new WeakMap<Node, DeclarationPlace>();

function filePlace(file: ReturnType<Node["getSourceFile"]>): DeclarationPlace {
  const p = file.getFilePath().split(path.sep).join("/");
  if (file.isInNodeModules() || p.includes("/node_modules/")) {
    if (/\/node_modules\/typescript\/lib\//.test(p) || /\/lib\.[\w.]*\.d\.ts$/.test(p)) return { place: "lib" };
    if (p.includes("/node_modules/@types/node/")) return { place: "node" };
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p.slice(p.lastIndexOf("/node_modules/")));
    const pkg = m?.[1]?.replace(/^@types\//, "");
    return pkg ? { place: "package", pkg } : { place: "package" };
  }
  if (/\/lib\.[\w.]*\.d\.ts$/.test(p)) return { place: "lib" };
  return { place: "user" };
}

export function returnsPromise(type: Type): boolean {
  if (type.isUnion()) return type.getUnionTypes().some(returnsPromise);
  return !!type.getProperty("then");
}

/** `new Promise(r => setTimeout(r, ms))` (or `resolve => setTimeout(resolve, ms)`, `(r) => { setTimeout(r, ms); }`). */
export function isSetTimeoutPromise(expr: NewExpression): boolean {
  const fn = expr.getArguments()[0];
  if (!fn || !(Node.isArrowFunction(fn) || Node.isFunctionExpression(fn))) return false;
  const param = fn.getParameters()[0]?.getName();
  if (!param || fn.getParameters().length !== 1) return false;
  return getSetTimeoutDelay(expr, param) !== undefined;
}

/** The delay expression of the `setTimeout(resolve, delay)` inside a timer promise. */
export function getSetTimeoutDelay(expr: NewExpression, resolveName?: string): Expression | undefined {
  const fn = expr.getArguments()[0];
  if (!fn || !(Node.isArrowFunction(fn) || Node.isFunctionExpression(fn))) return undefined;
  const name = resolveName ?? fn.getParameters()[0]?.getName();
  let body: Node = fn.getBody();
  if (Node.isBlock(body)) {
    const stmts = body.getStatements();
    if (stmts.length !== 1 || !Node.isExpressionStatement(stmts[0]!)) return undefined;
    body = stmts[0].getExpression();
  }
  if (!Node.isCallExpression(body)) return undefined;
  const callee = body.getExpression();
  if (!Node.isIdentifier(callee) || callee.getText() !== "setTimeout") return undefined;
  const [cb, delay] = body.getArguments();
  if (!cb || cb.getText() !== name || !delay) return undefined;
  return delay as Expression;
}
