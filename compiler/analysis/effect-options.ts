/**
 * What an effect step needs beyond its body, decided on the unmodified program: at-most-once
 * semantics and retries (JSDoc on the callee, or `// @durable …` at the call), and where an
 * idempotency key goes (an unset optional key property in an argument's type or in the input of
 * a command constructed in the call, the callee's `@idempotencyKey <parameter path>`, or the
 * header of a `fetch` when the project asks for one).
 */
import {
  Node,
  SyntaxKind,
  ts,
  type ArrayLiteralExpression,
  type CallExpression,
  type Expression,
  type NewExpression,
  type ObjectLiteralExpression,
  type ShorthandPropertyAssignment,
  type Symbol as MorphSymbol,
  type Type,
} from "../project/ts-morph.js";
import { createDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { declarationPlace } from "./classify-call.js";
import { loc } from "./discover.js";

/** Property names APIs use for idempotency tokens (Stripe, AWS, Azure, …). */
export const IDEMPOTENCY_PROPERTIES = ["idempotencyKey", "IdempotencyKey", "idempotency_key", "ClientToken", "clientToken", "ClientRequestToken", "clientRequestToken"] as const;

/** Retry settings written into the output (seconds). */
export interface RetryPlan {
  attempts?: number;
  initialDelaySeconds?: number;
  maxDelaySeconds?: number;
  backoffRate?: number;
}

/** Where the key goes in the call. */
export type KeyPlacement =
  /** `charge({ amount })` → `charge({ amount, idempotencyKey: key })`; path ["headers", "Idempotency-Key"] → `headers: { "Idempotency-Key": key }` */
  | { kind: "add-property"; literal: ObjectLiteralExpression; path: string[] }
  /** `charge(req)` → `charge(durablec.setIdempotencyKey(req, ["idempotencyKey"], key))` (kept when set) */
  | { kind: "set-path"; argument: Expression; path: string[] }
  /** `charge(100)` → `charge(100, { idempotencyKey: key })`; `send(msg)` → `send(msg, key)`; also `new XCommand()` */
  | { kind: "add-argument"; call: CallExpression | NewExpression; index: number; path: string[] }
  /** `headers: [["accept", "x"]]` → `headers: [["accept", "x"], ["Idempotency-Key", key]]` */
  | { kind: "add-header-tuple"; array: ArrayLiteralExpression; header: string }
  /** `headers: h` → `headers: durablec.withIdempotencyHeader(h, key, "Idempotency-Key")` (kept when set) */
  | { kind: "wrap-headers"; value: Expression | ShorthandPropertyAssignment; header: string }
  /** `fetch(req)` → `durablec.idempotentFetch(fetch, key, "Idempotency-Key")(req)`: the method or headers are known only at run time */
  | { kind: "wrap-fetch"; callee: Expression; header: string };

/** Methods that never get an idempotency header: they are safe (RFC 9110), a repeat changes nothing. */
export const SAFE_HTTP_METHODS = ["GET", "HEAD", "OPTIONS"] as const;

export interface EffectPlan {
  atMostOnce: boolean;
  /** `false`: `@noRetry`; settings: `@retry` or the project-wide default; undefined: built-in default. */
  retry?: RetryPlan | false;
  idempotency?: { placement: KeyPlacement; source: string };
}

interface Annotations {
  atMostOnce?: { where: string };
  noRetry?: { where: string };
  retry?: { attempts: number; initialDelaySeconds?: number; where: string };
  idempotencyKey?: string;
}

/** `5s`, `2m`, `1h`, `1d`, `500ms`, or plain milliseconds → whole seconds (at least 1). */
export function parseDurationSeconds(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const ms = n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? "ms"] ?? 1);
  return Math.max(1, Math.ceil(ms / 1000));
}

export class EffectPlanner {
  /**
   * @param projectRetry `retry` of durable.config.json
   * @param fetchHeader the header `fetch` calls carry their key in (`idempotency.fetchHeader`), if any
   */
  constructor(
    private readonly projectRetry: RetryPlan | undefined,
    private readonly fetchHeader?: string,
  ) {}

