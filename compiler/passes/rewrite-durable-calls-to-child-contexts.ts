/**
 * A durable function called from durable code runs in its own child context, so its operations
 * are grouped under its name and get replay-safe ids.
 *
 *   const r = await reserve(item);   →  const r = await ctx.runInChildContext("checkout/reserve", async (ctx) => reserve(ctx, item));
 *   await notify(order);  // entry   →  await ctx.runInChildContext("checkout/notify", async (ctx) => notify$durable(ctx, order));
 *
 * The child function is async because the arguments are evaluated inside it, and they may hold
 * operations of their own.
 */
import { operationName } from "./operation-name.js";
import { rebindNarrowed } from "./rebind-narrowed.js";
import { openParenOf, operationsOf, type PassContext } from "./pass-context.js";

const PASS = "rewrite-durable-calls-to-child-contexts";

function internalName(context: PassContext): string {
  context.imports.internal = true;
  return context.names.internal;
}

export function rewriteDurableCallsToChildContexts(context: PassContext): void {
  const { edits, names } = context;
  for (const op of operationsOf(context)) {
    if (op.classification.kind !== "durable-call") continue;
    const { target, via } = op.classification;
    const call = op.call;
    const callee = call.getExpression();
    const ctx = names.ctx;
    const rebind = rebindNarrowed(context, op.fn, call);
    edits.head(call.getStart(), call.getEnd(), `${ctx}.runInChildContext(${operationName(context, op)}, ${rebind.open}async (${ctx}) => `, PASS);
    // A result JSON does not round-trip gets the codec of its type (runtime/internal/serdes.ts).
    const codec = op.codec !== undefined ? `, ${internalName(context)}.childConfig(${JSON.stringify(op.codec)})` : "";
    edits.tail(call.getStart(), call.getEnd(), `${rebind.close}${codec})`, PASS);
    if (target.isEntry) {
      let local: string;
      if (target.sourceFile === context.file) local = names.inner(target.name);
      else {
        const specifier = via?.moduleSpecifier;
        if (!specifier) throw new Error(`durable call to ${target.name} in another module without an import`);
        local = names.importedInner(specifier, target.name);
        context.imports.inners.set(local, { moduleSpecifier: specifier, importedName: context.namesOf(target.sourceFile).inner(target.name), local });
      }
      edits.replace(callee.getStart(), callee.getEnd(), local, PASS);
    }
    const paren = openParenOf(call);
    edits.tail(paren.getStart(), paren.getEnd(), `${ctx}${call.getArguments().length ? ", " : ""}`, PASS);
  }
}
