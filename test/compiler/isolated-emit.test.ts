/**
 * Files whose JavaScript needs no type information are emitted by esbuild from their text alone
 * (compiler/emit/isolated-emit.ts, transpiler.ts). Every file the policy accepts must link to
 * other modules exactly as TypeScript's emit of it does (test/compiler/module-linkage.ts), map to
 * the same source, and behave the same when run; every file where types could change the output
 * must be refused and emitted by TypeScript. (run-fixtures.test.ts runs esbuild's output of every
 * compiled fixture.)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { EarlyTranspiles, UnchangedEmit, emitAhead, emitProject, writeOutputs, type EmitOptions } from "../../compiler/emit/emit-project.js";
import { transformProject } from "../../compiler/compile.js";
import { isolatedEmit } from "../../compiler/emit/isolated-emit.js";
import { Transpiler } from "../../compiler/emit/transpiler.js";
import { loadProjectFromTsconfig } from "../../compiler/project/load-project.js";
import type { Project, ts } from "../../compiler/project/ts-morph.js";
import { moduleLinkage } from "./module-linkage.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const FILES: Record<string, string> = {
  "types.ts": "export interface Thing { id: string }\nexport type Id = string;\n",
  "plain.ts": 'import { Thing } from "./types.js";\nimport { unused } from "./values.js";\nexport function helper(t: Thing): string {\n  return t.id;\n}\nexport class Box<T> {\n  constructor(readonly value: T) {}\n}\n',
  "values.ts": "export const unused = 1;\nexport const used = 2;\n/** A comment kept in the output. */\nexport default function main(): number {\n  return used;\n}\n",
  "type-only-use.ts": 'import { Thing } from "./types.js";\nimport type { Id } from "./types.js";\nexport const make = (id: Id): Thing => ({ id });\n',
  "reexport-value.ts": 'export { helper, Box } from "./plain.js";\nexport { used as alsoUsed } from "./values.js";\n',
  "reexport-type.ts": 'export { Thing } from "./types.js";\n',
  "reexport-imported-type.ts": 'import { Id } from "./types.js";\nexport { Id };\nexport const x = 1;\n',
  "reexport-type-only.ts": 'export type { Thing } from "./types.js";\nexport { type Id } from "./types.js";\nexport const y = 2;\n',
  "export-star.ts": 'export * from "./values.js";\n',
  "default-type.ts": 'import { Thing } from "./types.js";\nexport default Thing;\n',
  "default-value.ts": 'import { used } from "./values.js";\nexport default used;\n',
  "enum.ts": "export enum Color {\n  Red,\n  Green,\n}\n",
  "namespace.ts": "export namespace N {\n  export const x = 1;\n}\n",
  "decorated.ts": "function logged<T>(value: T, _context: unknown): T {\n  return value;\n}\nexport class C {\n  @logged\n  method(): number {\n    return 1;\n  }\n}\n",
  "script.ts": "const notAModule = 1;\n",
  "lib.mts": 'import { used } from "./values.js";\nexport const twice = used * 2;\n',
  "legacy.cts": "export const legacy = 1;\n",
  "durable.ts": 'import { helper } from "./plain.js";\nexport async function flow(input: { id: string }): Promise<string> {\n  "use durable";\n  return helper(input) + Date.now();\n}\n',
};
// script.ts has no import or export, but in a `"type": "module"` package every file is an ES
// module (TypeScript's moduleDetection "auto" under NodeNext), as tsc emits it.
const ISOLATED = ["default-value.ts", "durable.ts", "lib.mts", "plain.ts", "reexport-type-only.ts", "reexport-value.ts", "script.ts", "type-only-use.ts", "types.ts", "values.ts"];

function project(files: Record<string, string>, options: Record<string, unknown> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "durablec-isolated-"));
  const compilerOptions = { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, types: [], outDir: "dist", declaration: true, sourceMap: true, ...options };
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["src"] }));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
  fs.mkdirSync(path.join(dir, "src"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, "src", name), text);
  return dir;
}