  plan(call: CallExpression | NewExpression, callee: string, diagnostics: Diagnostic[]): EffectPlan {
    const report = (problem: string, annotation: string, at: Node) =>
      diagnostics.push(createDiagnostic("InvalidDurableAnnotation", { annotation, problem }, loc(call.getSourceFile(), at)));
    const decls = Node.isCallExpression(call) ? calleeDeclarations(call) : [];
    const fromCallee = parseJsDocTags(decls, (p, a) => report(p, a, call.getExpression()));
    const fromComment = parseCallComment(call, (p, a, at) => report(p, a, at));
    // The comment at the call wins over the declaration, as a whole: it is the more specific.
    const a: Annotations = fromComment.atMostOnce || fromComment.noRetry || fromComment.retry ? { ...fromComment, ...(fromCallee.idempotencyKey ? { idempotencyKey: fromCallee.idempotencyKey } : {}) } : { ...fromCallee, ...fromComment };
    if (a.atMostOnce && a.retry) {
      diagnostics.push(createDiagnostic("ConflictingStepAnnotations", { callee, first: "@atMostOnce", second: "@retry" }, loc(call.getSourceFile(), call.getExpression())));
    }
    const plan: EffectPlan = { atMostOnce: !!a.atMostOnce };
    if (a.noRetry) plan.retry = false;
    else if (a.retry) plan.retry = { ...this.projectRetry, attempts: a.retry.attempts, ...(a.retry.initialDelaySeconds !== undefined ? { initialDelaySeconds: a.retry.initialDelaySeconds } : {}) };
    else if (this.projectRetry) plan.retry = this.projectRetry;
    if (Node.isCallExpression(call)) {
      const idempotency = this.placeKey(call, decls, a.idempotencyKey, callee, diagnostics);
      if (idempotency) plan.idempotency = idempotency;
    }
    return plan;
  }

  /**
   * Where the key of an effect inside an explicit `step()` body goes. The step carries the
   * semantics and retries, so of the callee's annotations only `@idempotencyKey` counts here.
   */
  keyInStepBody(call: CallExpression, callee: string, diagnostics: Diagnostic[]): EffectPlan["idempotency"] {
    const decls = calleeDeclarations(call);
    const tags = parseJsDocTags(decls, () => undefined);
    return this.placeKey(call, decls, tags.idempotencyKey, callee, diagnostics);
  }

  private placeKey(call: CallExpression, decls: Node[], tag: string | undefined, callee: string, diagnostics: Diagnostic[]): EffectPlan["idempotency"] {
    if (tag !== undefined) return this.placeFromTag(call, decls, tag, callee, diagnostics);
    if (this.fetchHeader !== undefined && isGlobalFetch(call)) return placeInFetch(call, this.fetchHeader);
    return placeFromTypes(call) ?? placeInConstructedArgument(call);
  }

  private placeFromTag(call: CallExpression, decls: Node[], tag: string, callee: string, diagnostics: Diagnostic[]): EffectPlan["idempotency"] {
    const [param, ...path] = tag.trim().split(".");
    const params = decls.map(parametersOf).find((p) => p.length > 0) ?? [];
    const index = params.indexOf(param ?? "");
    if (!param || index < 0 || path.some((p) => !/^[\w$]+$/.test(p))) {
      diagnostics.push(createDiagnostic("IdempotencyKeyPathNotFound", { path: tag.trim() || "(empty)", callee, parameters: params.join(", ") || "none" }, loc(call.getSourceFile(), call.getExpression())));
      return undefined;
    }
    const placement = placementFor(call, index, path);
    return placement ? { placement, source: `@idempotencyKey ${tag.trim()}` } : undefined;
  }
}

