/**
 * What enters an execution from outside: an entry's event and callback payloads. Their static
 * types become zod schemas (analysis/zod-schema.ts); parts no JSON value can have are reported.
 */
import { Node, type CallExpression, type Type } from "../project/ts-morph.js";
import { createDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { PlannedOperation } from "./analyze-durable-function.js";
import { loc, type DurableFunction } from "./discover.js";
import { awaitedType } from "./serializable.js";
import { inputSchemaOf, type InputSchema } from "./zod-schema.js";

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

/**
 * The schemas of a durable function's inputs, each derived once for the validation code, the
 * manifest and the diagnostics: the event's is returned, each callback payload's is set on its
 * operation (`payloadSchema`). Comes with DUR4024 for every part of them that cannot be checked.
 */
export function analyzeInputs(fn: DurableFunction, operations: readonly PlannedOperation[]): { eventSchema?: InputSchema; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const file = fn.sourceFile;
  const ev = eventType(fn);
  let eventSchema: InputSchema | undefined;
  if (ev) {
    const { schema, unvalidated } = inputSchemaOf(ev.type, ev.at, "event");
    eventSchema = schema;
    for (const part of unvalidated) {
      diagnostics.push(createDiagnostic("UnvalidatedInput", { what: `The event of '${fn.name}'`, path: part.path, kind: part.kind }, loc(file, ev.at)));
    }
  }
  for (const op of operations) {
    const payload = callbackPayloadType(op);
    if (!payload) continue;
    const { schema, unvalidated } = inputSchemaOf(payload, op.call, "payload");
    op.payloadSchema = schema;
    for (const part of unvalidated) {
      diagnostics.push(createDiagnostic("UnvalidatedInput", { what: `The payload of '${op.name || op.label}'`, path: part.path, kind: part.kind }, loc(file, (op.call as CallExpression).getExpression())));
    }
  }
  return { ...(eventSchema ? { eventSchema } : {}), diagnostics };
}
