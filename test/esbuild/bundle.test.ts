/**
 * `durablec build --bundle`: one self-contained ESM bundle per entry, source maps, the manifest
 * and an AWS SAM template. The bundles run from a directory with no node_modules at all, on
 * durablec's runtime (in a child process) and on LocalDurableTestRunner.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { isBuiltin } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalDurableTestRunner } from "@aws/durable-execution-sdk-js-testing";
import { main } from "../../compiler/cli/main.js";
import type { Manifest } from "../../compiler/emit/manifest.js";
import { entrySlug } from "../../compiler/bundle/bundle-project.js";
import { removeTempProjects, tempProject, TSCONFIG } from "./helpers.js";

afterAll(removeTempProjects);

const CHECKOUT = `import { createCallback, sleep } from "durablec";
import { charge, price } from "./effects.js";

export async function checkout(order: { items: string[] }): Promise<{ total: number; approval: string; receipt: string }> {
  "use durable";
  const first = await price(order.items[0] ?? "");
  const total = first + (await price(order.items[1] ?? ""));
  const [approval, callbackId] = await createCallback<string>({ timeout: "1h" });
  console.log("approve with", callbackId);
  const answer = await approval;
  await sleep("10m");
  const receipt = await charge(total);
  return { total, approval: answer, receipt };
}
`;
const EFFECTS = `/** @effectful */
export async function price(item: string): Promise<number> {
  return item.length * 100;
}

/** @effectful */
export async function charge(total: number): Promise<string> {
  return "rcpt-" + total;
}
`;
const REPORT = `import { price } from "./effects.js";

export default async function report(item: string): Promise<string> {
  "use durable";
  return "price " + (await price(item));
}
`;

async function cli(cwd: string, ...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { cwd, out: (t) => (stdout += t + "\n"), err: (t) => (stderr += t + "\n") });
  return { code, stdout, stderr };
}

describe("durablec build --bundle", () => {
  let dir: string;
  let out: string;
  let isolated: string;
  beforeAll(async () => {
    dir = tempProject("bundle", { "tsconfig.json": TSCONFIG, "src/checkout.ts": CHECKOUT, "src/effects.ts": EFFECTS, "src/report.ts": REPORT });
    const r = await cli(dir, "build", "--bundle", "--outDir", "lambda", "--execution-timeout", "3600", "--retention-days", "7");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/bundled 2 entry\(ies\) into lambda with template\.yaml/);
    out = path.join(dir, "lambda");
    // A copy far from any node_modules: a bundle that still imported a package would not load.
    isolated = fs.mkdtempSync(path.join(os.tmpdir(), "durablec-bundle-"));
    fs.cpSync(out, isolated, { recursive: true });
  });
  afterAll(() => {
    fs.rmSync(isolated, { recursive: true, force: true });
  });

  it("writes one .mjs + .map per entry, the manifest and template.yaml", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(out, "durable.manifest.json"), "utf8")) as Manifest;
    expect(Object.keys(manifest.entries).sort()).toEqual(["checkout", "report"]);
    for (const slug of ["checkout", "report"]) {
      const js = fs.readFileSync(path.join(out, slug, "index.mjs"), "utf8");
      // Only Node built-ins are imported: the SDK and durablec/internal are inside.
      const imports = [...js.matchAll(/^import[^;]*?from\s*"([^"]+)"/gm)].map((m) => m[1]);
      expect(imports.length).toBeGreaterThan(0);
      expect(imports.filter((s) => !isBuiltin(s!))).toEqual([]);
      expect(js).toContain("withDurableExecution");
      expect(js).toMatch(/export\s*\{[^}]*\bhandler\b/);
      expect(js).toContain("//# sourceMappingURL=index.mjs.map");
      const map = JSON.parse(fs.readFileSync(path.join(out, slug, "index.mjs.map"), "utf8")) as { sources: string[]; sourcesContent: string[] };
      const i = map.sources.findIndex((s) => s.endsWith(`src/${slug}.ts`));
      expect(i, map.sources.filter((s) => !s.includes("node_modules")).join()).toBeGreaterThanOrEqual(0);
      expect(map.sourcesContent[i]).toBe(slug === "checkout" ? CHECKOUT : REPORT);
    }
  });

  it("the SAM template declares a durable nodejs22.x function per entry", () => {
    const yaml = fs.readFileSync(path.join(out, "template.yaml"), "utf8");
    expect(yaml).toContain("Transform: AWS::Serverless-2016-10-31");
    expect(yaml).toContain("Runtime: nodejs22.x");
    expect(yaml.match(/Type: AWS::Serverless::Function/g)).toHaveLength(2);
    for (const [id, uri] of [["CheckoutFunction", "checkout/"], ["ReportFunction", "report/"]]) {
      const block = yaml.slice(yaml.indexOf(`  ${id}:`)).split("\n\n")[0]!.split(/\n  (?=\S)/)[0]!;
      expect(block).toContain(`CodeUri: "${uri}"`);
      expect(block).toContain("Handler: index.handler");
      expect(block).toMatch(/DurableConfig:\n\s+ExecutionTimeout: 3600\n\s+RetentionPeriodInDays: 7/);
    }
    expect(entrySlug("src/a.ts#order")).toBe("src-a-order");
  });

  it("a bundle with no node_modules around runs on durablec's runtime (child process, callback and a 10-minute wait)", () => {
    const runner = path.join(dir, "run.mjs");
    fs.writeFileSync(
      runner,
      `import { createRuntime, VirtualClock } from "durablec/runtime";
