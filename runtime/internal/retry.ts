/**
 * The retry strategy compiled effect steps get unless they say otherwise: transient failures
 * (network errors, timeouts, throttling, 5xx, errors marked retryable) are retried with
 * exponential backoff and full jitter; permanent ones (validation, auth, other 4xx, `TypeError`,
 * `SyntaxError`) fail the step at once, because trying again cannot change their outcome.
 */
import type { RetryDecision } from "@aws/durable-execution-sdk-js";

/** Project-wide retry settings (`durable.config.json` → `retry`). Delays in seconds. */
export interface RetrySettings {
  /** Attempts including the first; 1 means no retry. */
  attempts?: number;
  initialDelaySeconds?: number;
  maxDelaySeconds?: number;
  backoffRate?: number;
}

export const DEFAULT_RETRY: Required<RetrySettings> = { attempts: 6, initialDelaySeconds: 2, maxDelaySeconds: 60, backoffRate: 2 };

const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENETUNREACH",
  "ENETDOWN",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);
const TRANSIENT_NAMES = /^(TimeoutError|ThrottlingException|Throttling|ThrottledException|TooManyRequestsException|RequestLimitExceeded|ProvisionedThroughputExceededException|SlowDown|ServiceUnavailable(Exception)?|InternalServerError|InternalFailure|RequestTimeout(Exception)?|NetworkingError)$/;
const PERMANENT_NAMES = /^(TypeError|SyntaxError|RangeError|ReferenceError|ValidationError|ValidationException|ZodError|AccessDenied(Exception)?|UnauthorizedException|Unauthorized|Forbidden|NotFound|ResourceNotFoundException|ConditionalCheckFailedException|InvalidParameterException|StepInterruptedError|DurablecValidationError|CallbackPayloadError|InvalidEventError)$/;

type ErrorLike = {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  status?: unknown;
  statusCode?: unknown;
  retryable?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  response?: { status?: unknown; statusCode?: unknown };
  cause?: unknown;
};

function statusOf(e: ErrorLike): number | undefined {
  for (const s of [e.status, e.statusCode, e.$metadata?.httpStatusCode, e.response?.status, e.response?.statusCode]) {
    if (typeof s === "number" && s >= 100 && s < 600) return s;
  }
  return undefined;
}

/**
 * True when trying the failed operation again may succeed. Decided from, in order: an explicit
 * `retryable` flag, the HTTP status (`status`, `statusCode`, `$metadata.httpStatusCode`), a
 * network error code (also on `cause`, as undici's `TypeError: fetch failed` carries it), the
 * error's name. `TypeError` is permanent except fetch's network failure; an error nothing is
 * known about is retried, as the SDK does.
 */
export function isTransientError(error: unknown): boolean {
  if (error === null || typeof error !== "object") return true;
  const e = error as ErrorLike;
  if (e.retryable === true || (e.$retryable !== undefined && e.$retryable !== false)) return true;
  if (e.retryable === false) return false;
  const status = statusOf(e);
  if (status !== undefined) return status === 408 || status === 425 || status === 429 || status >= 500;
  const cause = e.cause && typeof e.cause === "object" ? (e.cause as ErrorLike) : undefined;
  for (const code of [e.code, cause?.code]) if (typeof code === "string" && TRANSIENT_CODES.has(code)) return true;
  const name = typeof e.name === "string" ? e.name : "";
  if (name === "TypeError" && e.message === "fetch failed") return true;
  if (name === "AbortError" && cause?.name === "TimeoutError") return true;
  if (TRANSIENT_NAMES.test(name)) return true;
  if (PERMANENT_NAMES.test(name)) return false;
  return true;
}

/** Delay before attempt `attempt + 1`: exponential backoff, capped, with full jitter; at least 1 s. */
export function backoffSeconds(attempt: number, settings: RetrySettings = {}, random: () => number = Math.random): number {
  const s = { ...DEFAULT_RETRY, ...settings };
  const ceiling = Math.min(s.maxDelaySeconds, s.initialDelaySeconds * s.backoffRate ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(ceiling * random()));
}

export type RetryStrategy = (error: Error, attemptsMade: number) => RetryDecision;

/**
 * The default strategy of compiled effect steps.
 *
 * @example
 * ctx.step("checkout/charge", async () => charge(order), { retryStrategy: defaultRetryStrategy({ attempts: 3 }) });
 */
export function defaultRetryStrategy(settings: RetrySettings = {}): RetryStrategy {
  const attempts = settings.attempts ?? DEFAULT_RETRY.attempts;
  return (error, attemptsMade) => {
    if (attemptsMade >= attempts || !isTransientError(error)) return { shouldRetry: false };
    return { shouldRetry: true, delay: { seconds: backoffSeconds(attemptsMade, settings) } };
  };
}

/** `@retry <attempts>`: retry every failure, up to `attempts` attempts in all. */
export function retryEverything(settings: RetrySettings): RetryStrategy {
  const attempts = settings.attempts ?? DEFAULT_RETRY.attempts;
  return (_error, attemptsMade) =>
    attemptsMade >= attempts ? { shouldRetry: false } : { shouldRetry: true, delay: { seconds: backoffSeconds(attemptsMade, settings) } };
}

export const noRetry: RetryStrategy = () => ({ shouldRetry: false });
