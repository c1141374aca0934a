/**
 * A branch of `Promise.all / allSettled / race / any` that runs more than one durable operation
 * gets its own child context (LANGUAGE §3.4): the SDK takes operation ids in call order per
 * context, so two flows interleaving on one context would get each other's ids, and results,
 * on replay (reference §6.4). A branch with one operation takes its id synchronously and is left
 * alone.
 *
 *   await Promise.all([                                 await Promise.all([
 *     (async () => {                                      ctx.runInChildContext("ship/all[0]", async (ctx) => (async () => {
 *       const label = await printLabel(order);    →         const label = await ctx.step("ship/printLabel", async () => printLabel(order));
 *       await notify(order.customer, label);                await ctx.step("ship/notify", async () => notify(order.customer, label));
 *     })(),                                               })()),
 *     charge(order),                                      ctx.step("ship/charge", async () => charge(order)),
 *   ]);                                                 ]);
 */
import { Node } from "../project/ts-morph.js";
import { qualifiedName } from "./operation-name.js";
import type { PassContext } from "./pass-context.js";
import { rebindNarrowed } from "./rebind-narrowed.js";

const PASS = "rewrite-concurrency";

export function rewriteConcurrency(context: PassContext): void {
  const { edits, names } = context;
  for (const analysis of context.functions) {
    for (const plan of analysis.loops ?? []) {
      if (plan.kind !== "branch") continue;
      const e = plan.expression;
      const object = Node.isObjectLiteralExpression(e);
      const rebind = rebindNarrowed(context, analysis.fn, e);
      edits.head(e.getStart(), e.getEnd(), `${names.ctx}.runInChildContext(${qualifiedName(context, e, plan.name)}, ${rebind.open}async (${names.ctx}) => ${object ? "(" : ""}`, PASS);
      edits.tail(e.getStart(), e.getEnd(), `${object ? ")" : ""}${rebind.close})`, PASS);
    }
  }
}
