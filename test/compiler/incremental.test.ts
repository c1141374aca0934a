/**
 * Watch-mode builds (compiler/incremental.ts): after each edit, a build that reuses the previous
 * one emits exactly the files the edit can affect, and what it emits is what a build from scratch
 * of the same sources emits.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Project } from "ts-morph";
import { afterAll, describe, expect, it } from "vitest";
import { BuildCache, compile, refreshProject } from "../../compiler/index.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DIR = path.join(ROOT, ".tmp", `incremental-${process.pid}`);
const TSCONFIG = { compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, types: ["node"], outDir: "dist", rootDir: "src", declaration: true, sourceMap: true }, include: ["src"] };

const FILES: Record<string, string> = {
  "src/rates.ts": "export function rate(n: number): number {\n  return n * 2;\n}\n",
  "src/quote.ts": 'import { rate } from "./rates.js";\n\nexport async function quote(input: { n: number }): Promise<number> {\n  "use durable";\n  const r = rate(input.n);\n  const at = Date.now();\n  return r + (at > 0 ? 0 : 1);\n}\n',
  "src/report.ts": 'import { quote } from "./quote.js";\n\nexport type Quote = typeof quote;\nexport const title = "report";\n',
  "src/leaf.ts": "export const leaf = 1;\n",
};

afterAll(() => fs.rmSync(DIR, { recursive: true, force: true }));

/** A watched project: edits go to disk and into the Project, as `durablec build --watch` does. */
function watched() {
  fs.rmSync(DIR, { recursive: true, force: true });
  for (const [name, text] of Object.entries({ ...FILES, "tsconfig.json": JSON.stringify(TSCONFIG) })) {
    fs.mkdirSync(path.dirname(path.join(DIR, name)), { recursive: true });
    fs.writeFileSync(path.join(DIR, name), text);
  }
  const tsconfig = path.join(DIR, "tsconfig.json");
  const cache = new BuildCache();
  let project: Project | undefined;
  return {
    build() {
      const result = compile({ tsconfig, cache, write: false, ...(project ? { project, baseDir: DIR } : {}) });
      project = result.project;
      return result;
    },
    edit(file: string, text: string | null) {
      const abs = path.join(DIR, file);
      if (text === null) fs.rmSync(abs);
      else {
        fs.mkdirSync(path.dirname(abs), { recursive: true });
        fs.writeFileSync(abs, text);
      }
      refreshProject(project!, [abs]);
    },
    /** What a build from scratch of the same sources emits. */
    scratch() {
      return compile({ tsconfig, write: false });
    },
  };
}

/** Emitted modules, as `src`-relative stems (`quote`, `rates`…). */
function modules(outputs: ReadonlyMap<string, string>): string[] {
  return [...outputs.keys()].filter((f) => f.endsWith(".js")).map((f) => path.relative(path.join(DIR, "dist"), f).replace(/\.js$/, "")).sort();
}

function expectSameAsScratch(incremental: ReadonlyMap<string, string>, scratch: ReadonlyMap<string, string>) {
  expect(incremental.size).toBeGreaterThan(0);
  for (const [file, text] of incremental) expect(text, path.relative(DIR, file)).toBe(scratch.get(file));
}