function placementFor(call: CallExpression | NewExpression, index: number, path: string[]): KeyPlacement | undefined {
  const arg = call.getArguments()[index] as Expression | undefined;
  if (!arg || (Node.isIdentifier(arg) && arg.getText() === "undefined")) {
    if (arg) return { kind: "set-path", argument: arg, path };
    // `new XCommand` without parentheses has nowhere to put an argument.
    if (!call.getFirstChildByKind(SyntaxKind.CloseParenToken)) return undefined;
    return { kind: "add-argument", call, index, path };
  }
  if (path.length === 0) return undefined; // the key itself is passed
  if (Node.isObjectLiteralExpression(arg)) {
    const spreads = arg.getProperties().some((p) => Node.isSpreadAssignment(p));
    const existing = arg.getProperties().find((p) => (Node.isPropertyAssignment(p) || Node.isShorthandPropertyAssignment(p)) && p.getName() === path[0]);
    if (existing && path.length === 1) return undefined; // set by the caller
    if (!existing && !spreads && path.length === 1) return { kind: "add-property", literal: arg, path };
  }
  return { kind: "set-path", argument: arg, path };
}

/** The first argument whose type has an unset optional key property (aliases, intersections, optional parameters). */
function placeFromTypes(call: CallExpression | NewExpression): EffectPlan["idempotency"] {
  const signature = call.getProject().getTypeChecker().getResolvedSignature(call);
  if (!signature) return undefined;
  const params = signature.getParameters();
  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    const decl = param.getValueDeclaration();
    if (decl && Node.isParameterDeclaration(decl) && decl.isRestParameter()) continue;
    const type = param.getTypeAtLocation(call).getNonNullableType();
    if (!type.isObject() && !type.isIntersection()) continue;
    for (const name of IDEMPOTENCY_PROPERTIES) {
      const prop = type.getProperty(name);
      if (!prop || !isOptional(prop) || !acceptsString(prop, call)) continue;
      const placement = placementFor(call, i, [name]);
      return placement ? { placement, source: `optional property '${name}' of parameter '${param.getName()}'` } : undefined;
    }
  }
  return undefined;
}

/**
 * AWS SDK v3 and its kind: `client.send(new StartBuildCommand({ projectName }))`. The argument is
 * a command object; its constructor's parameter type (the command's input) has the key property.
 */
function placeInConstructedArgument(call: CallExpression): EffectPlan["idempotency"] {
  for (const arg of call.getArguments()) {
    let expr: Node = arg;
    while (Node.isParenthesizedExpression(expr) || Node.isAsExpression(expr) || Node.isSatisfiesExpression(expr)) expr = expr.getExpression();
    if (!Node.isNewExpression(expr)) continue;
    const found = placeFromTypes(expr);
    if (found) return { placement: found.placement, source: `${found.source} of 'new ${expr.getExpression().getText()}'` };
  }
  return undefined;
}

/** `fetch` of the platform (lib.dom or @types/node), not a local function of that name. */
function isGlobalFetch(call: CallExpression): boolean {
  const callee = call.getExpression();
  if (!Node.isIdentifier(callee) || callee.getText() !== "fetch") return false;
  const place = declarationPlace(callee.getSymbol()?.compilerSymbol).place;
  return place === "lib" || place === "node";
}

function stringLiteralValue(node: Node | undefined): string | undefined {
  return node && (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) ? node.getLiteralValue() : undefined;
}

/** A URL or a string: a `fetch` input that cannot carry a method or headers of its own. */
function isUrlLike(type: Type): boolean {
  if (type.isUnion()) return type.getUnionTypes().every(isUrlLike);
  return type.isString() || type.isStringLiteral() || type.isTemplateLiteral() || type.getSymbol()?.getName() === "URL";
}

/**
 * `fetch(input, init)` with `idempotency.fetchHeader`: the key as a header when the method is not
 * GET, HEAD or OPTIONS. What the literal `init` shows is decided here (a static method, headers
 * as an object literal or a list of pairs); a `Request`, a method or headers known only at run
 * time go through `durablec.idempotentFetch` / `withIdempotencyHeader`, which keep a header the
 * caller set under any spelling.
 */
