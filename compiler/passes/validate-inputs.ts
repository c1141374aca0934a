/**
 * An entry's event is validated before the function runs, and callback payloads when they
 * arrive, against zod schemas generated from their static types (analysis/zod-schema.ts).
 *
 *   export const checkout = withDurableExecution((event: …, ctx) =>
 *     checkout$durable(ctx, durablec.validateEvent("checkout", z.looseObject({ id: z.string() }), event)));
 *   await waitForCallback<Approval>(send, o)  →  await durablec.validatedCallback(ctx.waitForCallback(…), "f/waitForCallback", z.looseObject({…}))
 *   await createCallback<Approval>(o)         →  await durablec.validatedCreateCallback(ctx.createCallback(…), "f/createCallback", z.looseObject({…}))
 */
import type { FunctionAnalysis } from "../analysis/analyze-durable-function.js";
import { zodCodeOf } from "../analysis/zod-schema.js";
import { operationsOf, str, type PassContext } from "./pass-context.js";

const PASS = "validate-inputs";

/** The local name of zod's `z`, imported once per compiled file. */
function zod(context: PassContext): string {
  const z = context.names.unique("zod", ["z", "zod"]);
  if (!zodImported.has(context.edits)) {
    zodImported.add(context.edits);
    const first = context.file.getStatements().find((s) => s !== context.fileDirective);
    const at = first ? first.getStart() : context.file.getEnd();
    context.edits.insert(at, `import { ${z === "z" ? "z" : `z as ${z}`} } from "zod";\n`, PASS);
  }
  return z;
}
const zodImported = new WeakSet<object>();

/** `durablec.validateEvent("checkout", <schema>, event)`, or `event` when there is nothing to check. */
export function validatedEventText(context: PassContext, { fn, eventSchema }: FunctionAnalysis, event: string): string {
  if (!eventSchema) return event;
  const code = zodCodeOf(eventSchema, zod(context));
  context.imports.internal = true;
  return `${context.names.internal}.validateEvent(${str(fn.name)}, ${code}, ${event})`;
}

export function validateInputs(context: PassContext): void {
  for (const op of operationsOf(context)) {
    if (!op.payloadSchema) continue;
    const code = zodCodeOf(op.payloadSchema, zod(context));
    context.imports.internal = true;
    const helper = op.kind === "createCallback" ? "validatedCreateCallback" : "validatedCallback";
    const start = op.call.getStart();
    const end = op.call.getEnd();
    context.edits.head(start, end, `${context.names.internal}.${helper}(`, PASS);
    context.edits.tail(start, end, `, ${str(op.name)}, ${code})`, PASS);
  }
}
