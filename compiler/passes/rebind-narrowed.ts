/**
 * Generated closures keep the types control flow proved in the source
 * (analysis/narrowed-captures.ts): a closure rebinds the narrowed variables it would widen back
 * through an immediately invoked arrow, whose parameters TypeScript types from the arguments; a
 * narrowed property read inside one gets its narrowed type asserted.
 *
 *   let x: string | undefined = …;                   let x: string | undefined = …;
 *   if (x) await price(x);                     →     if (x) await ctx.step("f/price", ((x) => async () => price(x))(x));
 *   x = undefined;                                   x = undefined;
 *   if (order.coupon) await apply(order.coupon); →   if (order.coupon) await ctx.step("f/apply", async () => apply(order.coupon!));
 */
import { Node } from "../project/ts-morph.js";
import type { FunctionAnalysis } from "../analysis/analyze-durable-function.js";
import type { DurableFunction } from "../analysis/discover.js";
import { planNarrowing, type NarrowingPlan } from "../analysis/narrowed-captures.js";
import type { PassContext } from "./pass-context.js";

const PASS = "keep-narrowing-in-closures";

export interface Rebinding {
  /** Before the closure: `((x, o) => `, or "". */
  open: string;
  /** After it: `)(x, o)`, or "". */
  close: string;
}

/** The source nodes the rewrites move into closures of their own. */
function closuresOf(analysis: FunctionAnalysis): Node[] {
  const out: Node[] = [];
  for (const op of analysis.operations) {
    const c = op.classification.kind;
    if (op.kind === "step" && (c === "effect" || c === "nondeterministic")) out.push(op.extent);
    else if (c === "durable-call") out.push(op.call);
  }
  for (const plan of analysis.loops ?? []) {
    if (plan.kind === "map") out.push(plan.body);
    else if (plan.kind === "branch") out.push(plan.expression);
    else if (plan.kind === "poll") out.push(plan.check);
  }
  return out;
}

const plans = new WeakMap<FunctionAnalysis, NarrowingPlan>();

function narrowingOf(analysis: FunctionAnalysis): NarrowingPlan {
  let plan = plans.get(analysis);
  if (!plan) plans.set(analysis, (plan = planNarrowing(closuresOf(analysis), analysis.fn.node)));
  return plan;
}

/** The rebinding around the closure generated for `extent`, a node of `fn`'s body. */
export function rebindNarrowed(context: PassContext, fn: DurableFunction, extent: Node): Rebinding {
  const analysis = context.functions.find((a) => a.fn === fn);
  const names = analysis ? narrowingOf(analysis).rebinds.get(extent) ?? [] : [];
  if (names.length === 0) return { open: "", close: "" };
  const list = names.join(", ");
  return { open: `((${list}) => `, close: `)(${list})` };
}

/** The pass: narrowed property reads inside generated closures get their type asserted. */
export function assertNarrowedProperties(context: PassContext): void {
  for (const analysis of context.functions) {
    for (const { node, suffix, type } of narrowingOf(analysis).assertions) {
      if (suffix) context.edits.tail(node.getStart(), node.getEnd(), suffix, PASS);
      else if (standsAlone(node)) context.edits.tail(node.getStart(), node.getEnd(), ` as ${type}`, PASS);
      else {
        context.edits.head(node.getStart(), node.getEnd(), "(", PASS);
        context.edits.tail(node.getStart(), node.getEnd(), ` as ${type})`, PASS);
      }
    }
  }
}

/** An argument, or already parenthesised: `x as T` needs no parentheses of its own. */
function standsAlone(node: Node): boolean {
  const parent = node.getParent();
  if (Node.isParenthesizedExpression(parent)) return true;
  return (Node.isCallExpression(parent) || Node.isNewExpression(parent)) && parent.getArguments().includes(node);
}
