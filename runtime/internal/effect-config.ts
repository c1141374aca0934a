import { StepSemantics, type Serdes, type StepConfig } from "@aws/durable-execution-sdk-js";
import { defaultRetryStrategy, noRetry, type RetrySettings } from "./retry.js";
import { serdes, type TypeDescriptor } from "./serdes.js";

/** What the compiler knows about one effect step, from annotations, configuration and types. */
export interface EffectOptions {
  /** `@atMostOnce`: never started twice; an interrupted attempt fails the step. */
  atMostOnce?: boolean;
  /** `@noRetry` (false), `@retry <attempts> [<delay>]`, or the project-wide settings. */
  retry?: RetrySettings | false;
  /** The result's type, when it needs a codec. */
  serdes?: TypeDescriptor;
}

/**
 * The StepConfig of a compiled effect: the default retry strategy (transient failures only, with
 * backoff and jitter) unless annotated otherwise, at-most-once semantics for `@atMostOnce`, and a
 * type-directed serdes.
 *
 * @example
 * ctx.step("checkout/charge", async () => charge(order), effectConfig({ atMostOnce: true }))
 */
export function effectConfig<T = unknown>(options: EffectOptions = {}): StepConfig<T> {
  const config: StepConfig<T> = {};
  if (options.atMostOnce) {
    config.semantics = StepSemantics.AtMostOncePerRetry;
    config.retryStrategy = noRetry;
  } else config.retryStrategy = options.retry === false ? noRetry : defaultRetryStrategy(options.retry ?? {});
  if (options.serdes !== undefined && options.serdes !== 0) config.serdes = serdes<T>(options.serdes);
  return config;
}

/**
 * The config of a child context (a durable function called from durable code) whose result needs
 * a codec.
 *
 * @example
 * ctx.runInChildContext("earliest/firstSeen", (ctx) => firstSeen(ctx, ids), childConfig("Date"))
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- typed by the child's function, which the SDK infers first
export function childConfig(descriptor: TypeDescriptor): { serdes: Serdes<any> } {
  return { serdes: serdes(descriptor) };
}
