/**
 * Handwritten `withDurableExecution` handlers that exercise the durable execution protocol, as a
 * table other suites reuse: the conformance suite runs each on durablec and on the official
 * LocalDurableTestRunner, the crash suite runs each with a crash after every checkpoint, the store
 * suite runs a subset on a database file.
 *
 * Step bodies count their side effects in {@link effects} (reset with {@link resetState}), so a
 * suite can check how often each body ran.
 */
import {
  completeBatch,
  CompletionOutcome,
  continueBatch,
  createRetryStrategy,
  NestingType,
  withRetry,
  createWaitStrategy,
  defaultSerdes,
  JitterStrategy,
  retryPresets,
  StepSemantics,
  withDurableExecution,
  type DurableLambdaHandler,
  type DurableLogger,
  type ErrorObject,
} from "@aws/durable-execution-sdk-js";

// ---- side effects ------------------------------------------------------------------------------

/** How many times each step body ran, by key, since the last {@link resetState}. */
export const effects: Record<string, number> = {};
/** Messages the handlers logged through `ctx.logger` (mode-aware: not repeated on replay). */
export const logs: string[] = [];
/** Invocations of the non-deterministic handler (it renames its step after the first). */
let ndeInvocations = 0;

export function resetState(): void {
  for (const k of Object.keys(effects)) delete effects[k];
  logs.length = 0;
  ndeInvocations = 0;
}

function effect(key: string): void {
  effects[key] = (effects[key] ?? 0) + 1;
}

const captureLogger: DurableLogger = {
  info: (...p: unknown[]) => void logs.push(p.map(String).join(" ")),
  warn: (...p: unknown[]) => void logs.push(p.map(String).join(" ")),
  error: (...p: unknown[]) => void logs.push(p.map(String).join(" ")),
  debug: () => {},
};

/** A string of exactly `bytes` ASCII bytes. */
export function blob(bytes: number, ch = "x"): string {
  return ch.repeat(bytes);
}

function errorInfo(e: unknown): { name: string; message: string; cause?: string } {
  const err = e as Error & { cause?: Error };
  return { name: err.name, message: err.message, ...(err.cause?.name ? { cause: err.cause.name } : {}) };
}

// ---- the table ---------------------------------------------------------------------------------

/** How a test answers one callback, in order. `op` is the name of the CALLBACK or waitForCallback op. */
export type CallbackScript =
  | { op: string; success: string }
  | { op: string; failure: ErrorObject }
  /** Sends a heartbeat, then the given success. */
  | { op: string; heartbeatThen: string }
  /** Does not answer: the callback times out. */
  | { op: string; timeout: true };

export interface ExpectedOutcome {
  status: "SUCCEEDED" | "FAILED";
  result?: unknown;
  errorType?: string;
  errorMessage?: string | RegExp;
}

export interface ConformanceCase {
  name: string;
  handler: DurableLambdaHandler;
  input?: unknown;
  callbacks?: CallbackScript[];
  /** Targets for ctx.invoke: durable handlers and plain functions, by function name. */
  setup?: {
    durable?: Record<string, DurableLambdaHandler>;
    functions?: Record<string, (input: any) => unknown>;
  };
  /** What durablec must produce. */
  expect: ExpectedOutcome;
  /**
   * Step bodies counted in {@link effects}: `max` is how often the body runs in a crash-free run.
   * At-most-once bodies must never exceed it; at-least-once bodies may run once more per crash.
   */
  effects?: Record<string, { semantics: "at-most-once" | "at-least-once"; max: number }>;
  /**
   * Other outcomes a run crashed after some checkpoint may legitimately end with. Only
   * at-most-once steps have one: a crash between the step's START and its end means the body may
   * or may not have run, so the SDK fails the step (StepInterruptedError) instead of re-running it.
   */
  crashOutcomes?: ExpectedOutcome[];
  /**
   * How the official runner is used as an oracle. Absent: status, result/error and operations are
   * all compared. `skip` names why the case cannot run there at all.
   */
  oracle?: { skip: string } | { compare: ("status" | "result" | "operations")[]; why: string };
  /** Included in the database-file suite. */
  fileDb?: boolean;
}

const noRetry = { retryStrategy: retryPresets.noRetry };

/** A durable function other handlers invoke. */
export const doubler: DurableLambdaHandler = withDurableExecution(async (event: { n: number }, ctx) => {
  const n = await ctx.step("double", async () => event.n * 2);
  await ctx.wait("child-wait", { seconds: 5 });
  return { doubled: n };
});

