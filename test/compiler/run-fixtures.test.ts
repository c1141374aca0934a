/**
 * Compiled fixtures are run, not just snapshotted (Babel's exec.js): every fixture with a
 * run.json is compiled to JavaScript, run on the official LocalDurableTestRunner and on
 * durablec's runtime with a crash injected after every checkpoint, and its result compared with
 * the uncompiled source run as plain TypeScript.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LocalDurableTestRunner } from "@aws/durable-execution-sdk-js-testing";
import type { RewrittenFile } from "../../compiler/compile.js";
import { emitProject, writeOutputs } from "../../compiler/emit/emit-project.js";
import { runWithCrashAtEveryCheckpoint } from "../../runtime/testing/index.js";
import { compileFixture, fixturesProject, FIXTURES, listFixtures } from "./fixture-runner.js";

interface RunSpec {
  entry: string;
  event: unknown;
  result?: unknown;
  /** The error the source throws and the compiled execution fails with (compared by message). */
  error?: { message: string };
  /** Set to false when the source cannot run as plain TypeScript (e.g. it polls for real). */
  sourceRun?: boolean;
  /** Other outcomes allowed after a crash, e.g. an at-most-once step interrupted by the crash. */
  crashOutcomes?: { status: string; errorType?: string; errorMessage?: string }[];
}

const OUT = path.resolve(FIXTURES, "../../../.tmp/compiled-fixtures");
const cases = listFixtures()
  .filter((f) => fs.existsSync(path.join(f.dir, "run.json")))
  .map((f) => ({ fixture: f, spec: JSON.parse(fs.readFileSync(path.join(f.dir, "run.json"), "utf8")) as RunSpec }));

/** Runs `fn` with fake timers, jumping to each due timer until it settles. */
async function withSkippedTimers(fn: () => Promise<unknown>): Promise<{ result?: unknown; error?: unknown }> {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  try {
    let outcome: { result?: unknown; error?: unknown } | undefined;
    fn().then(
      (result) => (outcome = { result }),
      (error: unknown) => (outcome = { error }),
    );
    while (!outcome) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!outcome) await vi.advanceTimersToNextTimerAsync();
    }
    return outcome;
  } finally {
    vi.useRealTimers();
  }
}

async function loadCompiled(fixtureDir: string, entry: string) {
  const js = path.join(OUT, path.relative(FIXTURES, fixtureDir), "input.js");
  const mod = (await import(pathToFileURL(js).href)) as Record<string, unknown>;
  const handler = mod[entry];
  if (typeof handler !== "function") throw new Error(`${js} has no export ${entry}`);
  return handler as Parameters<typeof runWithCrashAtEveryCheckpoint>[0];
}

describe("compiled fixtures run", () => {
  beforeAll(async () => {
    const project = fixturesProject();
    const rewritten = new Map<string, RewrittenFile>();
    for (const { fixture } of cases) {
      const result = compileFixture(project, fixture);
      expect(result.diagnostics.filter((d) => d.category === "error")).toEqual([]);
      for (const [k, v] of result.files) rewritten.set(k, v);
    }
    fs.rmSync(OUT, { recursive: true, force: true });
    const emitted = emitProject(project, rewritten, { rootDir: FIXTURES, outDir: OUT, manifest: { version: 1, entries: {} } });
    expect(emitted.diagnostics).toEqual([]);
    writeOutputs(emitted.outputs);
  });

  describe.each(cases.map((c) => [c.fixture.id, c] as const))("%s", (_id, { fixture, spec }) => {
    it("computes the same result as the uncompiled source", async () => {
      if (spec.sourceRun === false) return;
      const mod = (await import(pathToFileURL(fixture.input).href)) as Record<string, (event: unknown) => Promise<unknown>>;
      const fn = mod[spec.entry];
      expect(typeof fn).toBe("function");
      // Sleeps in the source (sleep("1h"), setTimeout promises) are skipped with fake timers.
      const outcome = await withSkippedTimers(() => fn!(spec.event));
      if (spec.error) {
        expect(outcome.error, "the source should throw").toBeInstanceOf(Error);
        expect((outcome.error as Error).message).toContain(spec.error.message);
        return;
      }
      if (outcome.error) throw outcome.error;
      expect(JSON.parse(JSON.stringify(outcome.result ?? null))).toEqual(spec.result);
    });

    it("on durablec's runtime, with a crash after every checkpoint", async () => {
      const handler = await loadCompiled(fixture.dir, spec.entry);
      const runs = await runWithCrashAtEveryCheckpoint(handler, { input: spec.event });
      for (const run of runs) {
        const e = run.execution;
        const allowed = spec.crashOutcomes?.some((o) => run.crashAfter > 0 && o.status === e.status && o.errorType === e.error?.ErrorType && o.errorMessage === e.error?.ErrorMessage);
        if (allowed) continue;
        if (spec.error) {
          expect({ status: e.status, message: e.error?.ErrorMessage }, `crash after checkpoint ${run.crashAfter}`).toEqual({ status: "FAILED", message: spec.error.message });
          continue;
        }
        expect({ status: e.status, error: e.error }, `crash after checkpoint ${run.crashAfter}`).toEqual({ status: "SUCCEEDED", error: undefined });
        expect(e.result, `crash after checkpoint ${run.crashAfter}`).toEqual(spec.result);
      }
    });
  });
});

// The official runner fakes timers process-wide, so it runs last, on a sample, in its own block.
describe("compiled fixtures run on LocalDurableTestRunner", () => {
  beforeAll(async () => {
    await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
  });
  afterAll(async () => {
    await LocalDurableTestRunner.teardownTestEnvironment();
  });
  // Every loop and concurrency case (their map/parallel semantics are the SDK's), half of the rest.
  const sample = cases.filter((c, i) => i % 2 === 0 || /^rewrite-(loops-to-map|concurrency)\//.test(c.fixture.id));
  it.each(sample.map((c) => [c.fixture.id, c] as const))("%s", async (_id, { fixture, spec }) => {
    const handler = await loadCompiled(fixture.dir, spec.entry);
    const runner = new LocalDurableTestRunner({ handlerFunction: handler as never });
    const result = await runner.run({ payload: spec.event as never });
    if (spec.error) {
      expect({ status: result.getStatus(), message: result.getError()?.errorMessage }).toEqual({ status: "FAILED", message: spec.error.message });
      return;
    }
    if (result.getStatus() !== "SUCCEEDED") throw new Error(`${result.getStatus()}: ${JSON.stringify(result.getError())}`);
    expect(result.getResult()).toEqual(spec.result);
  });
});
