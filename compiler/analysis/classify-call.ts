import * as path from "node:path";
import { builtinModules } from "node:module";
import { SyntaxKind, type CallExpression, type Expression, type NewExpression, type ts } from "../project/ts-morph.js";
import type { DurableConfig } from "../project/config.js";
import { forEachChildDescendantsWhere, resolveAlias, symbolOf, wrap } from "./compiler-nodes.js";
import { durableFunctionsByDeclaration, type DurableFunction } from "./discover.js";
import { isThenable } from "./thenable.js";

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
  symbol?: ts.Symbol;
}

/** A call or `new` on the checker's own nodes: the classifier works on these, not on ts-morph's wrappers. */
type CompilerCall = ts.CallExpression | ts.NewExpression;

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
 * under analysis counts as pure for its own recursive calls). The classifier works on the
 * checker's nodes and symbols: a ts-morph wrapper for every node and symbol it looks at would
 * cost more than the checker's own work.
 */
export class CallClassifier {
  /** Effects of the user's functions, by the function-like node that implements them. */
  private readonly memo = new Map<ts.Node, string | null | typeof UNDECIDED>();
  private readonly durableByDeclaration: Map<ts.Node, DurableFunction>;

  constructor(
    durableFunctions: readonly DurableFunction[],
    readonly config: DurableConfig,
    private readonly configDir: string,
    private readonly checker: ts.TypeChecker,
  ) {
    this.durableByDeclaration = durableFunctionsByDeclaration(durableFunctions);
  }

  classify(call: CallExpression | NewExpression): CallClass {
    return this.classifyCompilerCall(call.compilerNode, call.getSourceFile().compilerNode);
  }

  private classifyCompilerCall(call: CompilerCall, file: ts.SourceFile): CallClass {
    const info = this.describeCallee(call.expression, file);
    const isNew = call.kind === SyntaxKind.NewExpression;
    const label = isNew ? `new ${info.label}` : info.label;
    const key = `${info.module}#${info.member}`;
    const argumentCount = call.arguments?.length ?? 0;

    if (isNew) {
      if (key === "global#Date" && argumentCount === 0) return { kind: "nondeterministic", label };
      if (key === "global#Promise" && isSetTimeoutPromise(call, file)) return { kind: "timer-wait", label: "setTimeout" };
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
    if (key === "global#Date" && argumentCount === 0) return { kind: "nondeterministic", label: "Date" };
    if (NONDETERMINISTIC.has(key) || NONDETERMINISTIC.has(key.replace("#*.", "#")) || NONDETERMINISTIC.has(key.replace("#default.", "#"))) {
      return { kind: "nondeterministic", label };
    }
    if (ID_LIBRARIES.has(info.module)) return { kind: "nondeterministic", label };

    const declarations = info.symbol?.declarations ?? [];
    const durable = declarations.map((d) => this.durableByDeclaration.get(d)).find((f) => f !== undefined);
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
      return this.returnsPromise(call)
        ? { kind: "effect", label, reason: `${where.pkg ?? "a package"} returns a promise (I/O)` }
        : { kind: "pure", label };
    }
    if (where.place === "user") {
      const reason = this.userFunctionEffect(info.symbol);
      if (reason) return { kind: "effect", label, reason };
      // A promise from code whose body the compiler cannot see (an interface method, a callback
      // parameter, a `declare`d function) may do anything: checkpoint it.
      const hasBody = declarations.some((d) => functionLike(d) !== undefined);
      if (!hasBody && this.returnsPromise(call)) return { kind: "effect", label, reason: "returns a promise from code the compiler cannot see" };
    }
    return { kind: "pure", label };
  }

  private returnsPromise(call: CompilerCall): boolean {
    return returnsPromise(this.checker.getTypeAtLocation(call));
  }

  /** Why the user's function behind `symbol` is effectful, or null when it is pure. */
  private userFunctionEffect(symbol: ts.Symbol | undefined): string | null {
    for (const decl of symbol?.declarations ?? []) {
      const fn = functionLike(decl);
      if (!fn) continue;
      const tags = jsDocTags(decl);
      if (tags.has("deterministic")) return null;
      if (tags.has("effectful") || tags.has("effect")) return "marked @effectful";
      const cached = this.memo.get(fn);
      if (cached === UNDECIDED) return null;
      if (cached !== undefined) return cached;
      this.memo.set(fn, UNDECIDED);
      const reason = this.firstEffectIn(fn);
      this.memo.set(fn, reason);
      if (reason) return reason;
    }
    return null;
  }

