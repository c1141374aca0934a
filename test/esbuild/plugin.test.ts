/**
 * The esbuild plugin: the compiler fixtures bundled with it run on durablec's runtime and on the
 * official LocalDurableTestRunner; stacks map to the user's .ts lines; diagnostics become esbuild
 * messages with byte columns.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalDurableTestRunner } from "@aws/durable-execution-sdk-js-testing";
import { durablec } from "../../compiler/esbuild/index.js";
import type { Manifest } from "../../compiler/emit/manifest.js";
import { createTestRuntime } from "../../runtime/testing/index.js";
import type { DurableHandler } from "../../runtime/service/runtime.js";
import { compileFixture, FIXTURES, fixturesProject, listFixtures } from "../compiler/fixture-runner.js";
import { inlineMapOf, originalOf, REPO, removeTempProjects, tempProject, TSCONFIG } from "./helpers.js";

afterAll(removeTempProjects);

interface RunSpec {
  entry: string;
  event: unknown;
  result?: unknown;
  /** The execution fails with this message (see run-fixtures.test.ts). */
  error?: { message: string };
}

// Fixtures with their own durable.config.json need a build of their own (one config per build).
const cases = listFixtures()
  .filter((f) => fs.existsSync(path.join(f.dir, "run.json")) && !fs.existsSync(path.join(f.dir, "durable.config.json")))
  .map((f) => ({ fixture: f, spec: JSON.parse(fs.readFileSync(path.join(f.dir, "run.json"), "utf8")) as RunSpec }));
const OUT = path.join(REPO, ".tmp", "esbuild-fixtures");

async function loadBundle(id: string, entry: string): Promise<DurableHandler> {
  const file = path.join(OUT, id, "input.mjs");
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  expect(typeof mod[entry], `${file} exports ${entry}`).toBe("function");
  return mod[entry] as DurableHandler;
}