/** TypeScript's own JavaScript and source map of `sf` (file name → text). */
function typeScriptEmit(program: ts.Program, sf: ts.SourceFile): Map<string, string> {
  const out = new Map<string, string>();
  program.emit(sf, (file, text) => {
    if (!/\.d\.[cm]?ts$/.test(file)) out.set(path.resolve(file), text);
  });
  return out;
}

/** Loads the project in `dir`, emits it, and checks every file esbuild emitted against TypeScript's emit of it. */
function build(dir: string, options: { emit?: (project: Project) => Partial<EmitOptions> } = {}) {
  const loaded = loadProjectFromTsconfig(path.join(dir, "tsconfig.json"));
  expect(loaded.diagnostics).toEqual([]);
  const program = loaded.project.getProgram().compilerObject;
  expect(program.getSemanticDiagnostics()).toEqual([]);
  const emitted = emitProject(loaded.project, new Map(), { rootDir: dir, manifest: { version: 1, entries: {} }, ...options.emit?.(loaded.project) });
  expect(emitted.diagnostics).toEqual([]);
  const sources = program.getSourceFiles().filter((sf) => sf.fileName.startsWith(path.join(dir, "src")));
  const isolated = isolatedEmit(program);
  const accepted = sources.filter((sf) => isolated?.accepts(sf));
  const formats = new Map<string, "esbuild" | "typescript">();
  for (const sf of sources) {
    const expected = typeScriptEmit(program, sf);
    for (const [file, text] of expected) {
      const actual = emitted.outputs.get(file);
      expect(actual, file).toBeDefined();
      if (file.endsWith(".map")) {
        const [a, e] = [JSON.parse(actual!), JSON.parse(text)];
        expect({ file: a.file, sources: a.sources }, file).toEqual({ file: e.file, sources: e.sources });
      } else {
        expect(moduleLinkage(actual!), file).toEqual(moduleLinkage(text));
        expect(actual!.endsWith(text.slice(text.lastIndexOf("\n//# sourceMappingURL=") + 1)), file).toBe(true);
        formats.set(path.relative(path.join(dir, "src"), sf.fileName), actual === text ? "typescript" : "esbuild");
      }
    }
  }
  return { emitted, program, accepted: accepted.map((sf) => path.relative(path.join(dir, "src"), sf.fileName)).sort(), formats };
}

/** The files the policy accepts, each checked against TypeScript's emit of it. */
function isolatedFiles(dir: string): string[] {
  return build(dir).accepted;
}

/** Every runtime export of every module (names, kinds, primitive values, what default functions return), by file name. */
async function runtimeShape(files: readonly string[]): Promise<Record<string, unknown>> {
  const shape: Record<string, unknown> = {};
  for (const file of files) {
    const ns = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    shape[path.basename(file)] = Object.fromEntries(Object.entries(ns).map(([k, v]) => [k, typeof v === "function" ? `function/${v.length}${k === "default" ? `=${(v as () => unknown)()}` : ""}` : v]));
  }
  return shape;
}

