/**
 * The name argument an operation is emitted with. An operation inside a loop that stays a
 * sequential loop (DUR3001) is qualified by the iteration of every such loop around it, so the
 * iterations are told apart in logs, the console and replay checks (LANGUAGE §4):
 *
 *   for (const item of items) { if (done) break; await price(item); }
 *   →  ctx.step(`checkout/price[${iteration}]`, …)      // checkout/price[0], checkout/price[1], …
 *
 * The counters are declared by `rewrite-loops-to-map` (`iterationCounters`); everything else is a
 * plain string literal.
 */
import { Node, type Statement } from "../project/ts-morph.js";
import type { PlannedOperation } from "../analysis/analyze-durable-function.js";
import type { KeptPlan } from "../analysis/loops.js";
import { str, type PassContext } from "./pass-context.js";

export interface IterationCounter {
  /** Counts the iterations started so far; read in the loop's condition. */
  count: string;
  /** The current iteration's index, declared at the top of the body. */
  index: string;
}

/** The generated names of a kept loop's counters (stable per file, never colliding). */
export function iterationCounters(context: PassContext, loop: Statement): IterationCounter {
  const key = `iteration@${loop.getStart()}`;
  return {
    count: context.names.unique(`${key}:count`, ["iterations", "iterationCount"]),
    index: context.names.unique(`${key}:index`, ["iteration", "iterationIndex"]),
  };
}

/** The kept loops around `node`, outermost first, with how `node` sees each: body or condition. */
export function enclosingKeptLoops(context: PassContext, node: Node): { plan: KeptPlan; use: "index" | "count" }[] {
  const out: { plan: KeptPlan; use: "index" | "count" }[] = [];
  for (const analysis of context.functions) {
    for (const plan of analysis.loops ?? []) {
      if (plan.kind !== "kept") continue;
      const loop = plan.loop;
      const inside = (n: Node | undefined) => !!n && node.getStart() >= n.getStart() && node.getEnd() <= n.getEnd();
      const body = (loop as { getStatement?: () => Node }).getStatement?.();
      if (inside(body)) out.push({ plan, use: "index" });
      else if (Node.isForStatement(loop) && (inside(loop.getCondition()) || inside(loop.getIncrementor()))) out.push({ plan, use: "count" });
      else if ((Node.isWhileStatement(loop) || Node.isDoStatement(loop)) && inside(loop.getExpression())) out.push({ plan, use: "count" });
    }
  }
  return out.sort((a, b) => a.plan.loop.getStart() - b.plan.loop.getStart());
}

/** `"checkout/price"`, or `` `checkout/price[${iteration}]` `` inside a sequential loop. */
export function operationName(context: PassContext, op: PlannedOperation): string {
  return qualifiedName(context, op.call, op.name);
}

/**
 * `name` as an expression for the construct at `node`: a string literal, or a template literal
 * qualified by the enclosing sequential loops' iterations, followed by `suffix` (template text).
 */
export function qualifiedName(context: PassContext, node: Node, name: string, suffix = ""): string {
  const loops = enclosingKeptLoops(context, node);
  if (loops.length === 0 && !suffix) return str(name);
  const escaped = name.replace(/[`\\]|\$\{/g, (c) => `\\${c}`);
  return `\`${escaped}${loops.map((l) => `[\${${iterationCounters(context, l.plan.loop)[l.use]}}]`).join("")}${suffix}\``;
}
