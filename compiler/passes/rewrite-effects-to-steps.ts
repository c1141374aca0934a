/**
 * Nondeterministic reads and effects become steps; only the call goes into the step, so
 * assignments stay outside and state flows through return values.
 *
 *   total += await price(item);          →  total += await ctx.step("checkout/price", async () => price(item));
 *   const at = Date.now();               →  const at = await ctx.step("checkout/Date.now", async () => Date.now());
 *   const d = new Date();                →  const d = new Date(await ctx.step("checkout/new Date", async () => Date.now()));
 */
import { Node } from "../project/ts-morph.js";
import { effectStepParts } from "./effect-step-parts.js";
import { operationName } from "./operation-name.js";
import { rebindNarrowed } from "./rebind-narrowed.js";
import { needsParentheses, operationsOf, str, type PassContext } from "./pass-context.js";

const PASS = "rewrite-effects-to-steps";

export function rewriteEffectsToSteps(context: PassContext): void {
  const { edits, names } = context;
  for (const op of operationsOf(context)) {
    if (op.kind !== "step" || (op.classification.kind !== "effect" && op.classification.kind !== "nondeterministic")) continue;
    const call = op.call;
    const start = op.extent.getStart();
    const end = op.extent.getEnd();
    if (Node.isNewExpression(call)) {
      edits.replace(start, end, `new Date(await ${names.ctx}.step(${operationName(context, op)}, async () => Date.now()))`, PASS);
      continue;
    }
    const wrap = op.needsAwait && needsParentheses(op.extent);
    // Idempotency key binding, retries, semantics and codec (issue 6): effect-step-parts.ts.
    const parts = effectStepParts(context, op);
    // Variables narrowed here keep their types inside the step body (rebind-narrowed.ts).
    const rebind = rebindNarrowed(context, op.fn, op.extent);
    const open = `${wrap ? "(" : ""}${op.needsAwait ? "await " : ""}${names.ctx}.step(${operationName(context, op)}, ${rebind.open}${parts.open}async () => `;
    edits.head(start, end, open, PASS);
    // Zero-length span: the step is the innermost construct ending here, so it closes first.
    edits.tail(end, end, `${parts.close}${rebind.close}${parts.config}${wrap ? "))" : ")"}`, PASS);
  }
}
