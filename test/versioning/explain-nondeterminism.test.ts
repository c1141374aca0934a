/**
 * A NonDeterministicExecutionError names the source lines of the recorded and the current
 * operation: `explainNonDeterminism` on the manifest, and `durablec run` printing it when an
 * execution resumed on a changed build fails.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../compiler/cli/main.js";
import { explainNonDeterminism, findManifest } from "../../runtime/index.js";
import type { DurableHandler } from "../../runtime/service/runtime.js";
import { createTestRuntime } from "../../runtime/testing/index.js";
import { compilePairs, type CompiledPair } from "./fixtures.js";

const OUT = path.resolve(".tmp/versioning-fixtures-explain");
let pairs: CompiledPair[] = [];
beforeAll(() => {
  pairs = compilePairs(OUT);
});

/** Runs the old build until the callback, resumes on the new one; returns the failed execution's error. */
async function failOnNewBuild(name: string) {
  const pair = pairs.find((p) => p.name === name)!;
  const load = async (f: string) => ((await import(pathToFileURL(f).href)) as { flow: DurableHandler }).flow;
  const rt = createTestRuntime();
  try {
    rt.register("flow", await load(pair.oldJs));
    const { arn } = rt.start("flow", { id: "o-1" });
    await rt.runDue();
    const cb = rt.operations(arn).find((o) => o.Type === "CALLBACK")!;
    rt.register("flow", await load(pair.newJs));
    rt.sendCallbackSuccess(cb.CallbackDetails!.CallbackId!, JSON.stringify("yes"));
    await rt.runUntilIdle();
    const e = rt.get(arn);
    expect(e.error?.ErrorType).toBe("NonDeterministicExecutionError");
    return { pair, error: e.error! };
  } finally {
    await rt.close();
  }
}

describe("explainNonDeterminism", () => {
  it("a renamed operation: the recorded name is gone from the current build; the current one is at its line", async () => {
    const { pair, error } = await failOnNewBuild("rename-effect-callee");
    const why = explainNonDeterminism(error, pair.new, { entry: "flow" })!;
    expect(why).toMatchObject({ position: "2", mismatch: "name", entry: "flow", recorded: { name: "flow/enrich" }, current: { name: "flow/audit", file: "rename-effect-callee/new.ts", line: 7 } });
    expect(why.recorded.file).toBeUndefined();
    expect(why.text).toMatch(/recorded at position 2: 'flow\/enrich' \(the current build has no operation of that name: removed or renamed\)/);
    expect(why.text).toMatch(/current build at position 2: 'flow\/audit' at rename-effect-callee\/new\.ts:7:\d+/);
    // With the previous build's manifest, the recorded operation gets its line too.
    const withPrevious = explainNonDeterminism(error, pair.new, { entry: "flow", previous: pair.old })!;
    expect(withPrevious.text).toMatch(/'flow\/enrich' \(from rename-effect-callee\/old\.ts:7:\d+ in the build that recorded it/);
  });

  it("an inserted operation: the recorded one still exists, one position later, and both lines are named", async () => {
    const { pair, error } = await failOnNewBuild("insert-step-before");
    const why = explainNonDeterminism(error, pair.new)!;
    expect(why.entry).toBe("flow");
    expect(why.recorded).toMatchObject({ name: "flow/enrich", file: "insert-step-before/new.ts", line: 8 });
    expect(why.current).toMatchObject({ name: "flow/audit", file: "insert-step-before/new.ts", line: 7 });
    expect(why.text).toMatch(/'flow\/enrich', which the current build runs at insert-step-before\/new\.ts:8:\d+/);
  });

  it("a kind change: the types, and the current operation's line", async () => {
    const { pair, error } = await failOnNewBuild("step-becomes-sleep");
    const why = explainNonDeterminism(error, pair.new, { previous: pair.old })!;
    expect(why).toMatchObject({ mismatch: "type", position: "2", recorded: { type: "STEP", name: "flow/enrich" }, current: { type: "WAIT", file: "step-becomes-sleep/new.ts", line: 7 } });
  });

  it("other errors are not explained", () => {
    expect(explainNonDeterminism({ ErrorType: "Error", ErrorMessage: "boom" }, pairs[0]!.new)).toBeUndefined();
    expect(explainNonDeterminism(undefined, pairs[0]!.new)).toBeUndefined();
  });
});

describe("durablec run", () => {
  it("prints which source lines the recorded and the current operation come from", async () => {
    const pair = pairs.find((p) => p.name === "insert-step-before")!;
    // Two deployments side by side, each with its build's manifest (as `durablec build` writes it).
    for (const [dir, js, manifest] of [["v1", pair.oldJs, pair.old], ["v2", pair.newJs, pair.new]] as const) {
      fs.mkdirSync(path.join(OUT, dir), { recursive: true });
      fs.copyFileSync(js, path.join(OUT, dir, "flow.js"));
      fs.copyFileSync(`${js}.map`, path.join(OUT, dir, `${path.basename(js)}.map`));
      fs.writeFileSync(path.join(OUT, dir, "durable.manifest.json"), JSON.stringify(manifest));
    }
    expect(findManifest(path.join(OUT, "v2"))?.file).toBe(path.join(OUT, "v2", "durable.manifest.json"));
    const db = path.join(OUT, `explain-${process.pid}.db`);
    fs.rmSync(db, { force: true });
    const cli = async (...args: string[]) => {
      let stdout = "";
      let stderr = "";
      const code = await main(args, { cwd: OUT, out: (t) => (stdout += t + "\n"), err: (t) => (stderr += t + "\n") });
      return { code, stdout, stderr };
    };
    const first = await cli("run", "v1/flow.js#flow", "--input", '{"id":"o-1"}', "--name", "o-1", "--db", db);
    expect(first.code).toBe(3);
    const id = /durablec callback succeed '?([^' ]+)'?/.exec(first.stdout)?.[1];
    expect(id, first.stdout).toBeTruthy();
    expect((await cli("callback", "succeed", id!, '"yes"', "--db", db)).code).toBe(0);
    const resumed = await cli("run", "v2/flow.js#flow", "--name", "o-1", "--db", db);
    expect(resumed.code).toBe(1);
    expect(resumed.stdout).toMatch(/FAILED[\s\S]*NonDeterministicExecutionError/);
    expect(resumed.stderr).toMatch(/The code changed under this execution of flow: the operation at position 2 does not match its history \(name mismatch\)/);
    expect(resumed.stderr).toMatch(/recorded at position 2: 'flow\/enrich', which the current build runs at insert-step-before\/new\.ts:8:\d+/);
    expect(resumed.stderr).toMatch(/current build at position 2: 'flow\/audit' at insert-step-before\/new\.ts:7:\d+/);

    // `executions show` explains it too, with the manifest of the build in question.
    const shown = await cli("executions", "show", "o-1", "--db", db, "--manifest", "v2/durable.manifest.json");
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/error:\s+NonDeterministicExecutionError/);
    expect(shown.stdout).toMatch(/recorded at position 2: 'flow\/enrich', which the current build runs at insert-step-before\/new\.ts:8:\d+/);
    expect((await cli("executions", "show", "o-1", "--db", db, "--manifest", "missing.json")).code).toBe(2);
  });
});
