import type { DurableContext } from "@aws/durable-execution-sdk-js";
import { describe, expect, it } from "vitest";
import { idempotentFetch, withCallIdempotencyKeys, withIdempotencyHeader } from "../../runtime/internal/idempotency.js";

/** The internals `idempotencyKey` reads from an SDK context: the execution and the next step id. */
function contextAt(arn: string, stepId: string): DurableContext {
  return { executionContext: { durableExecutionArn: arn }, peekStepId: () => stepId } as unknown as DurableContext;
}

/** A fetch that records what it was called with. */
function recordingFetch() {
  const calls: { input: Parameters<typeof fetch>[0]; init: RequestInit | undefined }[] = [];
  const fetchFn = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    calls.push({ input, init });
    return new Response(null, { status: 204 });
  }) as typeof fetch;
  return { calls, fetchFn };
}

/** The header fetch would send for a recorded call (init's headers replace a Request's). */
function sentHeader(call: { input: Parameters<typeof fetch>[0]; init: RequestInit | undefined }, name: string): string | null {
  const headers = call.init?.headers !== undefined ? call.init.headers : call.input instanceof Request ? call.input.headers : undefined;
  return new Headers(headers).get(name);
}

describe("withCallIdempotencyKeys", () => {
  it("gives each call site, and each run of a site in one attempt, its own key", () => {
    const step = withCallIdempotencyKeys(contextAt("arn:1", "1"), "pay", (keyFor) => () => [keyFor("charge"), keyFor("charge#2"), keyFor("charge#2")]);
    expect(new Set(step()).size).toBe(3);
  });

  it("gives a retried attempt the keys of the first one", () => {
    const step = withCallIdempotencyKeys(contextAt("arn:1", "1"), "pay", (keyFor) => () => [keyFor("charge"), keyFor("charge")]);
    expect(step()).toEqual(step());
  });

  it("derives keys from the execution and the step's position", () => {
    const keys = (arn: string, id: string) => withCallIdempotencyKeys(contextAt(arn, id), "pay", (keyFor) => () => keyFor("charge"))();
    expect(keys("arn:1", "1")).toBe(keys("arn:1", "1"));
    expect(keys("arn:1", "1")).not.toBe(keys("arn:2", "1"));
    expect(keys("arn:1", "1")).not.toBe(keys("arn:1", "2-1"));
  });

  it("passes the step's arguments to the body", () => {
    const step = withCallIdempotencyKeys(contextAt("arn:1", "1"), "pay", () => (a: unknown) => a);
    expect(step("from the SDK")).toBe("from the SDK");
  });
});

describe("withIdempotencyHeader", () => {
  it("adds the key to every form of headers fetch accepts", () => {
    for (const headers of [undefined, { accept: "x" }, [["accept", "x"]] as [string, string][], new Headers({ accept: "x" })]) {
      expect(withIdempotencyHeader(headers, "k").get("Idempotency-Key"), JSON.stringify(headers)).toBe("k");
    }
    expect(withIdempotencyHeader({ accept: "x" }, "k", "X-Request-Key").get("x-request-key")).toBe("k");
  });

  it("keeps a key the caller set, under any spelling", () => {
    for (const headers of [{ "IDEMPOTENCY-KEY": "mine" }, [["idempotency-key", "mine"]] as [string, string][], new Headers({ "Idempotency-Key": "mine" })]) {
      expect(withIdempotencyHeader(headers, "k").get("Idempotency-Key"), JSON.stringify(headers)).toBe("mine");
    }
  });
});

describe("idempotentFetch", () => {
  it("sends the key with methods other than GET, HEAD and OPTIONS, in any case", async () => {
    for (const method of ["POST", "put", "Patch", "DELETE"]) {
      const { calls, fetchFn } = recordingFetch();
      await idempotentFetch(fetchFn, "k")("http://127.0.0.1/x", { method, headers: { accept: "x" } });
      expect(sentHeader(calls[0]!, "Idempotency-Key"), method).toBe("k");
      expect(sentHeader(calls[0]!, "accept"), method).toBe("x");
    }
  });

  it("leaves safe methods and a missing method (GET) alone", async () => {
    for (const init of [undefined, { method: "GET" }, { method: "head" }, { method: "OPTIONS" }]) {
      const { calls, fetchFn } = recordingFetch();
      await idempotentFetch(fetchFn, "k")("http://127.0.0.1/x", init);
      expect(calls[0]!.init, JSON.stringify(init)).toBe(init);
    }
  });

  it("takes a Request's method and headers into account, and init's over them", async () => {
    const { calls, fetchFn } = recordingFetch();
    const send = idempotentFetch(fetchFn, "k", "X-Key");
    await send(new Request("http://127.0.0.1/x", { method: "POST", headers: { accept: "x" } }));
    expect(sentHeader(calls[0]!, "X-Key")).toBe("k");
    expect(sentHeader(calls[0]!, "accept"), "the Request's own headers are kept").toBe("x");
    await send(new Request("http://127.0.0.1/x", { method: "POST", headers: { "x-key": "mine" } }));
    expect(sentHeader(calls[1]!, "X-Key")).toBe("mine");
    await send(new Request("http://127.0.0.1/x", { method: "GET" }));
    expect(sentHeader(calls[2]!, "X-Key")).toBeNull();
    await send(new Request("http://127.0.0.1/x", { method: "POST" }), { method: "GET" });
    expect(sentHeader(calls[3]!, "X-Key"), "init's method wins").toBeNull();
  });

  it("keeps a key the caller set in init, in every form", async () => {
    for (const headers of [{ "idempotency-key": "mine" }, [["Idempotency-Key", "mine"]] as [string, string][], new Headers({ "Idempotency-Key": "mine" })]) {
      const { calls, fetchFn } = recordingFetch();
      await idempotentFetch(fetchFn, "k")("http://127.0.0.1/x", { method: "POST", headers });
      expect(sentHeader(calls[0]!, "Idempotency-Key")).toBe("mine");
    }
  });
});
