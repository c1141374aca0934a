/**
 * The examples (examples/*), built with esbuild and the durablec plugin, and bundled for Lambda
 * with `durablec build --bundle`, compute what the compiled examples compute (see
 * test/examples/examples.test.ts): on durablec's runtime and on LocalDurableTestRunner.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalDurableTestRunner } from "@aws/durable-execution-sdk-js-testing";
import { main } from "../../compiler/cli/main.js";
import { durablec } from "../../compiler/esbuild/index.js";
import type { Manifest } from "../../compiler/emit/manifest.js";
import { createTestRuntime } from "../../runtime/testing/index.js";
import type { DurableHandler } from "../../runtime/service/runtime.js";
import { EXAMPLES, freshServiceData, ledger } from "../examples/helpers.js";
import { REPO } from "./helpers.js";

const ORDER = {
  orderId: "o-1",
  email: "ada@example.com",
  card: "tok_visa",
  items: [
    { sku: "book", quantity: 2, price: 15 },
    { sku: "lamp", quantity: 1, price: 40 },
    { sku: "mug", quantity: 3, price: 8 },
  ],
};
const LISBON = { tripId: "t-2", traveller: "ada", from: "Paris", to: "Lisbon", nights: 3 };
const TSCONFIG = path.join(REPO, "examples", "tsconfig.json");
const OUT = path.join(REPO, ".tmp", `esbuild-examples-${process.pid}`);
const dataDirs: string[] = [];

async function load(file: string, name: string): Promise<DurableHandler> {
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  expect(typeof mod[name], `${file} exports ${name}`).toBe("function");
  return mod[name] as DurableHandler;
}

afterAll(() => fs.rmSync(OUT, { recursive: true, force: true }));

describe("the examples built with the esbuild plugin", () => {
  let manifest: Manifest;
  beforeAll(async () => {
    fs.rmSync(OUT, { recursive: true, force: true });
    const result = await esbuild.build({
      absWorkingDir: path.join(REPO, "examples"),
      entryPoints: EXAMPLES.map((e) => path.join(REPO, "examples", e, "workflow.ts")),
      outdir: path.join(OUT, "plugin"),
      outExtension: { ".js": ".mjs" },
      bundle: true,
      splitting: true,
      platform: "node",
      format: "esm",
      target: "node22",
      logLevel: "silent",
      plugins: [durablec({ tsconfig: TSCONFIG })],
    });
    expect(result.errors).toEqual([]);
    manifest = JSON.parse(fs.readFileSync(path.join(OUT, "plugin", "durable.manifest.json"), "utf8")) as Manifest;
  });
  afterAll(() => {
    for (const d of dataDirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it("the manifest lists the five entries, as durablec build does", () => {
    expect(Object.keys(manifest.entries).sort()).toEqual(["approveExpense", "bookTrip", "checkout", "exportReport", "processBatch"]);
    expect(manifest.entries.checkout!.operations.find((o) => o.kind === "wait")).toMatchObject({ name: "checkout/sleep", file: "order-checkout/workflow.ts" });
  });

  it("order-checkout runs on durablec's runtime: one charge, every parcel, the follow-up a day later", async () => {
    const data = freshServiceData();
    dataDirs.push(data);
    const rt = createTestRuntime();
    try {
      rt.register("checkout", await load(path.join(OUT, "plugin", "order-checkout", "workflow.mjs"), "checkout"));
      const e = await rt.execute("checkout", ORDER);
      expect(e.status).toBe("SUCCEEDED");
      expect(e.result).toMatchObject({ orderId: "o-1", total: 94, units: 6, parcels: ["o-1/book", "o-1/lamp", "o-1/mug"] });
      expect(ledger(data, "payments")).toHaveLength(1);
      expect(ledger(data, "outbox").map((m) => m.subject)).toEqual(["Order o-1 is on its way", "How did you like order o-1?"]);
    } finally {
      await rt.close();
    }
  });

  it("polling and saga run on durablec's runtime", async () => {
    dataDirs.push(freshServiceData());
    const rt = createTestRuntime();
    try {
      rt.register("exportReport", await load(path.join(OUT, "plugin", "polling", "workflow.mjs"), "exportReport"));
      rt.register("bookTrip", await load(path.join(OUT, "plugin", "saga", "workflow.mjs"), "bookTrip"));
      expect(await rt.execute("exportReport", { reportId: "q3", checksUntilDone: 4 })).toMatchObject({ status: "SUCCEEDED", result: { reportId: "q3", url: "file:///exports/job-q3.csv", checks: 4 } });
      expect((await rt.execute("bookTrip", LISBON)).result).toEqual({ tripId: "t-2", status: "booked", bookings: ["FL-t-2", "HT-t-2", "CR-t-2"], compensated: [] });
    } finally {
      await rt.close();
    }
  });
});

describe("the examples bundled for Lambda (durablec build --bundle)", () => {
  beforeAll(async () => {
    let stderr = "";
    const code = await main(["build", "--bundle", "-p", TSCONFIG, "--outDir", path.join(OUT, "lambda")], { cwd: REPO, out: () => {}, err: (t) => (stderr += t) });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
  });
  afterAll(async () => {
    await LocalDurableTestRunner.teardownTestEnvironment();
  });

  it("one bundle per entry, and the SAM template has a function for each", () => {
    const yaml = fs.readFileSync(path.join(OUT, "lambda", "template.yaml"), "utf8");
    for (const entry of ["approveExpense", "bookTrip", "checkout", "exportReport", "processBatch"]) {
      expect(fs.existsSync(path.join(OUT, "lambda", entry, "index.mjs")), entry).toBe(true);
      expect(yaml).toContain(`CodeUri: "${entry}/"`);
    }
  });

  it("the order-checkout bundle runs on LocalDurableTestRunner (the 24-hour wait skipped)", async () => {
    const data = freshServiceData();
    dataDirs.push(data);
    const runner = new LocalDurableTestRunner({ handlerFunction: (await load(path.join(OUT, "lambda", "checkout", "index.mjs"), "handler")) as never });
    const result = await runner.run({ payload: ORDER as never });
    if (result.getStatus() !== "SUCCEEDED") throw new Error(`${result.getStatus()}: ${JSON.stringify(result.getError())}`);
    expect(result.getResult()).toMatchObject({ orderId: "o-1", total: 94, units: 6, parcels: ["o-1/book", "o-1/lamp", "o-1/mug"] });
    expect(ledger(data, "payments")).toHaveLength(1);
  });
});