const { handler } = await import(process.argv[2]);
const rt = createRuntime({ clock: new VirtualClock(0) });
rt.register("checkout", handler);
const { arn } = rt.start("checkout", { items: ["apple", "kiwi"] });
await rt.runDue();
const cb = rt.operations(arn).find((o) => o.Type === "CALLBACK");
rt.sendCallbackSuccess(cb.CallbackDetails.CallbackId, JSON.stringify("ok"));
await rt.runUntilIdle();
process.stdout.write("\\nRESULT " + JSON.stringify(rt.get(arn)));
await rt.close();
`,
    );
    const stdout = execFileSync(process.execPath, ["--enable-source-maps", runner, pathToFileURL(path.join(isolated, "checkout", "index.mjs")).href], { cwd: dir, encoding: "utf8" });
    // The handler's own console.log lines come first.
    expect(stdout).toMatch(/approve with \S+/);
    const e = JSON.parse(stdout.slice(stdout.lastIndexOf("\nRESULT ") + 8)) as { status: string; result: unknown };
    expect(e.status).toBe("SUCCEEDED");
    expect(e.result).toEqual({ total: 900, approval: "ok", receipt: "rcpt-900" });
  });

  describe("on LocalDurableTestRunner", () => {
    beforeAll(async () => {
      await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
    });
    afterAll(async () => {
      await LocalDurableTestRunner.teardownTestEnvironment();
    });
    it("the default-exported entry's bundle runs", async () => {
      const { handler } = (await import(pathToFileURL(path.join(isolated, "report", "index.mjs")).href)) as { handler: unknown };
      const runner = new LocalDurableTestRunner({ handlerFunction: handler as never });
      const result = await runner.run({ payload: "kiwi" as never });
      if (result.getStatus() !== "SUCCEEDED") throw new Error(`${result.getStatus()}: ${JSON.stringify(result.getError())}`);
      expect(result.getResult()).toBe("price 400");
    });
  });

  it("compile errors stop the bundle (exit 1, tsc-style diagnostics); bad options are usage errors", async () => {
    const bad = tempProject("bundle-bad", { "tsconfig.json": TSCONFIG, "src/later.ts": `export async function later(): Promise<void> {\n  "use durable";\n  setTimeout(() => {}, 10);\n}\n` });
    const r = await cli(bad, "build", "--bundle");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/src\/later\.ts\(3,3\): error DUR1003/);
    expect(fs.existsSync(path.join(bad, "dist", "lambda"))).toBe(false);
    expect((await cli(bad, "build", "--bundle", "--retention-days", "365")).code).toBe(2);
    expect((await cli(bad, "build", "--bundle", "--watch")).code).toBe(2);
  });
});