describe("incremental (watch-mode) builds", () => {
  it("emit only the edited file and its importers, identical to a build from scratch", () => {
    const w = watched();
    const first = w.build();
    expect(first.diagnostics).toEqual([]);
    expect(modules(first.outputs)).toEqual(["leaf", "quote", "rates", "report"]);
    // The first build emits its files without durable code ahead of the analysis, as a cold build does.
    const cold = w.scratch().outputs;
    expect([...first.outputs.keys()].sort()).toEqual([...cold.keys()].sort());
    expectSameAsScratch(first.outputs, cold);

    w.edit("src/leaf.ts", "export const leaf = 2;\n");
    const leaf = w.build();
    expect(leaf.diagnostics).toEqual([]);
    expect(modules(leaf.outputs)).toEqual(["leaf"]);
    expectSameAsScratch(leaf.outputs, w.scratch().outputs);

    // rates.ts is imported by quote.ts (durable), which report.ts imports.
    w.edit("src/rates.ts", "export function rate(n: number): number {\n  return n * 3;\n}\n");
    const rates = w.build();
    expect(modules(rates.outputs)).toEqual(["quote", "rates", "report"]);
    expectSameAsScratch(rates.outputs, w.scratch().outputs);
    expect(rates.manifest).toEqual(w.scratch().manifest);
  });

  it("re-analyses a durable function when a helper it calls becomes an effect", () => {
    const w = watched();
    w.build();
    w.edit("src/rates.ts", 'import * as fs from "node:fs";\n\nexport function rate(n: number): number {\n  return fs.readFileSync("/etc/hostname").length * n;\n}\n');
    const result = w.build();
    expect(result.diagnostics).toEqual([]);
    const js = [...result.outputs].find(([f]) => f.endsWith("quote.js"))![1];
    expect(js).toContain('ctx.step("quote/rate"');
    expect(result.manifest.entries.quote!.operations.map((o) => o.name)).toEqual(["quote/rate", "quote/Date.now"]);
    expectSameAsScratch(result.outputs, w.scratch().outputs);
  });

  it("validates and lists an entry's event by its type after an edit of the module that declares it", () => {
    const w = watched();
    w.build();
    const quote = FILES["src/quote.ts"]!.replace("\n\nexport", '\nimport type { Input } from "./leaf.js";\n\nexport').replace("input: { n: number }", "input: Input");
    w.edit("src/quote.ts", quote);
    w.edit("src/leaf.ts", "export const leaf = 1;\nexport interface Input {\n  n: number;\n  note: number;\n}\n");
    const before = w.build();
    expect(before.diagnostics).toEqual([]);
    expect(before.manifest.entries.quote!.eventSchema?.properties?.note).toEqual({ type: "number" });
    w.edit("src/leaf.ts", "export const leaf = 1;\nexport interface Input {\n  n: number;\n  note: string;\n}\n");
    const after = w.build();
    expect(after.diagnostics).toEqual([]);
    expect(after.manifest.entries.quote!.eventSchema?.properties?.note).toEqual({ type: "string" });
    const js = [...after.outputs].find(([f]) => f.endsWith("quote.js"))![1];
    expect(js).toContain("note: z.string()");
    const scratch = w.scratch();
    expect(after.manifest).toEqual(scratch.manifest);
    expectSameAsScratch(after.outputs, scratch.outputs);
  });

  it("reports errors an edit causes in files it did not touch, and emits them once fixed", () => {
    const w = watched();
    w.build();
    w.edit("src/rates.ts", "export function rate(n: string): number {\n  return n.length;\n}\n");
    const broken = w.build();
    expect(broken.diagnostics.map((d) => `${path.relative(DIR, d.file ?? "")} ${d.code}`)).toEqual([`${path.join("src", "quote.ts")} TS2345`]);
    expect(broken.outputs.size).toBe(0);
    // The fix touches rates.ts only; quote.ts and report.ts were never written since the break.
    w.edit("src/leaf.ts", "export const leaf = 3;\n");
    expect(w.build().diagnostics.map((d) => d.code)).toEqual(["TS2345"]);
    w.edit("src/rates.ts", FILES["src/rates.ts"]!);
    const fixed = w.build();
    expect(fixed.diagnostics).toEqual([]);
    expect(modules(fixed.outputs)).toEqual(["leaf", "quote", "rates", "report"]);
    expectSameAsScratch(fixed.outputs, w.scratch().outputs);
  });

  it("fails every rebuild while the options have an error, then checks the files it stopped before", () => {
    const w = watched();
    w.build();
    // A file outside rootDir is an error of the options (TS6059): the files' check does not run.
    w.edit("src/leaf.ts", 'export const leaf: number = "one";\n');
    w.edit("extra/outside.ts", "export const outside = 1;\n");
    const outside = w.build();
    expect(outside.diagnostics.map((d) => d.code)).toEqual(["TS6059"]);
    expect(outside.outputs.size).toBe(0);
    w.edit("src/report.ts", 'import { quote } from "./quote.js";\n\nexport type Quote = typeof quote;\nexport const title = "quotes";\n');
    expect(w.build().diagnostics.map((d) => d.code)).toEqual(["TS6059"]);
    // leaf.ts has not changed since the build that stopped before checking it.
    w.edit("extra/outside.ts", null);
    const leaf = w.build();
    expect(leaf.diagnostics.map((d) => `${path.relative(DIR, d.file ?? "")} ${d.code}`)).toEqual([`${path.join("src", "leaf.ts")} TS2322`]);
    w.edit("src/leaf.ts", FILES["src/leaf.ts"]!);
    const fixed = w.build();
    expect(fixed.diagnostics).toEqual([]);
    expect(modules(fixed.outputs)).toEqual(["leaf", "report"]);
    expectSameAsScratch(fixed.outputs, w.scratch().outputs);
  });

  it("rebuilds everything after an edit that declares globals, and forgets deleted files", () => {
    const w = watched();
    w.build();
    w.edit("src/leaf.ts", "export const leaf = 1;\ndeclare global {\n  var tenant: string;\n}\n");
    const global = w.build();
    expect(modules(global.outputs)).toEqual(["leaf", "quote", "rates", "report"]);
    expectSameAsScratch(global.outputs, w.scratch().outputs);

    w.edit("src/leaf.ts", null);
    const deleted = w.build();
    expect(deleted.diagnostics).toEqual([]);
    expect(modules(deleted.outputs)).toEqual([]);
    w.edit("src/report.ts", 'import { leaf } from "./leaf.js";\nexport const title = leaf;\n');
    expect(w.build().diagnostics.map((d) => d.code)).toEqual(["TS2307"]);
  });
});