describe("isolated JavaScript emit", () => {
  it("takes only files whose output cannot depend on other files; esbuild's emit of them links and runs like TypeScript's", async () => {
    const dir = project(FILES, { experimentalDecorators: false });
    const { emitted, program, accepted, formats } = build(dir);
    expect(accepted).toEqual(ISOLATED);
    for (const [file, format] of formats) expect(`${file}: ${format}`).toBe(`${file}: ${ISOLATED.includes(file) ? "esbuild" : "typescript"}`);
    // Both builds, run: every module exports the same names, kinds and values.
    writeOutputs(emitted.outputs);
    const tscOut = new Map<string, string>();
    for (const sf of program.getSourceFiles().filter((f) => f.fileName.startsWith(path.join(dir, "src")))) {
      for (const [file, text] of typeScriptEmit(program, sf)) tscOut.set(file.replace(`${path.sep}dist${path.sep}`, `${path.sep}tsc-dist${path.sep}`), text);
    }
    writeOutputs(tscOut);
    const modules = [...emitted.outputs.keys()].filter((f) => /\.[cm]?js$/.test(f));
    expect(modules).toHaveLength(Object.keys(FILES).length);
    const ours = await runtimeShape(modules);
    expect(ours["values.js"]).toEqual({ default: "function/0=2", unused: 1, used: 2 });
    expect(ours).toEqual(await runtimeShape(modules.map((f) => f.replace(`${path.sep}dist${path.sep}`, `${path.sep}tsc-dist${path.sep}`))));
  });

  it("keeps the class field semantics of the target (useDefineForClassFields)", async () => {
    const files = {
      // A field without initializer is an own property only with [[Define]] semantics.
      "fields.ts": "export class C {\n  x?: number;\n}\nexport const seen = \"x\" in new C();\n",
    };
    for (const [target, expected] of [["ES2020", false], ["ES2022", true]] as const) {
      const dir = project(files, { target });
      const { emitted, formats } = build(dir);
      expect(formats.get("fields.ts")).toBe("esbuild");
      writeOutputs(emitted.outputs);
      const js = [...emitted.outputs.keys()].find((f) => f.endsWith("fields.js"))!;
      const { seen } = (await import(pathToFileURL(js).href)) as { seen: boolean };
      expect(`${target}: ${seen}`).toBe(`${target}: ${expected}`);
    }
  });

  it("emits with TypeScript a file esbuild refuses (top-level await below ES2022)", () => {
    const dir = project({ "tla.ts": "export const v = await Promise.resolve(1);\n", "plain.ts": "export const p = 1;\n" }, { target: "ES2017", module: "ESNext", moduleResolution: "Bundler" });
    const { accepted, formats } = build(dir);
    expect(accepted).toEqual(["plain.ts", "tla.ts"]);
    expect(Object.fromEntries(formats)).toEqual({ "plain.ts": "esbuild", "tla.ts": "typescript" });
  });

  it("emits with TypeScript when the transpiler's thread is gone", async () => {
    const dead = new Transpiler();
    await dead.close();
    const dir = project({ "a.ts": "export const a = 1;\n", "b.ts": 'import { a } from "./a.js";\nexport const b: number = a + 1;\n' });
    const { formats } = build(dir, {
      emit: (p) => {
        const program = p.getProgram().compilerObject;
        const isolated = isolatedEmit(program)!;
        const sources = program.getSourceFiles().filter((sf) => isolated.candidate(sf));
        const job = dead.transpile(sources.map((sf) => isolated.input(sf.fileName, sf.text)), isolated.options);
        return { ahead: new UnchangedEmit(program, sources, job, (output) => (file, text) => output(file, text)) };
      },
    });
    expect(Object.fromEntries(formats)).toEqual({ "a.ts": "typescript", "b.ts": "typescript" });
  });

  it("takes what was emitted ahead of the analysis, and does not write it again", () => {
    const dir = project({ "a.ts": "export const a = 1;\n", "b.ts": "export const b = 2;\n", "durable.ts": 'export async function flow(): Promise<number> {\n  "use durable";\n  return Date.now();\n}\n' });
    const handed: string[] = [];
    const ahead: string[] = [];
    const written: string[] = [];
    const { formats, emitted } = build(dir, {
      emit: (p) => {
        const early = emitAhead(p, { rootDir: dir });
        // esbuild has the files without "use durable"; the durable one waits for the analysis.
        expect([...early.job!.files].map((f) => path.basename(f)).sort()).toEqual(["a.ts", "b.ts"]);
        early.job!.results();
        early.handOver((file) => handed.push(path.basename(file)));
        early.emit((file) => ahead.push(path.basename(file)));
        return { ahead: early, onOutput: (file) => written.push(path.basename(file)) };
      },
    });
    expect(Object.fromEntries(formats)).toEqual({ "a.ts": "esbuild", "b.ts": "esbuild", "durable.ts": "esbuild" });
    expect(handed.sort()).toEqual(["a.js", "a.js.map", "b.js", "b.js.map"]);
    expect(ahead.sort()).toEqual(["a.d.ts", "b.d.ts"]);
    expect(written.sort()).toEqual(["durable.d.ts", "durable.js", "durable.js.map", "durable.manifest.json"]);
    expect([...emitted.outputs.keys()].map((f) => path.basename(f)).sort()).toEqual(["a.d.ts", "a.js", "a.js.map", "b.d.ts", "b.js", "b.js.map", "durable.d.ts", "durable.js", "durable.js.map", "durable.manifest.json"]);
  });

  it("takes esbuild's job on a rewritten file started during the analysis, only for the text it emits", () => {
    const durable = 'import { sleep } from "durablec";\nexport async function flow(): Promise<number> {\n  "use durable";\n  await sleep("1s");\n  return Date.now();\n}\n';
    const dir = project({ "a.ts": "export const a = 1;\n", "durable.ts": durable }, { rootDir: "src" });
    fs.mkdirSync(path.join(dir, "node_modules"));
    fs.symlinkSync(ROOT, path.join(dir, "node_modules", "durablec"), "dir");
    const loaded = loadProjectFromTsconfig(path.join(dir, "tsconfig.json"));
    const program = loaded.project.getProgram().compilerObject;
    const early = new EarlyTranspiles(program);
    const started: string[] = [];
    const transformed = transformProject(loaded.project, {
      rootDir: dir,
      onRewritten: (file) => {
        started.push(path.basename(file.fileName));
        early.start(file);
      },
    });
    expect(transformed.diagnostics).toEqual([]);
    expect(started).toEqual(["durable.ts"]);
    const [rewritten] = [...transformed.files.values()];
    // Another text of the file (rewritten again) is not the job's; the text itself is.
    expect(early.take({ ...rewritten!, code: `${rewritten!.code}\n` })).toBeUndefined();
    const probe = new EarlyTranspiles(program);
    probe.start(rewritten!);
    expect(probe.take(rewritten!)?.files).toEqual(new Set([rewritten!.fileName]));
    const options = { rootDir: dir, manifest: transformed.manifest };
    const withEarly = emitProject(loaded.project, transformed.files, { ...options, early });
    expect(withEarly.diagnostics).toEqual([]);
    // The job was taken: nothing is left to take, and the outputs equal those of an emit that
    // transpiled the file itself.
    expect(early.take(rewritten!)).toBeUndefined();
    const without = emitProject(loaded.project, transformed.files, options);
    expect(withEarly.outputs).toEqual(without.outputs);
    const js = withEarly.outputs.get(path.join(dir, "dist", "durable.js"))!;
    expect(js).toContain("withDurableExecution");
    expect(js).not.toContain('"use durable"');
  });

  it("takes nothing when a const enum exists anywhere, or decorator metadata is on", () => {
    expect(isolatedFiles(project({ ...FILES, "flags.ts": "export const enum Flag {\n  On = 1,\n}\n" }))).toEqual([]);
    const legacy = "function logged(_target: object, _key: string, _descriptor: PropertyDescriptor): void {}\nexport class C {\n  @logged\n  method(): number {\n    return 1;\n  }\n}\n";
    expect(isolatedFiles(project({ ...FILES, "decorated.ts": legacy }, { experimentalDecorators: true, emitDecoratorMetadata: true }))).toEqual([]);
  });

  it("takes nothing for CommonJS output", () => {
    expect(isolatedFiles(project({ "a.ts": "export const a = 1;\n" }, { module: "CommonJS", moduleResolution: "Node10" }))).toEqual([]);
  });

  it("takes ES module files only under Node16/NodeNext (package.json type)", () => {
    const dir = project({ "a.ts": "export const a = 1;\n", "b.mts": "export const b = 2;\n" });
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "commonjs" }));
    expect(isolatedFiles(dir)).toEqual(["b.mts"]);
  });
});