describe("compiler fixtures bundled with the plugin", () => {
  let warnings: esbuild.Message[] = [];
  /** Fixtures the plugin refused (the build fails on the first error, so they are set aside and the build retried). */
  const rejected = new Map<string, string>();
  let included = cases;
  beforeAll(async () => {
    fs.rmSync(OUT, { recursive: true, force: true });
    for (let attempt = 0; attempt < 5; attempt++) {
      const result = await esbuild
        .build({
          entryPoints: included.map((c) => c.fixture.input),
          outbase: FIXTURES,
          outdir: OUT,
          outExtension: { ".js": ".mjs" },
          bundle: true,
          platform: "node",
          format: "esm",
          target: "node22",
          // One shared chunk for the SDK: vitest transforms every module it imports, and a megabyte
          // bundle per fixture would cost seconds each. Self-contained bundles are tested in bundle.test.ts.
          splitting: true,
          chunkNames: "chunks/[name]-[hash]",
          logLevel: "silent",
          plugins: [durablec({ tsconfig: false, rootDir: FIXTURES })],
        })
        .catch((error: esbuild.BuildFailure) => ({ errors: error.errors, warnings: error.warnings }));
      warnings = result.warnings;
      if (result.errors.length === 0) break;
      for (const e of result.errors) {
        const file = path.resolve(e.location?.file ?? "");
        const c = included.find((x) => file.startsWith(x.fixture.dir + path.sep));
        expect(c, `an error outside the fixtures: ${e.text}`).toBeDefined();
        rejected.set(c!.fixture.id, e.text);
      }
      included = included.filter((c) => !rejected.has(c.fixture.id));
    }
  });

  it("rejects only fixtures that the compiler itself rejects (same diagnostics as durablec build)", () => {
    // Normally none: a fixture with run.json compiles. While a pass is being written, the plugin
    // must agree with the compiler rather than hide or invent a failure.
    const project = fixturesProject();
    for (const [id, text] of rejected) {
      const fixture = cases.find((c) => c.fixture.id === id)!.fixture;
      const direct = compileFixture(project, fixture).diagnostics.filter((d) => d.category === "error");
      expect(direct.length, `${id}: plugin says ${text}`).toBeGreaterThan(0);
      expect(text.startsWith(direct[0]!.code), `${id}: ${text} vs ${direct[0]!.code}`).toBe(true);
    }
    expect(included.length + rejected.size).toBe(cases.length);
  });

  it("bundles every entry (the SDK and durablec/internal inside, no package imports left) and writes the build's manifest", () => {
    expect(included.length).toBeGreaterThanOrEqual(30);
    for (const { fixture } of included) {
      const js = fs.readFileSync(path.join(OUT, fixture.id, "input.mjs"), "utf8");
      expect(js, fixture.id).not.toMatch(/from\s*["']@aws\/durable-execution-sdk-js["']/);
      expect(js, fixture.id).not.toMatch(/from\s*["']durablec(\/internal)?["']/);
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(OUT, "durable.manifest.json"), "utf8")) as Manifest;
    const greet = Object.values(manifest.entries).find((e) => e.file === "rewrite-effects-to-steps/awaited-effect/input.ts");
    expect(greet?.operations.map((o) => o.kind)).toContain("step");
    // The duplicate-step-name fixture's warning reaches esbuild as a warning with its location.
    const dup = warnings.find((w) => w.text.startsWith("DUR2002:"));
    expect(dup?.location?.file).toMatch(/duplicate-step-name[\\/]input\.ts$/);
    expect(dup?.location?.line).toBe(6);
  });

  describe.each(cases.map((c) => [c.fixture.id, c] as const))("%s", (id, { spec }) => {
    it("runs on durablec's runtime", async () => {
      if (rejected.has(id)) return expect(rejected.get(id)).toMatch(/^(DUR|TS)\d+:/);
      const rt = createTestRuntime();
      try {
        rt.register("handler", await loadBundle(id, spec.entry));
        const e = await rt.execute("handler", spec.event);
        if (spec.error) return expect({ status: e.status, message: e.error?.ErrorMessage }).toEqual({ status: "FAILED", message: spec.error.message });
        expect({ status: e.status, error: e.error }).toEqual({ status: "SUCCEEDED", error: undefined });
        expect(e.result).toEqual(spec.result);
      } finally {
        await rt.close();
      }
    });
  });

  describe("on LocalDurableTestRunner", () => {
    beforeAll(async () => {
      await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
    });
    afterAll(async () => {
      await LocalDurableTestRunner.teardownTestEnvironment();
    });
    const sample = cases.filter((_, i) => i % 3 === 0);
    it.each(sample.map((c) => [c.fixture.id, c] as const))("%s", async (id, { spec }) => {
      if (rejected.has(id)) return expect(rejected.get(id)).toMatch(/^(DUR|TS)\d+:/);
      const runner = new LocalDurableTestRunner({ handlerFunction: (await loadBundle(id, spec.entry)) as never });
      const result = await runner.run({ payload: spec.event as never });
      if (spec.error) return expect({ status: result.getStatus(), message: result.getError()?.errorMessage }).toEqual({ status: "FAILED", message: spec.error.message });
      if (result.getStatus() !== "SUCCEEDED") throw new Error(`${result.getStatus()}: ${JSON.stringify(result.getError())}`);
      expect(result.getResult()).toEqual(spec.result);
    });
  });
});

const CRASH_SOURCE = `import { lookup } from "./lookup.js";

export async function crash(input: { key: string }): Promise<string> {
  "use durable";
  const value = await lookup(input.key);
  const started = Date.now();
  try {
    if (started > 0) throw new Error("boom " + value);
    return "unreachable";
  } catch (error) {
    return (error as Error).stack ?? "";
  }
}
`;
const THROW_LINE = 8;

describe("source maps", () => {
  let dir: string;
  let bundle: string;
  beforeAll(async () => {
    dir = tempProject("stack", {
      "tsconfig.json": TSCONFIG,
      "src/crash.ts": CRASH_SOURCE,
      "src/lookup.ts": `export async function lookup(key: string): Promise<string> {\n  const res = await fetch("https://example.invalid/" + key).catch(() => undefined);\n  return res ? "remote" : "local-" + key;\n}\n`,
      "run.mjs": `import { createRuntime } from "durablec/runtime";\nconst { crash } = await import(process.argv[2]);\nconst rt = createRuntime();\nrt.register("crash", crash);\nconst e = await rt.execute("crash", { key: "k" });\nprocess.stdout.write(JSON.stringify(e.result));\nawait rt.close();\n`,
    });
    bundle = path.join(dir, "dist", "crash.mjs");
    const result = await esbuild.build({
      entryPoints: [path.join(dir, "src/crash.ts")],
      outfile: bundle,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      sourcemap: "inline",
      absWorkingDir: dir,
      logLevel: "silent",
      plugins: [durablec()],
    });
    expect(result.errors).toEqual([]);
  });

  it("chains the bundle's inline map to the original TypeScript (text and lines)", () => {
    const js = fs.readFileSync(bundle, "utf8");
    const map = inlineMapOf(js);
    const i = map.sources.findIndex((s) => s.endsWith("src/crash.ts"));
    expect(i).toBeGreaterThanOrEqual(0);
    expect(map.sourcesContent?.[i]).toBe(CRASH_SOURCE);
    // The step the compiler generated for `lookup(...)` maps back to the line of the call.
    const lines = js.split("\n");
    const stepLine = lines.findIndex((l) => l.includes(`"crash/lookup"`));
    expect(stepLine).toBeGreaterThanOrEqual(0);
    expect(originalOf(map, stepLine + 1, lines[stepLine]!.indexOf(`"crash/lookup"`) + 1)).toMatchObject({ source: expect.stringMatching(/src\/crash\.ts$/), line: 5 });

    // The throw site (inside the rewritten durable body) maps back to its line too.
    const throwLine = lines.findIndex((l) => l.includes(`"boom "`));
    expect(originalOf(map, throwLine + 1, lines[throwLine]!.indexOf("throw") + 1)).toMatchObject({ source: expect.stringMatching(/src\/crash\.ts$/), line: THROW_LINE });
  });

  it("node --enable-source-maps reports the .ts line of a thrown error", () => {
    const stdout = execFileSync(process.execPath, ["--enable-source-maps", path.join(dir, "run.mjs"), pathToFileURL(bundle).href], { cwd: dir, encoding: "utf8" });
    const stack = JSON.parse(stdout) as string;
    expect(stack).toContain("boom local-k");
    expect(stack.split("\n")[1]).toMatch(new RegExp(`src[\\\\/]crash\\.ts:${THROW_LINE}:\\d+`));
  });
});

describe("diagnostics as esbuild messages", () => {
  const build = async (files: Record<string, string>, entry: string) => {
    const dir = tempProject("diag", { "tsconfig.json": TSCONFIG, ...files });
    try {
      const r = await esbuild.build({ entryPoints: [path.join(dir, entry)], bundle: true, write: false, platform: "node", format: "esm", absWorkingDir: dir, logLevel: "silent", plugins: [durablec()] });
      return { dir, errors: r.errors, warnings: r.warnings, failed: false };
    } catch (error) {
      const f = error as esbuild.BuildFailure;
      return { dir, errors: f.errors, warnings: f.warnings, failed: true };
    }
  };

  it("an error fails the build, at the right file, line, byte column and length, with the line's text", async () => {
    const line = `  const café = "é"; setTimeout(() => console.log(café), 10);`;
    const { errors, failed } = await build({ "src/later.ts": `export async function later(): Promise<void> {\n  "use durable";\n${line}\n}\n` }, "src/later.ts");
    expect(failed).toBe(true);
    expect(errors).toHaveLength(1);
    const e = errors[0]!;
    expect(e.pluginName).toBe("durablec");
    expect(e.text).toMatch(/^DUR1003: 'setTimeout' with a callback in durable code/);
    // esbuild prints paths relative to its working directory.
    expect(e.location).toMatchObject({ file: "src/later.ts", line: 3, lineText: line, length: "setTimeout".length });
    // 'é' is 2 bytes in UTF-8 (twice on this line): esbuild columns count bytes, not UTF-16 units.
    expect(line.indexOf("setTimeout")).toBe(20);
    expect(e.location!.column).toBe(22);
  });

  it("warnings are warnings: the build succeeds and the output is compiled", async () => {
    const source = `import { step } from "durablec";\n\nexport async function twice(): Promise<number> {\n  "use durable";\n  const a = await step("load", async () => 1);\n  const b = await step("load", async () => 2);\n  return a + b;\n}\n`;
    const { errors, warnings, failed } = await build({ "src/twice.ts": source }, "src/twice.ts");
    expect(failed).toBe(false);
    expect(errors).toEqual([]);
    expect(warnings.map((w) => [w.text.split(":")[0], w.location?.line, w.location?.column])).toEqual([["DUR2002", 6, 23]]);
  });

  it("TypeScript errors in a durable file are errors with a real line (never line 0)", async () => {
    const { errors, failed } = await build({ "src/bad.ts": `export async function bad(): Promise<number> {\n  "use durable";\n  const n: number = "text";\n  return n;\n}\n` }, "src/bad.ts");
    expect(failed).toBe(true);
    expect(errors.map((e) => [e.text.split(":")[0], e.location?.line, e.location?.column])).toEqual([["TS2322", 3, 8]]);
  });

  it("a file without durable code is left to esbuild (its own error, not the compiler's)", async () => {
    const { errors, failed } = await build({ "src/plain.ts": `export const x: number = "not checked by esbuild";\nexport const y = ;\n` }, "src/plain.ts");
    expect(failed).toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.pluginName).toBe("");
    expect(errors[0]!.location?.line).toBe(2);
  });
});
