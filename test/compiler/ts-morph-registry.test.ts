/**
 * compiler/project/ts-morph.ts swaps ts-morph's document registry so that TypeScript's lib files
 * and `@types` packages are parsed as `tsc` parses them. If a ts-morph upgrade stops creating its
 * registry the way the swap expects, these fail.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadProjectFromTsconfig } from "../../compiler/project/load-project.js";
import { Project } from "ts-morph";
import { ts } from "../../compiler/project/ts-morph.js";
import { jsDocTags } from "../../compiler/analysis/classify-call.js";

function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "durablec-registry-"));
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, types: ["node"], rootDir: "src", outDir: "dist" }, include: ["src"] }));
  fs.mkdirSync(path.join(dir, "src"));
  fs.writeFileSync(path.join(dir, "src", "a.ts"), '/** @deterministic */\nexport function today(): string {\n  return "2024-01-01";\n}\nexport const n: number = Date.now() + process.uptime();\n');
  fs.symlinkSync(path.resolve("node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

describe("ts-morph's document registry", () => {
  it("parses the lib files and @types without parent pointers, the user's files with parents and JSDoc", () => {
    const { project: p, diagnostics } = loadProjectFromTsconfig(path.join(project(), "tsconfig.json"));
    expect(diagnostics).toEqual([]);
    const program = p.getProgram().compilerObject;
    const files = program.getSourceFiles();
    const lib = files.find((f) => /[\\/]lib\.es5\.d\.ts$/.test(f.fileName))!;
    const node = files.find((f) => /[\\/]@types[\\/]node[\\/]process\.d\.ts$/.test(f.fileName))!;
    const user = files.find((f) => f.fileName.endsWith("/src/a.ts"))!;
    // No node has a parent until the binder sets them.
    for (const sf of [lib, node]) expect(sf.statements[0]!.parent, sf.fileName).toBeUndefined();
    expect((user.statements[0] as { jsDoc?: unknown[] }).jsDoc).toHaveLength(1);
    expect(user.statements[0]!.parent).toBe(user);
    // The checker works as with ts-morph's own registry: no errors, parents set once bound.
    expect(ts.getPreEmitDiagnostics(program)).toEqual([]);
    expect(lib.statements[0]!.parent).toBe(lib);
    // durablec's own JSDoc tags are read from the user's declarations.
    expect([...jsDocTags(p.getSourceFileOrThrow(user.fileName).getFunctionOrThrow("today").compilerNode)]).toEqual(["deterministic"]);
  });

  it("gives every file the module format TypeScript's program gives it (package.json type, .mts, .cts)", () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
    fs.writeFileSync(path.join(dir, "src", "b.cts"), "export const b = 1;\n");
    fs.writeFileSync(path.join(dir, "src", "c.mts"), "const notExported = 1;\n");
    const program = loadProjectFromTsconfig(path.join(dir, "tsconfig.json")).project.getProgram().compilerObject;
    const format = (name: string) => program.getSourceFiles().find((f) => f.fileName.endsWith(`/src/${name}`))!.impliedNodeFormat;
    expect([format("a.ts"), format("b.cts"), format("c.mts")]).toEqual([ts.ModuleKind.ESNext, ts.ModuleKind.CommonJS, ts.ModuleKind.ESNext]);
    // moduleDetection "auto": a file of ES module format is a module without import or export.
    expect(ts.isExternalModule(program.getSourceFiles().find((f) => f.fileName.endsWith("/src/c.mts"))!)).toBe(true);
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "commonjs" }));
    const cjs = loadProjectFromTsconfig(path.join(dir, "tsconfig.json")).project.getProgram().compilerObject;
    expect(cjs.getSourceFiles().find((f) => f.fileName.endsWith("/src/a.ts"))!.impliedNodeFormat).toBe(ts.ModuleKind.CommonJS);
  });

  it("parses @types/node's JSDoc only where the checker needs it; other users of ts-morph in the process keep ts-morph's own registry", () => {
    const dir = project();
    const ours = loadProjectFromTsconfig(path.join(dir, "tsconfig.json")).project.getProgram().compilerObject.getSourceFiles();
    const theirs = new Project({ tsConfigFilePath: path.join(dir, "tsconfig.json") }).getProgram().compilerObject.getSourceFiles();
    const processTypes = (files: readonly ts.SourceFile[]) => files.find((f) => /[\\/]@types[\\/]node[\\/]process\.d\.ts$/.test(f.fileName))!;
    // process.d.ts is mostly JSDoc; TypeScript keeps the few comments with @see or @link.
    expect(withJsDoc(processTypes(ours)) * 10).toBeLessThan(withJsDoc(processTypes(theirs)));
    expect(processTypes(theirs).statements[0]!.parent).toBe(processTypes(theirs));
  });
});

/** Nodes of `sf` with parsed JSDoc. */
function withJsDoc(sf: ts.SourceFile): number {
  let count = 0;
  const visit = (n: ts.Node): void => {
    if ((n as { jsDoc?: unknown[] }).jsDoc?.length) count++;
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return count;
}
