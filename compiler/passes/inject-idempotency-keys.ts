/**
 * Effects whose argument has an unset optional idempotency key (or whose callee names one with
 * `@idempotencyKey`) get the key of their step, bound outside the body so it is the same on every
 * retry, replay and recovery (runtime/internal/idempotency.ts).
 *
 *   await charge({ amount })   →  await ctx.step("pay/charge", durablec.withIdempotencyKey(ctx, "pay/charge", (idempotencyKey) => async () =>
 *                                   charge({ amount, idempotencyKey: idempotencyKey })), durablec.effectConfig())
 *   await charge(req)          →  … charge(durablec.setIdempotencyKey(req, ["idempotencyKey"], idempotencyKey)) …
 *   await send(msg)            →  … send(msg, idempotencyKey) …          (@idempotencyKey key)
 *   client.send(new XCommand({ n }))  →  … client.send(new XCommand({ n, ClientToken: idempotencyKey })) …
 *   fetch(url, { method: "POST" })    →  … fetch(url, { method: "POST", headers: { "Idempotency-Key": idempotencyKey } }) …
 *
 * Effects inside an explicit `step()` body get keys derived from the step's key and their call
 * site (and how often the site ran in this attempt, for loops in the body):
 *
 *   await step("pay", async () => { await charge({ a }); await charge({ b }); })
 *     →  await ctx.step("pay", durablec.withCallIdempotencyKeys(ctx, "pay", (idempotencyKeyFor) => async () => {
 *          await charge({ a, idempotencyKey: idempotencyKeyFor("charge") }); await charge({ b, idempotencyKey: idempotencyKeyFor("charge#2") }); }))
 */
import { Node, SyntaxKind } from "../project/ts-morph.js";
import type { KeyPlacement } from "../analysis/effect-options.js";
import { keyName } from "./effect-step-parts.js";
import { operationName } from "./operation-name.js";
import { operationsOf, str, type PassContext } from "./pass-context.js";

const PASS = "inject-idempotency-keys";

function propertyName(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

/** `{ a: { b: key } }` for path ["a", "b"]; the key itself for []. */
function nested(path: readonly string[], key: string): string {
  return path.reduceRight((inner, p) => `{ ${propertyName(p)}: ${inner} }`, key);
}

export function injectIdempotencyKeys(context: PassContext): void {
  for (const op of operationsOf(context)) {
    if (op.kind !== "step") continue;
    const placement = op.effect?.idempotency?.placement;
    if (placement) place(context, placement, keyName(context));
    if (op.keyedCalls?.length) {
      const body = op.call.getArguments()[1]!;
      const keyFor = context.names.unique("idempotencyKeyFor", ["idempotencyKeyFor", "durableKeyFor"]);
      context.imports.internal = true;
      const open = `${context.names.internal}.withCallIdempotencyKeys(${context.names.ctx}, ${operationName(context, op)}, (${keyFor}) => `;
      context.edits.head(body.getStart(), body.getEnd(), open, PASS);
      context.edits.tail(body.getStart(), body.getEnd(), ")", PASS);
      for (const keyed of op.keyedCalls) place(context, keyed.placement, `${keyFor}(${str(keyed.site)})`);
    }
  }
}

/** Writes `key` (an expression) where `placement` says. */
function place(context: PassContext, placement: KeyPlacement, key: string): void {
  const { edits } = context;
  const internal = () => {
    context.imports.internal = true;
    return context.names.internal;
  };
  switch (placement.kind) {
    case "add-property": {
      const [first, ...rest] = placement.path;
      appendItem(context, placement.literal, SyntaxKind.OpenBraceToken, `${propertyName(first!)}: ${nested(rest, key)}`);
      break;
    }
    case "add-header-tuple":
      appendItem(context, placement.array, SyntaxKind.OpenBracketToken, `[${str(placement.header)}, ${key}]`);
      break;
    case "set-path": {
      const a = placement.argument;
      edits.head(a.getStart(), a.getEnd(), `${internal()}.setIdempotencyKey(`, PASS);
      edits.tail(a.getStart(), a.getEnd(), `, ${JSON.stringify(placement.path)}, ${key})`, PASS);
      break;
    }
    case "wrap-headers": {
      const v = placement.value;
      if (Node.isShorthandPropertyAssignment(v)) {
        const name = v.getNameNode();
        edits.head(name.getStart(), name.getEnd(), `${name.getText()}: ${internal()}.withIdempotencyHeader(`, PASS);
      } else edits.head(v.getStart(), v.getEnd(), `${internal()}.withIdempotencyHeader(`, PASS);
      edits.tail(v.getStart(), v.getEnd(), `, ${key}, ${str(placement.header)})`, PASS);
      break;
    }
    case "wrap-fetch": {
      const c = placement.callee;
      edits.head(c.getStart(), c.getEnd(), `${internal()}.idempotentFetch(`, PASS);
      edits.tail(c.getStart(), c.getEnd(), `, ${key}, ${str(placement.header)})`, PASS);
      break;
    }
    case "add-argument": {
      const call = placement.call;
      const args = call.getArguments();
      const close = call.getLastChildByKindOrThrow(SyntaxKind.CloseParenToken);
      const before = context.file.getFullText().slice(0, close.getStart()).trimEnd();
      const fillers = Array.from({ length: placement.index - args.length }, () => "undefined");
      const values = [...fillers, nested(placement.path, key)].join(", ");
      const sep = args.length === 0 || before.endsWith(",") ? (before.endsWith(",") ? " " : "") : ", ";
      edits.insert(close.getStart(), `${sep}${values}`, PASS);
      break;
    }
  }
}

/** Appends `item` to an object or array literal, after its last element (or inside the empty one). */
function appendItem(context: PassContext, literal: Node, open: SyntaxKind, item: string): void {
  const items = Node.isObjectLiteralExpression(literal) ? literal.getProperties() : Node.isArrayLiteralExpression(literal) ? literal.getElements() : [];
  const last = items[items.length - 1];
  if (last) context.edits.tail(last.getStart(), last.getEnd(), `, ${item}`, PASS);
  else {
    const brace = literal.getFirstChildByKindOrThrow(open);
    context.edits.tail(brace.getStart(), brace.getEnd(), ` ${item} `, PASS);
  }
}
