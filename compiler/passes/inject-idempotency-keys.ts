/**
 * Effects whose argument has an unset optional idempotency key (or whose callee names one with
 * `@idempotencyKey`) get the key of their step, bound outside the body so it is the same on every
 * retry, replay and recovery (runtime/internal/idempotency.ts).
 *
 *   await charge({ amount })   →  await ctx.step("pay/charge", durablec.withIdempotencyKey(ctx, "pay/charge", (idempotencyKey) => async () =>
 *                                   charge({ amount, idempotencyKey: idempotencyKey })), durablec.effectConfig())
 *   await charge(req)          →  … charge(durablec.setIdempotencyKey(req, ["idempotencyKey"], idempotencyKey)) …
 *   await send(msg)            →  … send(msg, idempotencyKey) …          (@idempotencyKey key)
 */
import { Node, SyntaxKind, type CallExpression } from "ts-morph";
import type { KeyPlacement } from "../analysis/effect-options.js";
import { keyName } from "./effect-step-parts.js";
import { operationsOf, type PassContext } from "./pass-context.js";

const PASS = "inject-idempotency-keys";

function propertyName(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

/** `{ a: { b: key } }` for path ["a", "b"]; the key itself for []. */
function nested(path: readonly string[], key: string): string {
  return path.reduceRight((inner, p) => `{ ${propertyName(p)}: ${inner} }`, key);
}

export function injectIdempotencyKeys(context: PassContext): void {
  const { edits } = context;
  for (const op of operationsOf(context)) {
    const placement: KeyPlacement | undefined = op.effect?.idempotency?.placement;
    if (!placement || op.kind !== "step") continue;
    const key = keyName(context);
    switch (placement.kind) {
      case "add-property": {
        const props = placement.literal.getProperties();
        const last = props[props.length - 1];
        const entry = `${propertyName(placement.property)}: ${key}`;
        if (last) edits.tail(last.getStart(), last.getEnd(), `, ${entry}`, PASS);
        else {
          const brace = placement.literal.getFirstChildByKindOrThrow(SyntaxKind.OpenBraceToken);
          edits.tail(brace.getStart(), brace.getEnd(), ` ${entry} `, PASS);
        }
        break;
      }
      case "set-path": {
        context.imports.internal = true;
        const a = placement.argument;
        edits.head(a.getStart(), a.getEnd(), `${context.names.internal}.setIdempotencyKey(`, PASS);
        edits.tail(a.getStart(), a.getEnd(), `, ${JSON.stringify(placement.path)}, ${key})`, PASS);
        break;
      }
      case "add-argument": {
        const call = op.call as CallExpression;
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
}

export const isCall = (n: Node): n is CallExpression => Node.isCallExpression(n);