export const cases: ConformanceCase[] = [
  {
    name: "steps-with-results",
    input: { n: 20 },
    handler: withDurableExecution(async (event: { n: number }, ctx) => {
      const a = await ctx.step("a", async () => {
        effect("a");
        return event.n + 1;
      });
      const b = await ctx.step("b", async () => {
        effect("b");
        return { value: a * 2, list: [a, "x", null, true] };
      });
      return { a, b };
    }),
    expect: { status: "SUCCEEDED", result: { a: 21, b: { value: 42, list: [21, "x", null, true] } } },
    effects: { a: { semantics: "at-least-once", max: 1 }, b: { semantics: "at-least-once", max: 1 } },
    fileDb: true,
  },
  {
    name: "undefined-results",
    handler: withDurableExecution(async (_event, ctx) => {
      const u = await ctx.step("nothing", async () => undefined);
      await ctx.step(async () => null);
      if (u !== undefined) throw new Error("a step's undefined must replay as undefined");
      return undefined;
    }),
    expect: { status: "SUCCEEDED", result: undefined },
  },
  {
    name: "step-error-caught",
    handler: withDurableExecution(async (_event, ctx) => {
      try {
        await ctx.step(
          "boom",
          async () => {
            effect("boom");
            throw new TypeError("bad thing");
          },
          noRetry,
        );
        return "unreachable";
      } catch (e) {
        const after = await ctx.step("after", async () => "recovered");
        return { ...errorInfo(e), after };
      }
    }),
    expect: { status: "SUCCEEDED", result: { name: "StepError", message: "bad thing", cause: "TypeError", after: "recovered" } },
    effects: { boom: { semantics: "at-least-once", max: 1 } },
    fileDb: true,
  },
  {
    name: "step-error-uncaught",
    handler: withDurableExecution(async (_event, ctx) => {
      await ctx.step("ok", async () => 1);
      await ctx.step(
        "boom",
        async () => {
          throw new Error("unhandled failure");
        },
        noRetry,
      );
      return "unreachable";
    }),
    expect: { status: "FAILED", errorType: "StepError", errorMessage: "unhandled failure" },
  },
  {
    name: "retry-succeeds-on-attempt-3",
    handler: withDurableExecution(async (_event, ctx) => {
      const r = await ctx.step(
        "flaky",
        async (sctx) => {
          effect("flaky");
          if (sctx.attempt < 3) throw new Error(`attempt ${sctx.attempt} failed`);
          return { attempt: sctx.attempt };
        },
        {
          retryStrategy: createRetryStrategy({
            maxAttempts: 5,
            initialDelay: { seconds: 10 },
            backoffRate: 2,
            jitter: JitterStrategy.NONE,
          }),
        },
      );
      return r;
    }),
    expect: { status: "SUCCEEDED", result: { attempt: 3 } },
    effects: { flaky: { semantics: "at-least-once", max: 3 } },
    fileDb: true,
  },
  {
    name: "retry-exhausted",
    handler: withDurableExecution(async (_event, ctx) => {
      try {
        await ctx.step(
          "always-fails",
          async (sctx) => {
            effect("always-fails");
            throw new RangeError(`failure on attempt ${sctx.attempt}`);
          },
          { retryStrategy: createRetryStrategy({ maxAttempts: 3, initialDelay: { seconds: 1 }, maxDelay: { seconds: 4 } }) },
        );
        return "unreachable";
      } catch (e) {
        return errorInfo(e);
      }
    }),
    expect: { status: "SUCCEEDED", result: { name: "StepError", message: "failure on attempt 3", cause: "RangeError" } },
    effects: { "always-fails": { semantics: "at-least-once", max: 3 } },
  },
  {
    name: "at-most-once-no-retry",
    handler: withDurableExecution(async (_event, ctx) => {
      const charged = await ctx.step(
        "charge-card",
        async () => {
          effect("charge-card");
          return "charged";
        },
        { semantics: StepSemantics.AtMostOncePerRetry, retryStrategy: retryPresets.noRetry },
      );
      await ctx.wait("cool-off", { minutes: 1 });
      const receipt = await ctx.step(
        "send-receipt",
        async () => {
          effect("send-receipt");
          return "sent";
        },
        { semantics: StepSemantics.AtMostOncePerRetry, retryStrategy: retryPresets.noRetry },
      );
      return { charged, receipt };
    }),
    expect: { status: "SUCCEEDED", result: { charged: "charged", receipt: "sent" } },
    crashOutcomes: [
      {
        status: "FAILED",
        errorType: "StepError",
        errorMessage: "The step execution process was initiated but failed to reach completion due to an interruption.",
      },
    ],
    effects: {
      "charge-card": { semantics: "at-most-once", max: 1 },
      "send-receipt": { semantics: "at-most-once", max: 1 },
    },
    fileDb: true,
  },
  {
    name: "at-least-once-default",
    handler: withDurableExecution(async (_event, ctx) => {
      const a = await ctx.step("notify", async () => {
        effect("notify");
        return "notified";
      });
      const b = await ctx.step(
        "audit",
        async () => {
          effect("audit");
          return "audited";
        },
        { semantics: StepSemantics.AtLeastOncePerRetry },
      );
      return [a, b];
    }),
    expect: { status: "SUCCEEDED", result: ["notified", "audited"] },
    effects: { notify: { semantics: "at-least-once", max: 1 }, audit: { semantics: "at-least-once", max: 1 } },
  },
  {
    name: "waits",
    handler: withDurableExecution(async (_event, ctx) => {
      const before = await ctx.step("before", async () => "b");
      await ctx.wait("a-day", { days: 1 });
      await ctx.wait({ seconds: 30 });
      await Promise.all([ctx.wait("w1", { hours: 1 }), ctx.wait("w2", { minutes: 5 })]);
      const after = await ctx.step("after", async () => "a");
      return before + after;
    }),
    expect: { status: "SUCCEEDED", result: "ba" },
    fileDb: true,
  },
  {
    name: "map-max-concurrency",
    input: { items: [1, 2, 3, 4, 5] },
    handler: withDurableExecution(async (event: { items: number[] }, ctx) => {
      const res = await ctx.map(
        "squares",
        event.items,
        async (c, item, i) => {
          const sq = await c.step("square", async () => {
            effect(`square-${i}`);
            return item * item;
          });
          return sq;
        },
        { maxConcurrency: 2, itemNamer: (item) => `item-${item}` },
      );
      return { results: res.getResults(), status: res.status, reason: res.completionReason, total: res.totalCount };
    }),
    expect: { status: "SUCCEEDED", result: { results: [1, 4, 9, 16, 25], status: "SUCCEEDED", reason: "ALL_COMPLETED", total: 5 } },
    effects: Object.fromEntries([0, 1, 2, 3, 4].map((i) => [`square-${i}`, { semantics: "at-least-once" as const, max: 1 }])),
    fileDb: true,
  },
  {
    name: "map-tolerated-failures",
    input: { items: ["a", "bad", "c", "d"] },
    handler: withDurableExecution(async (event: { items: string[] }, ctx) => {
      const res = await ctx.map(
        event.items,
        async (c, item) =>
          c.step(
            async () => {
              if (item === "bad") throw new Error(`cannot process ${item}`);
              return item.toUpperCase();
            },
            noRetry,
          ),
        { completionConfig: { toleratedFailureCount: 1 } },
      );
      let thrown: string | undefined;
      try {
        res.throwIfError();
      } catch (e) {
        thrown = (e as Error).name;
      }
      return {
        results: res.getResults(),
        status: res.status,
        reason: res.completionReason,
        ok: res.successCount,
        failed: res.failureCount,
        errors: res.getErrors().map((e) => e.message),
        thrown,
      };
    }),
    expect: {
      status: "SUCCEEDED",
      result: {
        results: ["A", "C", "D"],
        status: "FAILED",
        reason: "ALL_COMPLETED",
        ok: 3,
        failed: 1,
        errors: ["cannot process bad"],
        thrown: "ChildContextError",
      },
    },
  },
  {
    name: "map-min-successful",
    input: { items: [10, 20, 30, 40, 50] },
    handler: withDurableExecution(async (event: { items: number[] }, ctx) => {
      const res = await ctx.map("first-two", event.items, async (c, item) => c.step("half", async () => item / 2), {
        maxConcurrency: 1,
        completionConfig: { minSuccessful: 2 },
      });
      return { results: res.getResults(), reason: res.completionReason, total: res.totalCount, status: res.status };
    }),
    expect: { status: "SUCCEEDED", result: { results: [5, 10], reason: "MIN_SUCCESSFUL_REACHED", total: 2, status: "SUCCEEDED" } },
  },
  {
    name: "map-fail-fast",
    input: { items: [1, -1, 2, 3] },
    handler: withDurableExecution(async (event: { items: number[] }, ctx) => {
      const res = await ctx.map(
        "validate",
        event.items,
        async (c, item) =>
          c.step(
            "check",
            async () => {
              if (item < 0) throw new Error("negative");
              return item;
            },
            noRetry,
          ),
        { maxConcurrency: 1 },
      );
      return { reason: res.completionReason, total: res.totalCount, ok: res.successCount, failed: res.failureCount, status: res.status };
    }),
    expect: { status: "SUCCEEDED", result: { reason: "FAILURE_TOLERANCE_EXCEEDED", total: 2, ok: 1, failed: 1, status: "FAILED" } },
  },
  {
    name: "map-empty",
    handler: withDurableExecution(async (_event, ctx) => {
      const res = await ctx.map("none", [] as number[], async (c, item) => c.step(async () => item));
      return { total: res.totalCount, reason: res.completionReason, status: res.status };
    }),
    expect: { status: "SUCCEEDED", result: { total: 0, reason: "ALL_COMPLETED", status: "SUCCEEDED" } },
  },
  {
    name: "parallel-named-branches",
    handler: withDurableExecution(async (_event, ctx) => {
      const res = await ctx.parallel(
        "fan-out",
        [
          { name: "fetch-user", func: async (c) => c.step("user", async () => ({ id: 7 })) },
          {
            name: "fetch-orders",
            func: async (c) => {
              await c.wait("rate-limit", { seconds: 2 });
              return c.step("orders", async () => [1, 2]);
            },
          },
          async (c) => c.step("unnamed-branch-step", async () => "third"),
        ],
        { maxConcurrency: 2 },
      );
      return { results: res.getResults(), reason: res.completionReason };
    }),
    expect: { status: "SUCCEEDED", result: { results: [{ id: 7 }, [1, 2], "third"], reason: "ALL_COMPLETED" } },
    fileDb: true,
  },
  {
    name: "parallel-failure-thrown",
    handler: withDurableExecution(async (_event, ctx) => {
      const res = await ctx.parallel(
        [
          async (c) => c.step("fine", async () => 1),
          async (c) =>
            c.step(
              "broken",
              async () => {
                throw new Error("branch broke");
              },
              noRetry,
            ),
        ],
        { completionConfig: { toleratedFailureCount: 0 } },
      );
      res.throwIfError();
      return "unreachable";
    }),
    expect: { status: "FAILED", errorType: "ChildContextError", errorMessage: "branch broke" },
  },
  {
    name: "nested-child-contexts",
    handler: withDurableExecution(async (_event, ctx) => {
      const outer = await ctx.runInChildContext("outer", async (c1) => {
        const x = await c1.step("x", async () => 2);
        const inner = await c1.runInChildContext("inner", async (c2) => {
          await c2.wait("inner-wait", { hours: 2 });
          const y = await c2.step("y", async () => 3);
          return c2.runInChildContext(async (c3) => c3.step("z", async () => x * y));
        });
        return { x, inner };
      });
      const again = await ctx.step("after-children", async () => outer.inner + 1);
      return { outer, again };
    }),
    expect: { status: "SUCCEEDED", result: { outer: { x: 2, inner: 6 }, again: 7 } },
    fileDb: true,
  },
  {
    name: "child-context-error",
    handler: withDurableExecution(async (_event, ctx) => {
      try {
        await ctx.runInChildContext("fragile", async (c) => {
          await c.step("inside", async () => 1);
          throw new Error("child gave up");
        });
        return "unreachable";
      } catch (e) {
        return errorInfo(e);
      }
    }),
    expect: { status: "SUCCEEDED", result: { name: "ChildContextError", message: "child gave up", cause: "StepError" } },
  },
  {
    name: "child-result-over-256k-replays-children",
    handler: withDurableExecution(async (_event, ctx) => {
      const big = await ctx.runInChildContext("big-child", async (c) => {
        const a = await c.step("half-a", async () => {
          effect("half-a");
          return blob(150 * 1024, "a");
        });
        const b = await c.step("half-b", async () => {
          effect("half-b");
          return blob(150 * 1024, "b");
        });
        return a + b;
      });
      await ctx.wait("force-replay", { seconds: 1 });
      return { length: big.length, head: big.slice(0, 3), tail: big.slice(-3) };
    }),
    expect: { status: "SUCCEEDED", result: { length: 300 * 1024, head: "aaa", tail: "bbb" } },
    effects: { "half-a": { semantics: "at-least-once", max: 1 }, "half-b": { semantics: "at-least-once", max: 1 } },
    fileDb: true,
  },
  {
    name: "wait-for-callback-success",
    handler: withDurableExecution(async (_event, ctx) => {
      const answer = await ctx.waitForCallback(
        "approval",
        async (callbackId) => {
          effect("submit-approval");
          if (!callbackId) throw new Error("no callback id");
        },
        { timeout: { minutes: 10 }, serdes: defaultSerdes },
      );
      return { answer };
    }),
    callbacks: [{ op: "approval", success: JSON.stringify({ approved: true }) }],
    expect: { status: "SUCCEEDED", result: { answer: { approved: true } } },
    fileDb: true,
  },
  {
    name: "wait-for-callback-failure",
    handler: withDurableExecution(async (_event, ctx) => {
      try {
        await ctx.waitForCallback("approval", async () => {}, { timeout: { minutes: 10 } });
        return "unreachable";
      } catch (e) {
        return errorInfo(e);
      }
    }),
    callbacks: [{ op: "approval", failure: { ErrorType: "Rejected", ErrorMessage: "denied by reviewer" } }],
    expect: { status: "SUCCEEDED", result: { name: "CallbackExternalError", message: "denied by reviewer", cause: "CallbackExternalError" } },
  },
  {
    name: "wait-for-callback-timeout",
    handler: withDurableExecution(async (_event, ctx) => {
      try {
        // The oracle's callback timeouts run in real time: keep this at one second.
        await ctx.waitForCallback("approval", async () => {}, { timeout: { seconds: 1 } });
        return "unreachable";
      } catch (e) {
        return errorInfo(e);
      }
    }),
    callbacks: [{ op: "approval", timeout: true }],
    expect: { status: "SUCCEEDED", result: { name: "CallbackTimeoutError", message: "Callback timed out", cause: "CallbackTimeoutError" } },
  },
  {
    name: "create-callback",
    handler: withDurableExecution(async (_event, ctx) => {
      const [promise, callbackId] = await ctx.createCallback("payment", { timeout: { hours: 1 } });
      await ctx.step("publish-id", async () => {
        effect("publish-id");
        return callbackId.length > 0;
      });
      const raw = await promise;
      return { raw };
    }),
    callbacks: [{ op: "payment", success: '{"paid":12.5}' }],
    expect: { status: "SUCCEEDED", result: { raw: '{"paid":12.5}' } },
  },
  {
    name: "callback-heartbeat-timeout",
    handler: withDurableExecution(async (_event, ctx) => {
      const [promise] = await ctx.createCallback("long-job", { timeout: { seconds: 2 }, heartbeatTimeout: { seconds: 1 } });
      try {
        await promise;
        return "unreachable";
      } catch (e) {
        return errorInfo(e);
      }
    }),
    callbacks: [{ op: "long-job", timeout: true }],
    expect: { status: "SUCCEEDED", result: { name: "CallbackTimeoutError", message: "Callback timed out on heartbeat", cause: "Error" } },
  },
  {
    name: "callback-heartbeat-then-success",
    handler: withDurableExecution(async (_event, ctx) => {
      const [promise] = await ctx.createCallback("long-job", { timeout: { minutes: 5 }, heartbeatTimeout: { minutes: 1 } });
      return { done: await promise };
    }),
    callbacks: [{ op: "long-job", heartbeatThen: "finished" }],
    expect: { status: "SUCCEEDED", result: { done: "finished" } },
  },
  {
    name: "wait-for-condition",
    handler: withDurableExecution(async (_event, ctx) => {
      const final = await ctx.waitForCondition(
        "poll-job",
        async (state: { polls: number }) => {
          effect("poll");
          return { polls: state.polls + 1 };
        },
        {
          initialState: { polls: 0 },
          waitStrategy: createWaitStrategy({
            shouldContinuePolling: (s: { polls: number }) => s.polls < 3,
            initialDelay: { seconds: 30 },
            jitter: JitterStrategy.NONE,
          }),
        },
      );
      return final;
    }),
    expect: { status: "SUCCEEDED", result: { polls: 3 } },
    effects: { poll: { semantics: "at-least-once", max: 3 } },
    fileDb: true,
  },
  {
    name: "invoke-durable-function",
    input: { n: 21 },
    handler: withDurableExecution(async (event: { n: number }, ctx) => {
      const r = await ctx.invoke<{ n: number }, { doubled: number }>("call-doubler", "doubler", { n: event.n });
      return { fromChild: r };
    }),
    setup: { durable: { doubler } },
    expect: { status: "SUCCEEDED", result: { fromChild: { doubled: 42 } } },
    fileDb: true,
  },
  {
    name: "invoke-plain-function",
    handler: withDurableExecution(async (_event, ctx) => {
      const greeting = await ctx.invoke<{ who: string }, string>("greet", "greeter", { who: "world" });
      let failure: unknown;
      try {
        await ctx.invoke("explode", "exploder", {});
      } catch (e) {
        failure = errorInfo(e).name;
      }
      return { greeting, failure };
    }),
    setup: {
      functions: {
        greeter: (input: { who: string }) => `hello ${input.who}`,
        exploder: () => {
          throw new Error("kaboom");
        },
      },
    },
    expect: { status: "SUCCEEDED", result: { greeting: "hello world", failure: "InvokeError" } },
  },
  {
    name: "invoke-unregistered-function",
    handler: withDurableExecution(async (_event, ctx) => {
      await ctx.invoke("missing", "no-such-function", {});
      return "unreachable";
    }),
    expect: { status: "FAILED", errorType: "InvokeError", errorMessage: /no-such-function/ },
    oracle: { skip: "the official runner rejects run() for an unregistered invoke target instead of failing the invoke" },
  },
  {
    name: "non-determinism-on-replay",
    handler: withDurableExecution(async (_event, ctx) => {
      // The step is renamed after the first invocation: replay must notice.
      const name = ndeInvocations++ === 0 ? "first" : "renamed";
      await ctx.step(name, async () => 1);
      // A callback, not a wait, suspends: under skipTime the oracle may run a short wait in-process
      // without a replay, and then never sees the rename.
      const [resumed] = await ctx.createCallback("resume", { timeout: { minutes: 5 } });
      await resumed;
      return "unreachable";
    }),
    callbacks: [{ op: "resume", success: "go" }],
    expect: { status: "FAILED", errorType: "NonDeterministicExecutionError", errorMessage: /name mismatch/ },
  },
  {
    name: "step-result-just-under-256k",
    handler: withDurableExecution(async (_event, ctx) => {
      // JSON adds two quotes: 256 KiB - 10 bytes on the wire.
      const s = await ctx.step("big-step", async () => blob(256 * 1024 - 12));
      await ctx.wait("force-replay", { seconds: 1 });
      return s.length;
    }),
    expect: { status: "SUCCEEDED", result: 256 * 1024 - 12 },
    fileDb: true,
  },
  {
    name: "execution-result-over-6mb-is-checkpointed",
    handler: withDurableExecution(async (_event, ctx) => {
      await ctx.step("tiny", async () => 1);
      // Over the SDK's 6 MiB - 50 response limit, under the service's 6 MiB result limit.
      return { data: blob(6 * 1024 * 1024 - 40) };
    }),
    expect: { status: "SUCCEEDED" },
  },
  {
    name: "execution-result-over-6mib-fails-execution",
    handler: withDurableExecution(async (_event, ctx) => {
      await ctx.step("tiny", async () => 1);
      return { data: blob(6 * 1024 * 1024 + 100) };
    }),
    expect: {
      status: "FAILED",
      errorType: "CheckpointUnrecoverableExecutionError",
      errorMessage: /The execution result is 6291567 bytes; the limit is 6291456\./,
    },
    oracle: { skip: "the official runner does not enforce the 6 MB execution result limit" },
  },
  {
    name: "step-payload-over-256k-fails-execution",
    handler: withDurableExecution(async (_event, ctx) => {
      await ctx.step("too-big", async () => blob(300 * 1024));
      return "unreachable";
    }),
    expect: { status: "FAILED", errorMessage: /too-big.*307202 bytes; the limit is 262144/ },
    oracle: { skip: "the official runner does not enforce the 256 KB operation payload limit (it accepts the step)" },
  },
  {
    name: "logger",
    handler: withDurableExecution(async (_event, ctx) => {
      ctx.configureLogger({ customLogger: captureLogger });
      ctx.logger.info("starting");
      await ctx.step("work", async (sctx) => {
        sctx.logger.info("inside step");
        return 1;
      });
      await ctx.wait("pause", { seconds: 10 });
      ctx.logger.info("after wait");
      return "logged";
    }),
    expect: { status: "SUCCEEDED", result: "logged" },
  },
  {
    name: "promise-combinators",
    handler: withDurableExecution(async (_event, ctx) => {
      const a = ctx.step("pa", async () => 1);
      const b = ctx.step("pb", async () => 2);
      const all = await ctx.promise.all("both", [a, b]);
      return all;
    }),
    expect: { status: "SUCCEEDED", result: [1, 2] },
  },
  {
    name: "parallel-min-successful-leaves-branch-open",
    handler: withDurableExecution(async (_event, ctx) => {
      const res = await ctx.parallel(
        "first-wins",
        [
          async (c) => c.step("fast", async () => "fast"),
          async (c) => {
            // Never answered: the batch completes without it, and the execution ends with the
            // callback still open (the service cancels nothing; it just cannot be answered).
            const [p] = await c.createCallback("never-answered", { timeout: { hours: 1 } });
            return p;
          },
        ],
        { completionConfig: { minSuccessful: 1 } },
      );
      return { results: res.getResults(), reason: res.completionReason, started: res.startedCount };
    }),
    expect: { status: "SUCCEEDED", result: { results: ["fast"], reason: "MIN_SUCCESSFUL_REACHED", started: 1 } },
  },
  {
    name: "map-flat-nesting-with-retrying-items",
    input: { items: [1, 2, 3] },
    handler: withDurableExecution(async (event: { items: number[] }, ctx) => {
      const res = await ctx.map(
        "flat",
        event.items,
        async (c, item) =>
          c.step(
            "retrying-item",
            async (sctx) => {
              if (item === 2 && sctx.attempt === 1) throw new Error("transient");
              return item * 10;
            },
            { retryStrategy: createRetryStrategy({ maxAttempts: 2, initialDelay: { seconds: 2 }, jitter: JitterStrategy.NONE }) },
          ),
        { nesting: NestingType.FLAT },
      );
      return res.getResults();
    }),
    expect: { status: "SUCCEEDED", result: [10, 20, 30] },
  },
  {
    name: "custom-completion-failed",
    input: { items: [1, 2, 3, 4] },
    handler: withDurableExecution(async (event: { items: number[] }, ctx) => {
      const res = await ctx.map("custom", event.items, async (c, item) => c.step(async () => item), {
        maxConcurrency: 1,
        completionConfig: {
          shouldComplete: (st) => (st.successCount >= 2 ? completeBatch(CompletionOutcome.FAILED) : continueBatch()),
        },
      });
      try {
        res.throwIfError();
        return "unreachable";
      } catch (e) {
        return { reason: res.completionReason, status: res.status, thrown: (e as Error).name };
      }
    }),
    expect: { status: "SUCCEEDED", result: { reason: "CUSTOM_COMPLETION_FAILED", status: "FAILED", thrown: "BatchCompletionError" } },
  },
  {
    name: "wait-for-condition-exceeds-attempts",
    handler: withDurableExecution(async (_event, ctx) => {
      return ctx.waitForCondition(async (n: number) => n + 1, {
        initialState: 0,
        waitStrategy: createWaitStrategy({ shouldContinuePolling: () => true, maxAttempts: 3, initialDelay: { seconds: 5 }, jitter: JitterStrategy.NONE }),
      });
    }),
    expect: { status: "FAILED", errorMessage: /exceeded maximum attempts \(3\)/ },
    oracle: {
      skip:
        "the oracle races itself here: within a full suite its fake timers let the SDK re-attempt in-process before the runner marks the step READY, and run() rejects with 'Invalid current STEP state to close' (it agrees with durablec when run alone)",
    },
  },
  {
    name: "with-retry-block",
    handler: withDurableExecution(async (_event, ctx) => {
      return withRetry(
        ctx,
        "block",
        async (c, attempt) => {
          const v = await c.step("inner", async () => attempt);
          if (v < 2) throw new Error(`block attempt ${v} failed`);
          return `ok on ${v}`;
        },
        { retryStrategy: createRetryStrategy({ maxAttempts: 3, initialDelay: { seconds: 3 }, jitter: JitterStrategy.NONE }) },
      );
    }),
    expect: { status: "SUCCEEDED", result: "ok on 2" },
  },
  {
    name: "promise-race-and-any",
    handler: withDurableExecution(async (_event, ctx) => {
      const slow = ctx.wait("slow", { hours: 1 });
      const quick = ctx.step("quick", async () => "quick");
      const winner = await ctx.promise.race<string | void>("race", [quick, slow]);
      const any = await ctx.promise.any("any", [
        ctx.step("fails", async () => {
          throw new Error("nope");
        }, noRetry),
        ctx.step("works", async () => "works"),
      ]);
      return { winner, any };
    }),
    expect: { status: "SUCCEEDED", result: { winner: "quick", any: "works" } },
    oracle: {
      compare: ["status", "result"],
      why: "the losing 1-hour wait is still STARTED when the execution ends; the oracle's skipTime ends it at once (SUCCEEDED)",
    },
  },
  {
    name: "error-with-data",
    handler: withDurableExecution(async (_event, ctx) => {
      class PaymentDeclined extends Error {
        override name = "PaymentDeclined";
      }
      await ctx.step(
        "pay",
        async () => {
          throw new PaymentDeclined("card declined: insufficient funds");
        },
        noRetry,
      );
    }),
    expect: { status: "FAILED", errorType: "StepError", errorMessage: "card declined: insufficient funds" },
  },
  {
    name: "large-input-echoed",
    input: { text: blob(900 * 1024) },
    handler: withDurableExecution(async (event: { text: string }, ctx) => {
      const n = await ctx.step("measure", async () => event.text.length);
      return { n, same: event.text.length === n };
    }),
    expect: { status: "SUCCEEDED", result: { n: 900 * 1024, same: true } },
  },
  {
    name: "at-most-once-interrupted-retries",
    handler: withDurableExecution(async (_event, ctx) => {
      // At-most-once with retries: an interruption is retried as a new attempt, never re-run.
      return ctx.step(
        "reserve",
        async (sctx) => {
          effect("reserve");
          effect(`reserve-attempt-${sctx.attempt}`);
          return "reserved";
        },
        {
          semantics: StepSemantics.AtMostOncePerRetry,
          retryStrategy: createRetryStrategy({ maxAttempts: 3, initialDelay: { seconds: 1 }, jitter: JitterStrategy.NONE }),
        },
      );
    }),
    // A crash between START and the end makes the next invocation retry it as attempt 2 (the
    // body may or may not have run in attempt 1; it is never run twice in one attempt).
    expect: { status: "SUCCEEDED", result: "reserved" },
    effects: {
      reserve: { semantics: "at-most-once", max: 1 },
      "reserve-attempt-1": { semantics: "at-most-once", max: 1 },
    },
  },
  {
    name: "map-result-over-256k-replays-children",
    input: { items: [1, 2, 3] },
    handler: withDurableExecution(async (event: { items: number[] }, ctx) => {
      const res = await ctx.map("big-map", event.items, async (c, item) =>
        c.step("chunk", async () => {
          effect(`chunk-${item}`);
          return blob(100 * 1024, String(item));
        }),
      );
      await ctx.wait("force-replay", { seconds: 1 });
      return res.getResults().map((r) => [r.length, r[0]]);
    }),
    expect: { status: "SUCCEEDED", result: [[102400, "1"], [102400, "2"], [102400, "3"]] },
    effects: Object.fromEntries([1, 2, 3].map((i) => [`chunk-${i}`, { semantics: "at-least-once" as const, max: 1 }])),
  },
  {
    name: "nested-concurrency-with-waits",
    handler: withDurableExecution(async (_event, ctx) => {
      const outer = await ctx.map("regions", ["eu", "us"], async (c, region) => {
        const inner = await c.parallel(`${region}-checks`, [
          async (p) => {
            await p.wait("settle", { minutes: 10 });
            return p.step("health", async () => `${region}:healthy`);
          },
          async (p) => p.runInChildContext("audit", async (a) => a.step("log", async () => `${region}:audited`)),
        ]);
        return inner.getResults().join(",");
      });
      return outer.getResults();
    }),
    expect: { status: "SUCCEEDED", result: ["eu:healthy,eu:audited", "us:healthy,us:audited"] },
  },
  {
    name: "wait-for-callback-submitter-fails",
    handler: withDurableExecution(async (_event, ctx) => {
      try {
        await ctx.waitForCallback(
          "notify-approver",
          async () => {
            effect("submitter");
            throw new Error("mail server down");
          },
          { timeout: { minutes: 5 }, retryStrategy: createRetryStrategy({ maxAttempts: 2, initialDelay: { seconds: 1 }, jitter: JitterStrategy.NONE }) },
        );
        return "unreachable";
      } catch (e) {
        return errorInfo(e);
      }
    }),
    expect: { status: "SUCCEEDED", result: { name: "CallbackSubmitterError", message: "mail server down", cause: "StepError" } },
    effects: { submitter: { semantics: "at-least-once", max: 2 } },
  },
];

export function caseByName(name: string): ConformanceCase {
  const c = cases.find((x) => x.name === name);
  if (!c) throw new Error(`no conformance case ${name}`);
  return c;
}
