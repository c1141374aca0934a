/**
 * The authoring intrinsics: what `"use durable"` source imports from `durablec`.
 *
 * Inside a durable function `durablec build` rewrites each call into the matching operation of
 * the AWS durable execution SDK. Outside compiled code (a unit test running the source as plain
 * TypeScript) they behave as their names say where that is possible (`sleep` sleeps, `waitFor`
 * polls, `step` runs its function) and throw a clear error where it is not.
 *
 * @example
 * ```ts
 * import { sleep, waitForCallback } from "durablec";
 * export async function approve(req: Request) {
 *   "use durable";
 *   await sleep("1h");
 *   return waitForCallback<Decision>((id) => notify(req, id), { timeout: "24h" });
 * }
 * ```
 */

/** A span of time: an object of units, milliseconds, or a string such as `"24h"`, `"15m"`, `"30s"`. */
export type Duration =
  | { days?: number; hours?: number; minutes?: number; seconds?: number; milliseconds?: number }
  | number
  | `${number}${"ms" | "s" | "m" | "h" | "d"}`;

/** Options of an explicit `step()`. */
export interface StepOptions {
  /** Run at most once per retry and never retry (`StepSemantics.AtMostOncePerRetry`). */
  atMostOnce?: boolean;
  /** Retry policy: attempts counts the first attempt. `attempts: 1` means no retry. */
  retry?: { attempts: number; initialDelay?: Duration; maxDelay?: Duration; backoffRate?: number };
}

export interface CallbackOptions {
  /**
   * How long the external system has to answer. Optional in the type so that durablec can
   * explain why it is required (DUR4003) instead of a generic type error.
   */
  timeout?: Duration;
  heartbeatTimeout?: Duration;
}

export interface WaitForOptions<T> {
  /** The condition is met when `until(state)` returns true. */
  until: (state: T) => boolean;
  initialState: T;
  backoff?: { initialDelay?: Duration; maxDelay?: Duration; rate?: number; maxAttempts?: number };
}

/** Error thrown by intrinsics that only make sense inside compiled durable code. */
export class NotCompiledError extends Error {
  readonly code = "DURABLEC_NOT_COMPILED";
  constructor(intrinsic: string) {
    super(
      `${intrinsic}() only works inside a "use durable" function compiled by durablec: ` +
        `it needs the durable execution service to deliver its result. ` +
        `Build the module with \`durablec build\`, or stub ${intrinsic} in this test.`,
    );
    this.name = "NotCompiledError";
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds in a {@link Duration}. Throws a `RangeError` on malformed input. */
export function durationToMilliseconds(duration: Duration): number {
  if (typeof duration === "number") {
    if (!Number.isFinite(duration) || duration < 0) throw new RangeError(`Invalid duration: ${duration}`);
    return duration;
  }
  if (typeof duration === "string") {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(duration.trim());
    if (!match) throw new RangeError(`Invalid duration "${duration}": expected e.g. "500ms", "30s", "15m", "24h", "7d"`);
    return Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  if (duration && typeof duration === "object") {
    const { days = 0, hours = 0, minutes = 0, seconds = 0, milliseconds = 0 } = duration;
    return days * 86_400_000 + hours * 3_600_000 + minutes * 60_000 + seconds * 1000 + milliseconds;
  }
  throw new RangeError(`Invalid duration: ${String(duration)}`);
}

/** Waits for `duration`. Compiled: `context.wait`, which suspends the execution without compute. */
export async function sleep(duration: Duration): Promise<void> {
  const ms = durationToMilliseconds(duration);
  await new Promise<void>((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `fn` as one checkpointed unit: its result is recorded and never recomputed on replay.
 * Compiled: `context.step(name, fn)`. Durable operations cannot run inside a step.
 */
export async function step<T>(name: string, fn: () => Promise<T> | T, options?: StepOptions): Promise<T> {
  void name;
  void options;
  return fn();
}

/**
 * Polls `check` until `until(state)` holds, with exponential backoff between attempts.
 * Compiled: `context.waitForCondition` with a backoff wait strategy.
 */
export async function waitFor<T>(check: (state: T) => Promise<T> | T, options: WaitForOptions<T>): Promise<T> {
  const backoff = options.backoff ?? {};
  let delay = durationToMilliseconds(backoff.initialDelay ?? "5s");
  const maxDelay = durationToMilliseconds(backoff.maxDelay ?? "300s");
  const rate = backoff.rate ?? 1.5;
  const maxAttempts = backoff.maxAttempts ?? 60;
  let state = options.initialState;
  for (let attempt = 1; ; attempt++) {
    state = await check(state);
    if (options.until(state)) return state;
    if (attempt >= maxAttempts) throw new Error(`waitFor exceeded maximum attempts (${maxAttempts})`);
    await new Promise<void>((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * rate, maxDelay);
  }
}

/**
 * Creates a callback, hands its id to `submit` (which sends it to the external system) and waits
 * for the external system to complete it. The payload is JSON-parsed.
 * Compiled: `context.waitForCallback`. Uncompiled: throws {@link NotCompiledError}.
 */
export async function waitForCallback<T>(
  submit: (callbackId: string) => Promise<void>,
  options: CallbackOptions,
): Promise<T> {
  void submit;
  void options;
  throw new NotCompiledError("waitForCallback");
}

/**
 * Creates a callback and returns `[result, callbackId]` without waiting; await `result` later.
 * Compiled: `context.createCallback`. Uncompiled: throws {@link NotCompiledError}.
 */
export async function createCallback<T>(options: CallbackOptions): Promise<[Promise<T>, string]> {
  void options;
  throw new NotCompiledError("createCallback");
}

/**
 * Invokes another (durable) Lambda function and waits for its result.
 * Compiled: `context.invoke`. Uncompiled: throws {@link NotCompiledError}.
 */
export async function invoke<O = unknown, I = unknown>(functionName: string, input?: I): Promise<O> {
  void functionName;
  void input;
  throw new NotCompiledError("invoke");
}

export { DurablecValidationError, InvalidEventError, CallbackPayloadError } from "./internal/validation.js";
