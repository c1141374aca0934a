/**
 * The classification holds at run time: for every fixture pair, an execution runs half-way on the
 * old build (until it waits on a callback, on durablec's runtime with a virtual clock), the
 * function is re-registered with the new build, the callback arrives, and the execution resumes.
 * Changes classified safe replay to SUCCEEDED; changes classified unsafe fail with
 * NonDeterministicExecutionError, or, where this execution cannot show it, the fixture explains
 * why (expected.json "note") and the test checks that it indeed went unnoticed; then a second
 * execution, whose invocation dies further on (right after `interrupted.after`) while the new build
 * is deployed, shows the failure the change causes — or, for a removed last operation, that even
 * then the SDK cannot see it.
 */
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { compareManifests } from "../../compiler/versioning/compare-manifests.js";
import type { DurableHandler } from "../../runtime/service/runtime.js";
import { createTestRuntime } from "../../runtime/testing/index.js";
import { compilePairs, listPairs, type CompiledPair } from "./fixtures.js";

let pairs: CompiledPair[] = [];
beforeAll(() => {
  pairs = compilePairs(path.resolve(".tmp/versioning-fixtures-replay"));
});

async function handlers(pair: CompiledPair) {
  const load = async (file: string) => (await import(pathToFileURL(file).href)) as Record<string, DurableHandler | undefined>;
  return { old: await load(pair.oldJs), new: await load(pair.newJs) };
}

describe("an execution started on the old build resumes on the new one", () => {
  it.each(listPairs())("%s", async (name) => {
    const pair = pairs.find((p) => p.name === name)!;
    const { compatible } = compareManifests(pair.old, pair.new);
    const expected = pair.expected;
    // The expectation agrees with the static classification.
    expect(compatible).toBe(expected.runtime === "replays");
    const mods = await handlers(pair);
    const rt = createTestRuntime();
    try {
      rt.register("flow", mods.old.flow!);
      const { arn } = rt.start("flow", { id: "o-1" });
      // Without moving the virtual clock (the callback would time out an hour later).
      await rt.runDue();
      expect(rt.get(arn).status).toBe("RUNNING");
      const callback = rt.operations(arn).find((o) => o.Type === "CALLBACK" && o.Status === "STARTED");
      expect(callback, "the old build waits on a callback").toBeDefined();

      if (expected.runtime === "no-handler") {
        expect(mods.new.flow).toBeUndefined();
        expect(expected.note).toBeTruthy();
        return;
      }
      rt.register("flow", mods.new.flow!);
      rt.sendCallbackSuccess(callback!.CallbackDetails!.CallbackId!, JSON.stringify("yes"));
      await rt.runUntilIdle();
      const e = rt.get(arn);
      if (expected.runtime === "fails") {
        expect(e.status).toBe("FAILED");
        expect(e.error?.ErrorType).toBe("NonDeterministicExecutionError");
      } else {
        // "replays", and "undetected": unsafe in general, but this execution's history cannot show it.
        expect({ status: e.status, error: e.error }).toEqual({ status: "SUCCEEDED", error: undefined });
        expect(String(e.result)).toMatch(/:/);
        if (expected.runtime === "undetected") expect(expected.note).toBeTruthy();
      }
    } finally {
      await rt.close();
    }
  });
});

describe("an unsafe change this execution could not see fails one that had gone further", () => {
  it.each(listPairs())("%s", async (name) => {
    const pair = pairs.find((p) => p.name === name)!;
    if (pair.expected.runtime !== "undetected") return expect(pair.expected.interrupted).toBeUndefined();
    const interrupted = pair.expected.interrupted;
    expect(interrupted, `${name}: an "undetected" pair says what an interrupted execution does`).toBeDefined();
    const mods = await handlers(pair);
    // The old build's invocation dies right after the checkpoint that completes `after`.
    let rt!: ReturnType<typeof createTestRuntime>;
    let crashed = false;
    rt = createTestRuntime({
      faults: {
        crashAfterCheckpoint: ({ arn }) => {
          if (crashed) return false;
          const done = rt.operations(arn).some((o) => o.Name === interrupted!.after && o.Status === "SUCCEEDED");
          if (!done) return false;
          // The new build is deployed while the invocation dies: the retry runs the new code.
          rt.register("flow", mods.new.flow!);
          return (crashed = true);
        },
      },
    });
    try {
      rt.register("flow", mods.old.flow!);
      const { arn } = rt.start("flow", { id: "o-1" });
      await rt.runDue();
      const callback = rt.operations(arn).find((o) => o.Type === "CALLBACK" && o.Status === "STARTED");
      if (!crashed) {
        // `after` comes after the callback: answer it on the old build, which then dies after `after`.
        rt.sendCallbackSuccess(callback!.CallbackDetails!.CallbackId!, JSON.stringify("yes"));
        await rt.runDue();
      }
      expect(crashed, `the old build ran ${interrupted!.after}`).toBe(true);
      const pending = rt.operations(arn).find((o) => o.Type === "CALLBACK" && o.Status === "STARTED");
      if (pending) rt.sendCallbackSuccess(pending.CallbackDetails!.CallbackId!, JSON.stringify("yes"));
      await rt.runUntilIdle();
      const e = rt.get(arn);
      if (interrupted!.outcome === "fails") {
        expect({ status: e.status, type: e.error?.ErrorType }).toEqual({ status: "FAILED", type: "NonDeterministicExecutionError" });
      } else {
        // Silent: the recorded operation is simply never asked for again.
        expect(e.status).toBe("SUCCEEDED");
        expect(rt.operations(arn).some((o) => o.Name === interrupted!.after)).toBe(true);
      }
    } finally {
      await rt.close();
    }
  });
});
