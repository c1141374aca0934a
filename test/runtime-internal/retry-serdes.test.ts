import { describe, expect, it } from "vitest";
import { backoffSeconds, defaultRetryStrategy, isTransientError } from "../../runtime/internal/retry.js";
import { decode, encode, serdes, type TypeDescriptor } from "../../runtime/internal/serdes.js";

const httpError = (status: number) => Object.assign(new Error(`HTTP ${status}`), { status });

describe("default retry strategy", () => {
  it("retries transient failures", () => {
    for (const e of [
      httpError(503),
      httpError(500),
      httpError(429),
      Object.assign(new Error("x"), { statusCode: 502 }),
      Object.assign(new Error("x"), { $metadata: { httpStatusCode: 504 } }),
      Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
      Object.assign(new Error("timeout"), { code: "ETIMEDOUT" }),
      Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) }),
      Object.assign(new Error("rate"), { name: "ThrottlingException" }),
      Object.assign(new Error("x"), { retryable: true }),
      Object.assign(new Error("slow"), { name: "TimeoutError" }),
    ]) expect(isTransientError(e), String(e)).toBe(true);
  });

  it("does not retry permanent failures", () => {
    for (const e of [
      httpError(400),
      httpError(401),
      httpError(403),
      httpError(404),
      Object.assign(new Error("x"), { $metadata: { httpStatusCode: 422 } }),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      new SyntaxError("Unexpected token"),
      Object.assign(new Error("bad"), { name: "ValidationException" }),
      Object.assign(new Error("x"), { retryable: false, status: 503 }),
    ]) expect(isTransientError(e), String(e)).toBe(false);
  });

  it("stops after the configured attempts and backs off exponentially with jitter, at least 1s", () => {
    const strategy = defaultRetryStrategy({ attempts: 3 });
    expect(strategy(httpError(503), 1).shouldRetry).toBe(true);
    expect(strategy(httpError(503), 2).shouldRetry).toBe(true);
    expect(strategy(httpError(503), 3).shouldRetry).toBe(false);
    expect(strategy(httpError(400), 1).shouldRetry).toBe(false);
    const settings = { initialDelaySeconds: 2, backoffRate: 2, maxDelaySeconds: 60 };
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffSeconds(a, settings, () => 1))).toEqual([2, 4, 8, 16, 32, 60, 60]);
    expect(backoffSeconds(3, settings, () => 0)).toBe(1);
    expect(backoffSeconds(3, settings, () => 0.5)).toBe(4);
  });
});

describe("type-directed serdes", () => {
  const roundTrip = async (d: TypeDescriptor, v: unknown) => {
    const s = serdes(d);
    const ctx = { entityId: "1", durableExecutionArn: "arn" };
    return s.deserialize(await s.serialize(v, ctx), ctx);
  };

  it("round-trips Date, Map, Set, bigint, typed arrays and undefined in arrays", async () => {
    const value = {
      at: new Date("2026-01-02T03:04:05.678Z"),
      byId: new Map([["a", { since: new Date(0) }]]),
      tags: new Set(["x", "y"]),
      big: 12345678901234567890n,
      bytes: new Uint8Array([1, 2, 255]),
      holes: [1, undefined, 3],
      name: "plain",
    };
    const d: TypeDescriptor = [
      "object",
      {
        at: "Date",
        byId: ["map", 0, ["object", { since: "Date" }]],
        tags: ["set", 0],
        big: "bigint",
        bytes: "Uint8Array",
        holes: ["array", "undefined"],
      },
    ];
    const back = (await roundTrip(d, value)) as typeof value;
    expect(back).toEqual(value);
    expect(back.at).toBeInstanceOf(Date);
    expect(back.byId.get("a")!.since).toBeInstanceOf(Date);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(back.holes).toHaveLength(3);
    expect(1 in back.holes).toBe(true);
  });

  it("tells union members apart", async () => {
    const d: TypeDescriptor = ["array", ["union", ["Date", "bigint", "undefined"]]];
    const v = [new Date(5), 7n, "text", undefined, null];
    expect(await roundTrip(d, v)).toEqual(v);
    expect(decode(d, JSON.parse(JSON.stringify(encode(d, v))))).toEqual(v);
  });

  it("keeps a top-level undefined", async () => {
    expect(await roundTrip("Date", undefined)).toBeUndefined();
  });
});
