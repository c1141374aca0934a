/**
 * What an effect step needs beyond its body, decided on the unmodified program: at-most-once
 * semantics and retries (JSDoc on the callee, or `// @durable …` at the call), and where an
 * idempotency key goes (an unset optional key property in an argument's type, or the callee's
 * `@idempotencyKey <parameter path>`).
 */
import { Node, SyntaxKind, ts, type CallExpression, type Expression, type NewExpression, type ObjectLiteralExpression, type Symbol as MorphSymbol } from "ts-morph";
import { createDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
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
  /** `charge({ amount })` → `charge({ amount, idempotencyKey: key })` */
  | { kind: "add-property"; literal: ObjectLiteralExpression; property: string }
  /** `charge(req)` → `charge(durablec.setIdempotencyKey(req, ["idempotencyKey"], key))` (kept when set) */
  | { kind: "set-path"; argument: Expression; path: string[] }
  /** `charge(100)` → `charge(100, { idempotencyKey: key })`; `send(msg)` → `send(msg, key)` */
  | { kind: "add-argument"; index: number; path: string[] };

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
  constructor(private readonly projectRetry: RetryPlan | undefined) {}

  plan(call: CallExpression | NewExpression, callee: string, diagnostics: Diagnostic[]): EffectPlan {
    const file = call.getSourceFile().getFilePath();
    const report = (problem: string, annotation: string, at: Node) =>
      diagnostics.push(createDiagnostic("InvalidDurableAnnotation", { annotation, problem }, loc(call.getSourceFile(), at)));
    const decls = Node.isCallExpression(call) ? calleeDeclarations(call) : [];
    const fromCallee = parseJsDocTags(decls, (p, a) => report(p, a, call.getExpression()));
    const fromComment = parseCallComment(call, (p, a, at) => report(p, a, at));
    void file;
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
      const idempotency = a.idempotencyKey !== undefined ? this.placeFromTag(call, decls, a.idempotencyKey, callee, diagnostics) : placeFromTypes(call);
      if (idempotency) plan.idempotency = idempotency;
    }
    return plan;
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

function placementFor(call: CallExpression, index: number, path: string[]): KeyPlacement | undefined {
  const arg = call.getArguments()[index] as Expression | undefined;
  if (!arg || (Node.isIdentifier(arg) && arg.getText() === "undefined")) {
    if (arg) return { kind: "set-path", argument: arg, path };
    return { kind: "add-argument", index, path };
  }
  if (path.length === 0) return undefined; // the key itself is passed
  if (Node.isObjectLiteralExpression(arg)) {
    const spreads = arg.getProperties().some((p) => Node.isSpreadAssignment(p));
    const existing = arg.getProperties().find((p) => (Node.isPropertyAssignment(p) || Node.isShorthandPropertyAssignment(p)) && p.getName() === path[0]);
    if (existing && path.length === 1) return undefined; // set by the caller
    if (!existing && !spreads && path.length === 1) return { kind: "add-property", literal: arg, property: path[0]! };
  }
  return { kind: "set-path", argument: arg, path };
}

/** The first argument whose type has an unset optional key property (aliases, intersections, optional parameters). */
function placeFromTypes(call: CallExpression): EffectPlan["idempotency"] {
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

/** For the rewrite: the key expression's placement as text edits. */
export function isKeyPlacement(x: unknown): x is KeyPlacement {
  return !!x && typeof x === "object" && "kind" in x;
}

export const _forTests = { SyntaxKind };