  /** Why a call in the body of `fn` is not pure (the first such call in source order), or null. */
  private firstEffectIn(fn: ts.Node): string | null {
    const file = fn.getSourceFile();
    const calls = forEachChildDescendantsWhere(fn, (n) => n.kind === SyntaxKind.CallExpression || n.kind === SyntaxKind.NewExpression);
    for (const call of calls) {
      const c = this.classifyCompilerCall(call as CompilerCall, file);
      if (c.kind === "pure") continue;
      return c.kind === "effect" ? `calls ${c.label}${c.reason.startsWith("calls ") ? ` (${c.reason.slice(6)})` : ""}` : `calls ${c.label}`;
    }
    return null;
  }

  private override(info: CalleeInfo): "deterministic" | "effectful" | undefined {
    const tags = new Set<string>();
    for (const d of info.symbol?.declarations ?? []) for (const t of jsDocTags(d)) tags.add(t);
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
    const decl = info.symbol?.declarations?.[0];
    const qualified = decl ? qualifiedMemberName(decl, last) : last;
    if (where.pkg) for (const n of [last, qualified, "*"]) keys.add(`${where.pkg}#${n}`);
    if (where.place === "user" && decl) {
      const rel = path.relative(this.configDir, decl.getSourceFile().fileName).split(path.sep).join("/");
      for (const n of [last, qualified, "*"]) keys.add(`${rel}#${n}`);
    }
    return keys;
  }

  /** Root of the callee (import, global or local) and its path, from the checker's symbols. */
  private describeCallee(expr: ts.Expression, file: ts.SourceFile): CalleeInfo {
    const chain: string[] = [];
    let root: ts.Expression = expr;
    while (root.kind === SyntaxKind.PropertyAccessExpression) {
      const access = root as ts.PropertyAccessExpression;
      chain.unshift(access.name.getText(file));
      root = access.expression;
    }
    while (root.kind === SyntaxKind.ParenthesizedExpression || root.kind === SyntaxKind.NonNullExpression) root = (root as ts.Expression & { expression: ts.Expression }).expression;
    const exprSymbol = symbolOf(expr, this.checker);
    const symbol = resolveAlias(exprSymbol, this.checker);
    if (root.kind === SyntaxKind.ThisKeyword) return { label: chain.join("."), module: "local", member: chain.join("."), ...(symbol ? { symbol } : {}) };
    if (root.kind !== SyntaxKind.Identifier) {
      const name = chain.length ? chain[chain.length - 1]! : "call";
      return { label: name, module: "local", member: name, ...(symbol ? { symbol } : {}) };
    }
    const rootName = root.getText(file);
    const label = [rootName, ...chain].join(".");
    const rootSymbol = root === expr ? exprSymbol : symbolOf(root, this.checker);
    const rootDecl = rootSymbol?.declarations?.[0];
    const base = { label, ...(symbol ? { symbol } : {}) };
    const imported = rootDecl && importedBinding(rootDecl);
    if (imported) {
      const importedName = imported.name;
      return {
        ...base,
        module: imported.specifier.replace(/^node:/, ""),
        member: [importedName, ...chain].join("."),
        imported: { moduleSpecifier: imported.specifier, importedName, localName: rootName },
      };
    }
    const place = declarationPlace(rootSymbol).place;
    if (!rootDecl || place === "lib" || place === "node" || (place === "package" && isAmbient(rootDecl))) {
      return { ...base, module: "global", member: label };
    }
    return { ...base, module: "local", member: label };
  }
}

/**
 * For a declaration made by an import (`import { a as b }`, `import * as ns`, `import d`): its
 * module specifier as written and the name it imports (`a`, `*`, `default`).
 */
