import { StepSemantics, type Serdes, type StepConfig } from "@aws/durable-execution-sdk-js";
import { defaultRetryStrategy, noRetry, type RetrySettings } from "./retry.js";
import { decode, encode, serdes, type TypeDescriptor } from "./serdes.js";

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

interface SerializedError {
  ErrorType?: string;
  ErrorMessage?: string;
  Cause?: SerializedError;
}

/** As the SDK's batch serdes stores an item's error (its ErrorObject, with the cause chain). */
function serializeError(error: unknown): SerializedError | undefined {
  if (!(error instanceof Error)) return undefined;
  const withObject = error as Error & { toErrorObject?: () => SerializedError };
  const out: SerializedError = typeof withObject.toErrorObject === "function" ? withObject.toErrorObject() : { ErrorType: error.name, ErrorMessage: error.message };
  if (error.cause instanceof Error) out.Cause = serializeError(error.cause);
  return out;
}

interface BatchLike {
  all: { result?: unknown; error?: unknown }[];
  completionReason?: unknown;
}

/**
 * The serdes of a loop compiled to `context.map`, whose items return what their reductions logged
 * (`{ dates: [Date] }`): `itemSerdes` for each item's checkpoint, and `serdes` for the batch
 * result, which the SDK otherwise stores as plain JSON (on the first run too). The batch is stored
 * as the SDK stores it (errors as ErrorObjects, rebuilt by the SDK), with item results encoded.
 * Typed by the item function, which the SDK infers first.
 *
 * @example
 * ctx.map("f/items", items, fn, { maxConcurrency: 1, ...mapSerdes(["object", { dates: ["array", "Date"] }]) })
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function mapSerdes(descriptor: TypeDescriptor): { itemSerdes: Serdes<any>; serdes: Serdes<any> } {
  return {
    itemSerdes: serdes(descriptor),
    serdes: {
      async serialize(value) {
        const batch = value as BatchLike | undefined;
        if (!batch) return undefined;
        return JSON.stringify({
          all: batch.all.map((item) => ({
            ...item,
            result: item.result === undefined ? undefined : encode(descriptor, item.result),
            error: serializeError(item.error),
          })),
          completionReason: batch.completionReason,
        });
      },
      async deserialize(data) {
        if (!data) return undefined;
        const batch = JSON.parse(data) as BatchLike;
        // The SDK turns this back into a BatchResult (methods, errors) after the serdes.
        return { ...batch, all: batch.all.map((item) => ({ ...item, result: item.result === undefined ? undefined : decode(descriptor, item.result) })) };
      },
    },
  };
}