function placeInFetch(call: CallExpression, header: string): EffectPlan["idempotency"] {
  const source = `header '${header}' of fetch (idempotency.fetchHeader)`;
  const [input, init] = call.getArguments();
  if (!input) return undefined;
  const atRunTime: EffectPlan["idempotency"] = { placement: { kind: "wrap-fetch", callee: call.getExpression(), header }, source };
  const inputIsUrl = isUrlLike(input.getType());
  if (!init) return inputIsUrl ? undefined : atRunTime; // a URL alone is a GET; a Request has its own method
  if (!Node.isObjectLiteralExpression(init)) return atRunTime;
  const properties = init.getProperties().filter((p) => Node.isPropertyAssignment(p) || Node.isShorthandPropertyAssignment(p));
  if (properties.length !== init.getProperties().length) return atRunTime; // spreads, methods, accessors
  const property = (name: string) => properties.find((p) => p.getName() === name);
  const method = property("method");
  if (!method) {
    if (!inputIsUrl) return atRunTime; // the Request's method
    return undefined; // GET
  }
  const methodName = Node.isPropertyAssignment(method) ? stringLiteralValue(method.getInitializer()) : undefined;
  if (methodName === undefined) return atRunTime;
  if ((SAFE_HTTP_METHODS as readonly string[]).includes(methodName.toUpperCase())) return undefined;
  const headers = property("headers");
  if (!headers) {
    // Without `headers` in init, a Request's own headers apply: only the helper can merge them.
    return inputIsUrl ? { placement: { kind: "add-property", literal: init, path: ["headers", header] }, source } : atRunTime;
  }
  if (!Node.isPropertyAssignment(headers)) return { placement: { kind: "wrap-headers", value: headers, header }, source };
  const value = headers.getInitializerOrThrow();
  const names = staticHeaderNames(value);
  if (!names) return { placement: { kind: "wrap-headers", value, header }, source };
  if (names.some((name) => name.toLowerCase() === header.toLowerCase())) return undefined; // set by the caller
  if (Node.isArrayLiteralExpression(value)) return { placement: { kind: "add-header-tuple", array: value, header }, source };
  return { placement: { kind: "add-property", literal: value as ObjectLiteralExpression, path: [header] }, source };
}

/**
 * The header names of `{ accept: "x", "x-id": y }` or `[["accept", "x"], …]`, or undefined when
 * the compiler cannot see them all (spreads, computed names, elements that are not pairs).
 */
function staticHeaderNames(headers: Expression): string[] | undefined {
  if (Node.isObjectLiteralExpression(headers)) {
    const names: string[] = [];
    for (const p of headers.getProperties()) {
      if (!Node.isPropertyAssignment(p) || Node.isComputedPropertyName(p.getNameNode())) return undefined;
      names.push(stringLiteralValue(p.getNameNode()) ?? p.getName());
    }
    return names;
  }
  if (Node.isArrayLiteralExpression(headers)) {
    const names: string[] = [];
    for (const e of headers.getElements()) {
      const name = Node.isArrayLiteralExpression(e) ? stringLiteralValue(e.getElements()[0]) : undefined;
      if (name === undefined) return undefined;
      names.push(name);
    }
    return names;
  }
  return undefined;
}

function isOptional(prop: MorphSymbol): boolean {
  return (prop.getFlags() & ts.SymbolFlags.Optional) !== 0;
}

function acceptsString(prop: MorphSymbol, at: Node): boolean {
  const t = prop.getTypeAtLocation(at).getNonNullableType();
  return t.isString() || t.isAny() || t.isUnknown() || (t.isUnion() && t.getUnionTypes().some((m) => m.isString()));
}

/** Declarations of the called function (imports and re-exports resolved). */
function calleeDeclarations(call: CallExpression): Node[] {
  const expr = call.getExpression();
  const nameNode = Node.isPropertyAccessExpression(expr) ? expr.getNameNode() : expr;
  let symbol = nameNode.getSymbol();
  if (symbol?.isAlias()) symbol = symbol.getAliasedSymbol() ?? symbol;
  return symbol?.getDeclarations() ?? [];
}

