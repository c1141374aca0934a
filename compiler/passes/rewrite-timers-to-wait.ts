/**
 * The plain-TypeScript sleeps become durable waits.
 *
 *   await new Promise((r) => setTimeout(r, 5000));     →  await ctx.wait("poll/setTimeout", durablec.toDuration(5000));
 *   await setTimeout(5000);  // node:timers/promises   →  await ctx.wait("poll/setTimeout", durablec.toDuration(5000));
 */
import { Node } from "../project/ts-morph.js";
import { getSetTimeoutDelay } from "../analysis/classify-call.js";
import { operationName } from "./operation-name.js";
import { operationsOf, type PassContext } from "./pass-context.js";

const PASS = "rewrite-timers-to-wait";

export function rewriteTimersToWait(context: PassContext): void {
  const { edits, names } = context;
  for (const op of operationsOf(context)) {
    if (op.classification.kind !== "timer-wait") continue;
    const call = op.call;
    const delay = Node.isNewExpression(call) ? getSetTimeoutDelay(call) : call.getArguments()[0];
    const delayText = delay ? delay.getText() : "0";
    context.imports.internal = true;
    edits.replace(call.getStart(), call.getEnd(), `${names.ctx}.wait(${operationName(context, op)}, ${names.internal}.toDuration(${delayText}))`, PASS);
  }
}