function importedBinding(decl: ts.Node): { specifier: string; name: string } | undefined {
  let name: string;
  if (decl.kind === SyntaxKind.ImportSpecifier) {
    const spec = decl as ts.ImportSpecifier;
    const nameNode = spec.propertyName ?? spec.name;
    name = nameNode.kind === SyntaxKind.StringLiteral ? nameNode.text : nameNode.getText();
  } else if (decl.kind === SyntaxKind.NamespaceImport) name = "*";
  else if (decl.kind === SyntaxKind.ImportClause) name = "default";
  else return undefined;
  let importDecl: ts.Node | undefined = decl.parent;
  while (importDecl && importDecl.kind !== SyntaxKind.ImportDeclaration) importDecl = importDecl.parent;
  return { specifier: ((importDecl as ts.ImportDeclaration).moduleSpecifier as ts.StringLiteral).text, name };
}

/** `Class.member` when the declaration is a member of a class or an interface, else `member`. */
function qualifiedMemberName(decl: ts.Node, member: string): string {
  const container = decl.parent;
  const isType = container && (container.kind === SyntaxKind.ClassDeclaration || container.kind === SyntaxKind.InterfaceDeclaration);
  return isType ? `${(container as ts.ClassDeclaration | ts.InterfaceDeclaration).name?.text}.${member}` : member;
}

function isAmbient(node: ts.Node): boolean {
  return node.getSourceFile().isDeclarationFile;
}

const FUNCTIONS_WITH_BODIES = new Set([SyntaxKind.FunctionDeclaration, SyntaxKind.MethodDeclaration, SyntaxKind.ArrowFunction, SyntaxKind.FunctionExpression]);
const BINDINGS_WITH_INITIALIZERS = new Set([SyntaxKind.VariableDeclaration, SyntaxKind.PropertyAssignment, SyntaxKind.PropertyDeclaration]);

/** The function-like node that implements a declaration (a function, a method, or a variable's arrow). */
function functionLike(decl: ts.Node): ts.Node | undefined {
  if (FUNCTIONS_WITH_BODIES.has(decl.kind)) return (decl as ts.FunctionLikeDeclaration).body ? decl : undefined;
  if (BINDINGS_WITH_INITIALIZERS.has(decl.kind)) {
    const init = (decl as ts.VariableDeclaration | ts.PropertyAssignment | ts.PropertyDeclaration).initializer;
    if (init && (init.kind === SyntaxKind.ArrowFunction || init.kind === SyntaxKind.FunctionExpression)) return init;
  }
  return undefined;
}

/** Kinds that carry JSDoc comments (ts-morph's `Node.isJSDocable`). */
const JSDOCABLE = new Set([
  SyntaxKind.ArrowFunction, SyntaxKind.CallSignature, SyntaxKind.CaseClause, SyntaxKind.ClassDeclaration, SyntaxKind.ClassExpression,
  SyntaxKind.ClassStaticBlockDeclaration, SyntaxKind.Constructor, SyntaxKind.ConstructSignature, SyntaxKind.EnumDeclaration,
  SyntaxKind.EnumMember, SyntaxKind.ExportAssignment, SyntaxKind.ExpressionStatement, SyntaxKind.FunctionDeclaration,
  SyntaxKind.FunctionExpression, SyntaxKind.GetAccessor, SyntaxKind.ImportEqualsDeclaration, SyntaxKind.IndexSignature,
  SyntaxKind.InterfaceDeclaration, SyntaxKind.LabeledStatement, SyntaxKind.MethodDeclaration, SyntaxKind.MethodSignature,
  SyntaxKind.ModuleDeclaration, SyntaxKind.NamedTupleMember, SyntaxKind.PropertyDeclaration, SyntaxKind.PropertySignature,
  SyntaxKind.SetAccessor, SyntaxKind.TypeAliasDeclaration, SyntaxKind.VariableStatement,
]);

/** JSDoc tag names on a declaration (or on its variable statement). */
export function jsDocTags(decl: ts.Node): Set<string> {
  const tags = new Set<string>();
  let holder: ts.Node | undefined = decl;
  if (decl.kind === SyntaxKind.VariableDeclaration) holder = decl.parent?.parent?.kind === SyntaxKind.VariableStatement ? decl.parent.parent : undefined;
  const docs = holder && JSDOCABLE.has(holder.kind) ? (holder as { jsDoc?: readonly ts.JSDoc[] }).jsDoc : undefined;
  if (!docs?.length) return tags;
  const file = decl.getSourceFile();
  for (const doc of docs) for (const tag of doc.tags ?? []) tags.add(tag.tagName.getText(file));
  return tags;
}

