/**
 * `durablec/internal`: the only module compiled output imports besides the AWS SDK.
 *
 * A stable ABI: compiled code from an older durablec must keep working against a newer runtime,
 * so functions here are only ever added, never changed incompatibly.
 */
import {
  createRetryStrategy,
  createWaitStrategy,
  JitterStrategy,
  StepSemantics,
  type Duration as SdkDuration,
  type StepConfig,
  type WaitForConditionConfig,
} from "@aws/durable-execution-sdk-js";
import {
  durationToMilliseconds,
  type CallbackOptions,
  type Duration,
  type StepOptions,
  type WaitForOptions,
} from "../intrinsics.js";
import { serdes, type TypeDescriptor } from "./serdes.js";

/**
 * ABI version of this module; bumped when an export is added (2: effect configs, idempotency keys,
 * serdes, input validation; 3: keys inside explicit steps, the fetch idempotency header).
 */
export const ABI_VERSION = 3;

/**
 * Converts a durablec {@link Duration} (`"24h"`, milliseconds, `{hours: 24}`) to the SDK's
 * whole-second Duration. Sub-second remainders round up; the minimum is one second, because the
 * service's timers have a one-second resolution.
 */
export function toDuration(duration: Duration): SdkDuration {
  const ms = durationToMilliseconds(duration);
  return { seconds: Math.max(1, Math.ceil(ms / 1000)) };
}

/** Structurally the SDK's `WaitForCallbackConfig` / `CreateCallbackConfig` (not exported by the SDK). */
export interface CallbackConfig<T> {
  timeout?: SdkDuration;
  heartbeatTimeout?: SdkDuration;
  serdes: { deserialize(data: string | undefined, context: unknown): Promise<T | undefined> };
}

const jsonDeserializer = {
  async deserialize(data: string | undefined): Promise<any> {
    if (data === undefined || data === "") return undefined;
    try {
      return JSON.parse(data);
    } catch {
      return data;
    }
  },
};

/** Config for `waitForCallback` / `createCallback`: durations converted, payload JSON-parsed. */
export function callbackConfig<T = any>(options: CallbackOptions): CallbackConfig<T> {
  return {
    ...(options.timeout !== undefined ? { timeout: toDuration(options.timeout) } : {}),
    ...(options.heartbeatTimeout !== undefined ? { heartbeatTimeout: toDuration(options.heartbeatTimeout) } : {}),
    serdes: jsonDeserializer,
  };
}

/** Adapts a `waitFor` check `(state) => T | Promise<T>` to the SDK's check signature. */
export function checkFunction<T>(check: (state: T) => Promise<T> | T): (state: T) => Promise<T> {
  return async (state: T) => check(state);
}

/** Config for `waitForCondition`: the initial state and an exponential-backoff wait strategy. */
export function waitForConfig<T>(options: WaitForOptions<T>): WaitForConditionConfig<T> {
  const backoff = options.backoff ?? {};
  return {
    initialState: options.initialState,
    waitStrategy: createWaitStrategy<T>({
      shouldContinuePolling: (state) => !options.until(state),
      initialDelay: toDuration(backoff.initialDelay ?? "5s"),
      maxDelay: toDuration(backoff.maxDelay ?? "300s"),
      backoffRate: backoff.rate ?? 1.5,
      maxAttempts: backoff.maxAttempts ?? 60,
      jitter: JitterStrategy.FULL,
    }),
  };
}

/** Config for an explicit `step()` from its durablec options. */
export function stepConfig<T>(options?: StepOptions, codec?: TypeDescriptor): StepConfig<T> | undefined {
  if (!options && codec === undefined) return undefined;
  const config: StepConfig<T> = codec !== undefined && codec !== 0 ? { serdes: serdes<T>(codec) } : {};
  if (!options) return config;
  if (options.atMostOnce) {
    config.semantics = StepSemantics.AtMostOncePerRetry;
    config.retryStrategy = () => ({ shouldRetry: false });
  }
  if (options.retry) {
    config.retryStrategy = createRetryStrategy({
      maxAttempts: options.retry.attempts,
      ...(options.retry.initialDelay !== undefined ? { initialDelay: toDuration(options.retry.initialDelay) } : {}),
      ...(options.retry.maxDelay !== undefined ? { maxDelay: toDuration(options.retry.maxDelay) } : {}),
      ...(options.retry.backoffRate !== undefined ? { backoffRate: options.retry.backoffRate } : {}),
    });
  }
  return config;
}

export { idempotencyKey, withIdempotencyKey, withCallIdempotencyKeys, withIdempotencyHeader, idempotentFetch, setIdempotencyKey } from "./idempotency.js";
export { defaultRetryStrategy, isTransientError, backoffSeconds, retryEverything, noRetry, DEFAULT_RETRY, type RetrySettings, type RetryStrategy } from "./retry.js";
export { serdes, encode, decode, type TypeDescriptor } from "./serdes.js";
export {
  DurablecValidationError,
  InvalidEventError,
  CallbackPayloadError,
  validateEvent,
  validatedCallback,
  validatedCreateCallback,
  type Schema,
} from "./validation.js";
export { effectConfig, childConfig, mapSerdes, type EffectOptions } from "./effect-config.js";
