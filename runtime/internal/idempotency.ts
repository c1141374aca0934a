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

/**
 * Keys for the effects inside an explicit `step()` body: `keyFor(site)` derives one from the
 * step's key (bound here, outside the body, like {@link withIdempotencyKey}), the call site and
 * how many times that site already ran in this attempt. Every attempt starts counting afresh, so a
 * retried step sends the keys of its first attempt again, and a call in a loop of the body gets
 * one key per iteration.
 *
 * @example
 * ctx.step("pay", withCallIdempotencyKeys(ctx, "pay", (keyFor) => async () => charge({ amount, idempotencyKey: keyFor("charge") })))
 */
export function withCallIdempotencyKeys<F extends (...args: never[]) => unknown>(ctx: DurableContext, path: string, body: (keyFor: (site: string) => string) => F): F {
  const stepKey = idempotencyKey(ctx, path);
  return ((...args: Parameters<F>) => {
    const runs = new Map<string, number>();
    const keyFor = (site: string) => {
      const n = (runs.get(site) ?? 0) + 1;
      runs.set(site, n);
      return uuidFrom(`durablec-idempotency-call\0${stepKey}\0${site}\0${n}`);
    };
    return body(keyFor)(...args);
  }) as F;
}

/** Methods that get no idempotency header: safe methods, which a repeat cannot change anything with. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Headers with `key` under `header` (`Idempotency-Key` by default) added, unless the caller set
 * that header under any spelling. Accepts every form `fetch` does: a plain object, a `Headers`,
 * a list of pairs.
 */
export function withIdempotencyHeader(headers: ConstructorParameters<typeof Headers>[0], key: string, header = "Idempotency-Key"): Headers {
  const h = new Headers(headers);
  if (!h.has(header)) h.set(header, key);
  return h;
}

/**
 * `fetch`, sending `key` in `header` when the method is not GET, HEAD or OPTIONS and the caller
 * set no such header. For calls whose method or headers are known only at run time: a `Request`
 * (its method and headers count when `init` does not override them), a computed method, an
 * `init` held in a variable.
 *
 * @example
 * idempotentFetch(fetch, key, "Idempotency-Key")(request) // request with the header when it is a POST
 */
export function idempotentFetch(fetchFn: typeof fetch, key: string, header = "Idempotency-Key"): typeof fetch {
  return (input, init) => {
    const request = typeof Request !== "undefined" && input instanceof Request ? input : undefined;
    const method = (init?.method ?? request?.method ?? "GET").toUpperCase();
    if (SAFE_METHODS.has(method)) return fetchFn(input, init);
    // Headers in `init` replace the Request's: start from whichever fetch would send.
    const current = init?.headers !== undefined ? init.headers : request?.headers;
    if (new Headers(current).has(header)) return fetchFn(input, init);
    return fetchFn(input, { ...init, headers: withIdempotencyHeader(current, key, header) });
  };
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