/** Where a symbol is declared: TypeScript's lib, @types/node, another package, or the user's code. */
export function declarationPlace(symbol: ts.Symbol | undefined): DeclarationPlace {
  const decl = symbol?.declarations?.[0];
  if (!decl) return { place: "none" };
  const file = decl.getSourceFile();
  let place = placeOfFile.get(file);
  if (!place) placeOfFile.set(file, (place = filePlace(file.fileName)));
  return place;
}

type DeclarationPlace = { place: "lib" | "node" | "package" | "user" | "none"; pkg?: string };

const placeOfFile = new WeakMap<ts.SourceFile, DeclarationPlace>();

function filePlace(fileName: string): DeclarationPlace {
  const p = fileName.split(path.sep).join("/");
  if (p.includes("/node_modules/")) {
    if (/\/node_modules\/typescript\/lib\//.test(p) || /\/lib\.[\w.]*\.d\.ts$/.test(p)) return { place: "lib" };
    if (p.includes("/node_modules/@types/node/")) return { place: "node" };
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p.slice(p.lastIndexOf("/node_modules/")));
    const pkg = m?.[1]?.replace(/^@types\//, "");
    return pkg ? { place: "package", pkg } : { place: "package" };
  }
  if (/\/lib\.[\w.]*\.d\.ts$/.test(p)) return { place: "lib" };
  return { place: "user" };
}

/** A type with a `then` (a promise or a thenable), or a union with one. */
export function returnsPromise(type: ts.Type): boolean {
  if (type.isUnion()) return type.types.some(returnsPromise);
  return isThenable(type);
}

/** `new Promise(r => setTimeout(r, ms))` (or `resolve => setTimeout(resolve, ms)`, `(r) => { setTimeout(r, ms); }`). */
function isSetTimeoutPromise(expr: ts.NewExpression, file: ts.SourceFile): boolean {
  const fn = expr.arguments?.[0];
  if (!fn || !(fn.kind === SyntaxKind.ArrowFunction || fn.kind === SyntaxKind.FunctionExpression)) return false;
  const params = (fn as ts.ArrowFunction | ts.FunctionExpression).parameters;
  if (params.length !== 1) return false;
  return setTimeoutDelay(expr, file, params[0]!.name.getText(file)) !== undefined;
}

/** The delay expression of the `setTimeout(resolve, delay)` inside a timer promise. */
export function getSetTimeoutDelay(expr: NewExpression): Expression | undefined {
  const file = expr.getSourceFile();
  const delay = setTimeoutDelay(expr.compilerNode, file.compilerNode);
  return delay && (wrap(file, delay) as Expression);
}

/** `getSetTimeoutDelay` on the checker's nodes; `resolveName` defaults to the callback's first parameter. */
function setTimeoutDelay(expr: ts.NewExpression, file: ts.SourceFile, resolveName?: string): ts.Expression | undefined {
  const fn = expr.arguments?.[0];
  if (!fn || !(fn.kind === SyntaxKind.ArrowFunction || fn.kind === SyntaxKind.FunctionExpression)) return undefined;
  const callback = fn as ts.ArrowFunction | ts.FunctionExpression;
  const name = resolveName ?? callback.parameters[0]?.name.getText(file);
  let body: ts.Node = callback.body;
  if (body.kind === SyntaxKind.Block) {
    const stmts = (body as ts.Block).statements;
    if (stmts.length !== 1 || stmts[0]!.kind !== SyntaxKind.ExpressionStatement) return undefined;
    body = (stmts[0] as ts.ExpressionStatement).expression;
  }
  if (body.kind !== SyntaxKind.CallExpression) return undefined;
  const timer = body as ts.CallExpression;
  const callee = timer.expression;
  if (callee.kind !== SyntaxKind.Identifier || callee.getText(file) !== "setTimeout") return undefined;
  const [cb, delay] = timer.arguments;
  if (!cb || cb.getText(file) !== name || !delay) return undefined;
  return delay;
}