function parametersOf(decl: Node): string[] {
  let fn: Node | undefined = decl;
  if (Node.isVariableDeclaration(decl) || Node.isPropertyAssignment(decl) || Node.isPropertyDeclaration(decl)) fn = decl.getInitializer();
  if (fn && (Node.isFunctionLikeDeclaration(fn) || Node.isMethodSignature(fn) || Node.isFunctionTypeNode(fn))) return fn.getParameters().map((p) => p.getName());
  return [];
}

function parseJsDocTags(decls: Node[], report: (problem: string, annotation: string) => void): Annotations {
  const out: Annotations = {};
  for (const decl of decls) {
    for (const tag of ts.getJSDocTags(decl.compilerNode)) {
      const name = tag.tagName.text;
      const comment = (ts.getTextOfJSDocComment(tag.comment) ?? "").trim();
      applyTag(out, name, comment.split(/\s+/).filter(Boolean), "the declaration", report);
    }
  }
  return out;
}

/** `// @durable @atMostOnce`, `// @durable retry 3 10s`, `// @durable noRetry` on the statement of the call. */
function parseCallComment(call: Node, report: (problem: string, annotation: string, at: Node) => void): Annotations {
  const out: Annotations = {};
  const statement = call.getParentWhile((p) => !Node.isStatement(p)) ?? call;
  const holder = Node.isStatement(statement) ? statement : statement.getParent();
  if (!holder) return out;
  for (const range of holder.getLeadingCommentRanges()) {
    const text = range.getText().replace(/^\/\/|^\/\*+|\*+\/$/g, "").trim();
    const m = /^@durable\b(.*)$/s.exec(text);
    if (!m) continue;
    const tokens = m[1]!.trim().split(/\s+/).filter(Boolean);
    for (let i = 0; i < tokens.length; i++) {
      const word = tokens[i]!.replace(/^@/, "");
      const [key, value] = word.split("=");
      if (key === "retry") {
        const args = value !== undefined ? [value] : [];
        // `retry 3 10s`: up to two arguments, until the next annotation or `key=value`.
        if (value === undefined) while (args.length < 2 && i + 1 < tokens.length && !/^@|=|^(atMostOnce|noRetry|retry)$/.test(tokens[i + 1]!)) args.push(tokens[++i]!);
        applyTag(out, "retry", args, "the call", (p, a) => report(p, a, holder));
      } else if (key === "atMostOnce" || key === "noRetry") applyTag(out, key, [], "the call", (p, a) => report(p, a, holder));
      // Other keys (`concurrency=10`, …) belong to other rewrites.
    }
  }
  return out;
}

function applyTag(out: Annotations, name: string, args: string[], where: string, report: (problem: string, annotation: string) => void): void {
  switch (name) {
    case "atMostOnce":
      out.atMostOnce = { where };
      break;
    case "noRetry":
      out.noRetry = { where };
      break;
    case "retry": {
      const annotation = `@retry ${args.join(" ")}`.trim();
      const attempts = Number(args[0]);
      if (!args[0] || !Number.isInteger(attempts) || attempts < 1) {
        report(`'${args[0] ?? ""}' is not a number of attempts (a whole number, at least 1, counting the first attempt)`, annotation);
        return;
      }
      let initialDelaySeconds: number | undefined;
      if (args[1] !== undefined) {
        initialDelaySeconds = parseDurationSeconds(args[1]);
        if (initialDelaySeconds === undefined) {
          report(`'${args[1]}' is not a duration ('500ms', '10s', '5m', '1h')`, annotation);
          return;
        }
      }
      out.retry = { attempts, ...(initialDelaySeconds !== undefined ? { initialDelaySeconds } : {}), where };
      break;
    }
    case "idempotencyKey":
      out.idempotencyKey = args.join(" ");
      break;
  }
}
