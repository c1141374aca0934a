/** The programmatic API (`durablec/compiler`) other components build on. */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Codes, compile, formatDiagnostics, transform } from "../../compiler/index.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(HERE, "fixtures", "rewrite-intrinsics", "sleep-string", "input.ts");

describe("durablec/compiler API", () => {
  it("transform() rewrites one file and returns its manifest without writing anything", () => {
    const out = transform(FIXTURE);
    expect(out.diagnostics).toEqual([]);
    expect(out.code).toContain('await ctx.wait("remind/sleep", durablec.toDuration("24h"));');
    expect(out.code).not.toContain('"use durable"');
    expect(out.manifest.entries.remind?.operations.map((o) => o.name)).toEqual(["remind/sleep"]);
    expect(out.file?.edits.length).toBeGreaterThan(0);
  });

  it("transform() accepts the source text and returns it unchanged when there is no durable code", () => {
    const out = transform(path.join(HERE, "fixtures", "virtual.ts"), "export const x: number = 1;\n");
    expect(out).toMatchObject({ code: "export const x: number = 1;\n", diagnostics: [] });
    expect(out.file).toBeUndefined();
  });

  it("compile({ files }) works in memory: diagnostics as data, outputs as a map, nothing written", () => {
    const dir = path.join(HERE, "fixtures", "__api__");
    const result = compile({
      baseDir: dir,
      files: { "bad.ts": 'export async function bad() {\n  "use durable";\n  setTimeout(() => {}, 10);\n}\n' },
    });
    expect(result.diagnostics.map((d) => d.code)).toEqual([Codes.TimerCallbackInDurableCode.code]);
    expect(result.outputs.size).toBe(0);
    expect(fs.existsSync(dir)).toBe(false);
    const text = formatDiagnostics(result.diagnostics, { cwd: dir, readFile: () => 'export async function bad() {\n  "use durable";\n  setTimeout(() => {}, 10);\n}\n' });
    expect(text).toMatch(/^bad\.ts\(3,3\): error DUR1003: 'setTimeout' with a callback in durable code/);
  });

  it("compile({ files, outDir }) returns JavaScript, maps, declarations and the manifest in memory", () => {
    const dir = path.join(HERE, "fixtures", "__api2__");
    const result = compile({
      baseDir: dir,
      outDir: path.join(dir, "out"),
      files: { "clock.ts": 'export async function clock(): Promise<number> {\n  "use durable";\n  return Date.now();\n}\n' },
    });
    expect(result.diagnostics).toEqual([]);
    const names = [...result.outputs.keys()].map((f) => path.relative(dir, f)).sort();
    expect(names).toEqual([path.join("out", "clock.d.ts"), path.join("out", "clock.js"), path.join("out", "clock.js.map"), path.join("out", "durable.manifest.json")]);
    expect(result.outputs.get(path.join(dir, "out", "clock.js"))).toContain('ctx.step("clock/Date.now", async () => Date.now())');
    expect(fs.existsSync(dir)).toBe(false);
  });
});
