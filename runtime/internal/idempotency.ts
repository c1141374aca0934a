/**
 * Idempotency keys for effects: derived from the execution and the position of the step that
 * carries the call, so a retry, a replay or a crash recovery sends the same key, and every other
 * execution, call site or iteration sends another one. Nothing is checkpointed.
 */
import { createHash } from "node:crypto";
import type { DurableContext } from "@aws/durable-execution-sdk-js";

interface ContextInternals {
  executionContext?: { durableExecutionArn?: string };
  /** SDK ≥ 2.4: the id the next operation of this context will get (`1-3-2`), not consumed. */
  peekStepId?: () => string;
  _stepPrefix?: string;
}

const fallbackCounters = new WeakMap<object, Map<string, number>>();

/**
 * The id the next operation of `ctx` gets. Operation ids are positional: the parent context's id,
 * then the index of the operation in its context, so map items, loop iterations and child contexts
 * all differ, and replay reproduces them exactly.
 */
function nextOperationId(ctx: ContextInternals, path: string): string {
  if (typeof ctx.peekStepId === "function") return ctx.peekStepId();
  // Older SDKs: count the calls per context and path (also deterministic on replay).
  let counters = fallbackCounters.get(ctx);
  if (!counters) fallbackCounters.set(ctx, (counters = new Map()));
  const n = (counters.get(path) ?? 0) + 1;
  counters.set(path, n);
  return `${ctx._stepPrefix ?? ""}~${n}`;
}

/** A UUID-shaped key (36 characters fits every AWS `ClientToken` limit) from a SHA-256. */
function uuidFrom(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The idempotency key of the operation `ctx` is about to start. Call it while the operation's
 * arguments are evaluated (the compiled code does), not inside the step body.
 *
 * @example
 * idempotencyKey(ctx, "checkout/charge") // "1f0c…-…" (same on every replay and retry of this step)
 */
export function idempotencyKey(ctx: DurableContext, path: string): string {
  const internals = ctx as unknown as ContextInternals;
  const arn = internals.executionContext?.durableExecutionArn ?? "";
  return uuidFrom(`durablec-idempotency\0${arn}\0${nextOperationId(internals, path)}\0${path}`);
}

/**
 * Binds the key of the step about to start to its body: `ctx.step(name, withIdempotencyKey(ctx,
 * name, (key) => async () => charge({ …, idempotencyKey: key })))`.
 */
export function withIdempotencyKey<T>(ctx: DurableContext, path: string, body: (key: string) => T): T {
  return body(idempotencyKey(ctx, path));
}

/** Headers with an `Idempotency-Key` added, unless the caller set one (any case). */
export function withIdempotencyHeader(headers: ConstructorParameters<typeof Headers>[0], key: string): Headers {
  const h = new Headers(headers);
  if (!h.has("idempotency-key")) h.set("Idempotency-Key", key);
  return h;
}

/**
 * `value` with `key` at `path` (`["options", "idempotencyKey"]`), unless the caller already put a
 * key there. Copies the objects along the path; never mutates the caller's.
 */
export function setIdempotencyKey<T>(value: T, path: readonly string[], key: string): T {
  if (path.length === 0) return (value ?? key) as T;
  const [head, ...rest] = path as [string, ...string[]];
  const base = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  const current = base[head];
  if (rest.length === 0 && current !== undefined && current !== null) return value;
  return { ...base, [head]: setIdempotencyKey(current, rest, key) } as T;
}
