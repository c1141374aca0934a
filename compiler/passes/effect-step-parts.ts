/**
 * The text an effect step gets around its body beyond `ctx.step(name, async () => …)`: the
 * binding of its idempotency key, and its StepConfig (retries, semantics, codec). Shared by the
 * effects rewrite (which owns the step's head and tail) and the key injection (which edits the
 * arguments inside the body).
 */
import type { PlannedOperation } from "../analysis/analyze-durable-function.js";
import type { EffectOptions } from "../../runtime/internal/effect-config.js";
import { operationName } from "./operation-name.js";
import type { PassContext } from "./pass-context.js";

export interface EffectStepParts {
  /** Before `async () =>`. */
  open: string;
  /** After the body, before the config. */
  close: string;
  /** `, durablec.effectConfig(…)` or "". */
  config: string;
}

/** The name of the parameter that carries the key into the step body. */
export function keyName(context: PassContext): string {
  return context.names.unique("idempotencyKey", ["idempotencyKey", "durableKey", "key"]);
}

export function effectStepParts(context: PassContext, op: PlannedOperation): EffectStepParts {
  const internal = () => {
    context.imports.internal = true;
    return context.names.internal;
  };
  let open = "";
  let close = "";
  if (op.effect?.idempotency) {
    open = `${internal()}.withIdempotencyKey(${context.names.ctx}, ${operationName(context, op)}, (${keyName(context)}) => `;
    close = ")";
  }
  if (op.classification.kind !== "effect" && op.codec === undefined) return { open, close, config: "" };
  const options: EffectOptions = {};
  if (op.effect?.atMostOnce) options.atMostOnce = true;
  if (op.effect?.retry !== undefined && !op.effect.atMostOnce) options.retry = op.effect.retry;
  if (op.codec !== undefined) options.serdes = op.codec;
  const args = Object.keys(options).length ? literal(options) : "";
  return { open, close, config: `, ${internal()}.effectConfig(${args})` };
}

/** `{ atMostOnce: true, retry: { attempts: 3 } }`: a JSON value written as a JS literal. */
function literal(value: unknown): string {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return JSON.stringify(value);
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${k === "serdes" ? JSON.stringify(v) : literal(v)}`);
  return `{ ${entries.join(", ")} }`;
}
