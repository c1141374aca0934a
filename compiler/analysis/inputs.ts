/**
 * What enters an execution from outside: an entry's event and callback payloads. Their static
 * types become zod schemas (analysis/zod-schema.ts); parts no JSON value can have are reported.
 */
import { Node, type CallExpression, type Type } from "../project/ts-morph.js";
import { createDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { PlannedOperation } from "./analyze-durable-function.js";
import { loc, type DurableFunction } from "./discover.js";
import { awaitedType } from "./serializable.js";
import { zodSchemaOf } from "./zod-schema.js";

/** The type an entry's event is validated against, or undefined (no parameter, or nothing to check). */
export function eventType(fn: DurableFunction): { type: Type; at: Node } | undefined {
  if (!fn.isEntry) return undefined;
  const param = fn.node.getParameters()[0];
  if (!param) return undefined;
  const type = param.getType();
  if (type.isAny() || type.isUnknown()) return undefined;
  return { type, at: param };
}

/** The payload type `T` of `waitForCallback<T>` / `createCallback<T>`, when it says something. */
export function callbackPayloadType(op: PlannedOperation): Type | undefined {
  if (op.kind !== "waitForCallback" && op.kind !== "createCallback") return undefined;
  let type = awaitedType(op.call.getType());
  if (op.kind === "createCallback") {
    const first = type.isTuple() ? type.getTupleElements()[0] : undefined;
    if (!first) return undefined;
    type = awaitedType(first);
  }
  if (type.isAny() || type.isUnknown() || type.isTypeParameter()) return undefined;
  return type;
}

/** DUR4024 for every part of an event or payload type that cannot be checked. */
export function inputDiagnostics(fn: DurableFunction, operations: readonly PlannedOperation[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const file = fn.sourceFile;
  const ev = eventType(fn);
  if (ev) {
    for (const part of zodSchemaOf(ev.type, ev.at, "z", "event").unvalidated) {
      out.push(createDiagnostic("UnvalidatedInput", { what: `The event of '${fn.name}'`, path: part.path, kind: part.kind }, loc(file, ev.at)));
    }
  }
  for (const op of operations) {
    const payload = callbackPayloadType(op);
    if (!payload) continue;
    for (const part of zodSchemaOf(payload, op.call, "z", "payload").unvalidated) {
      out.push(createDiagnostic("UnvalidatedInput", { what: `The payload of '${op.name || op.label}'`, path: part.path, kind: part.kind }, loc(file, (op.call as CallExpression).getExpression())));
    }
  }
  return out;
}
