/**
 * Rewritten files whose JavaScript needs no type information are emitted from their text alone
 * (compiler/emit/isolated-emit.ts): for every file the policy accepts, that emit must be byte for
 * byte what the type-checked program emits, and every file where types could change the output
 * must be refused. (test/compiler/fixtures.test.ts checks the same over every rewritten fixture.)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { isolatedEmitPolicy, isolatedEmitProgram } from "../../compiler/emit/isolated-emit.js";
import { loadProjectFromTsconfig } from "../../compiler/project/load-project.js";
import type { ts } from "../../compiler/project/ts-morph.js";

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
const ISOLATED = ["default-value.ts", "durable.ts", "lib.mts", "plain.ts", "reexport-type-only.ts", "reexport-value.ts", "type-only-use.ts", "types.ts", "values.ts"];

function project(files: Record<string, string>, options: Record<string, unknown> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "durablec-isolated-"));
  const compilerOptions = { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, types: [], outDir: "dist", declaration: true, sourceMap: true, ...options };
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["src"] }));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
  fs.mkdirSync(path.join(dir, "src"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, "src", name), text);
  return dir;
}

/** JavaScript and source map of `sf` as `program` emits them. */
function emitted(program: ts.Program, sf: ts.SourceFile): Record<string, string> {
  const out: Record<string, string> = {};
  program.emit(sf, (file, text) => {
    if (!/\.d\.[cm]?ts$/.test(file)) out[path.basename(file)] = text;
  });
  return out;
}

/** The files the policy accepts, each checked against the type-checked program's own emit. */
function isolatedFiles(dir: string): string[] {
  const loaded = loadProjectFromTsconfig(path.join(dir, "tsconfig.json"));
  expect(loaded.diagnostics).toEqual([]);
  const program = loaded.project.getProgram().compilerObject;
  expect(program.getSemanticDiagnostics()).toEqual([]);
  const policy = isolatedEmitPolicy(program);
  if (!policy) return [];
  const sources = program.getSourceFiles().filter((sf) => sf.fileName.startsWith(path.join(dir, "src")) && policy(sf));
  const alone = isolatedEmitProgram(program, sources.map((sf) => ({ fileName: sf.fileName, text: sf.text })));
  for (const sf of sources) {
    const expected = emitted(program, sf);
    expect(Object.keys(expected).length, sf.fileName).toBe(2);
    expect(emitted(alone, alone.getSourceFile(sf.fileName)!), sf.fileName).toEqual(expected);
  }
  return sources.map((sf) => path.relative(path.join(dir, "src"), sf.fileName)).sort();
}

describe("isolated JavaScript emit", () => {
  it("takes only files whose output cannot depend on other files, and emits exactly what the program emits", () => {
    expect(isolatedFiles(project(FILES, { experimentalDecorators: false }))).toEqual(ISOLATED);
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
