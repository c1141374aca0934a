import * as fs from "node:fs";
import * as path from "node:path";
import { ts } from "ts-morph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RewrittenFile, TransformResult } from "../../compiler/compile.js";
import { formatErrorsBaseline, formatDiagnostics } from "../../compiler/diagnostics/format.js";
import { compiledProgram, emitProject } from "../../compiler/emit/emit-project.js";
import { isolatedEmit } from "../../compiler/emit/isolated-emit.js";
import { decodeMappings, type DecodedMappings } from "../../compiler/emit/source-map.js";
import { lineAndColumn } from "../../compiler/diagnostics/format.js";
import { compileFixture, fixturesProject, FIXTURES, listFixtures, type Fixture } from "./fixture-runner.js";
import { moduleLinkage } from "./module-linkage.js";

const fixtures = listFixtures();
const results = new Map<string, TransformResult>();
const allRewritten = new Map<string, RewrittenFile>();

/** A missing snapshot fails in CI instead of being written. */
async function matchFile(content: string, file: string) {
  if (process.env.CI) expect(fs.existsSync(file), `missing snapshot ${path.relative(FIXTURES, file)} (run the tests locally to write it)`).toBe(true);
  await expect(content).toMatchFileSnapshot(file);
}

function expectAbsent(file: string) {
  expect(fs.existsSync(file), `stale snapshot ${path.relative(FIXTURES, file)}: delete it`).toBe(false);
}

// One type checker serves every case; the project-wide checks get room on a loaded machine.
describe("compiler fixtures", { timeout: 180_000 }, () => {
  beforeAll(() => {
    fixturesProject();
  }, 180_000);

  it("has no two cases sharing an input", () => {
    const seen = new Map<string, string>();
    for (const f of fixtures) {
      const text = fs.readFileSync(f.input, "utf8").replace(/\s+/g, " ").trim();
      expect(seen.get(text), `${f.id} has the same input as ${seen.get(text)}`).toBeUndefined();
      seen.set(text, f.id);
    }
  });

  describe.each(fixtures.map((f) => [f.id, f] as [string, Fixture]))("%s", (_id, fixture) => {
    it("matches output.ts, diagnostics.txt and manifest.json", async () => {
      const project = fixturesProject();
      const result = compileFixture(project, fixture);
      results.set(fixture.id, result);
      for (const [name, file] of result.files) allRewritten.set(name, file);
      const input = result.files.get(path.normalize(fixture.input));
      const errors = result.diagnostics.filter((d) => d.category === "error");
      if (fixture.isErrorCase) expect(errors.length, "an _errors_ case must produce an error").toBeGreaterThan(0);
      else expect(errors, formatDiagnostics(errors, { cwd: fixture.dir, readFile: (f) => fs.readFileSync(f, "utf8") })).toEqual([]);

      const outputFile = path.join(fixture.dir, "output.ts");
      if (input) await matchFile(input.code, outputFile);
      else expectAbsent(outputFile);

      const diagnosticsFile = path.join(fixture.dir, "diagnostics.txt");
      if (result.diagnostics.length) {
        const files = project
          .getSourceFiles()
          .filter((f) => f.getFilePath().startsWith(fixture.dir + path.sep))
          .map((f) => ({ file: path.normalize(f.getFilePath()), text: f.getFullText() }));
        await matchFile(formatErrorsBaseline(result.diagnostics, files, fixture.dir), diagnosticsFile);
      } else expectAbsent(diagnosticsFile);

      const manifestFile = path.join(fixture.dir, "manifest.json");
      if (Object.keys(result.manifest.entries).length) await matchFile(JSON.stringify(result.manifest, null, 2) + "\n", manifestFile);
      else expectAbsent(manifestFile);
    });

    it("maps every operation of the output back onto its original span", () => {
      const result = results.get(fixture.id);
      if (!result) return;
      for (const a of result.analyses) {
        const file = result.files.get(path.normalize(a.fn.sourceFile.getFilePath()));
        if (!file) continue;
        for (const op of a.operations) {
          const { line, column } = lineAndColumn(file.original, op.call.getStart());
          const hit = file.mappings.some((segments) => segments.some((s) => s.length >= 4 && s[2] === line - 1 && s[3] === column - 1));
          expect(hit, `${op.name}: no mapping onto ${line}:${column}`).toBe(true);
        }
      }
    });
  });

  describe("compiled output", () => {
    it("type-checks against the SDK's types", () => {
      const project = fixturesProject();
      const checked = emitProject(project, allRewritten, { rootDir: FIXTURES, manifest: { version: 1, entries: {} }, checkOnly: true });
      const text = formatDiagnostics(checked.diagnostics, { cwd: FIXTURES, readFile: (f) => fs.readFileSync(f, "utf8") });
      expect(checked.diagnostics, text).toEqual([]);
    });

    it("declares what the type-checked compiled program declares", () => {
      // The build reshapes the original declarations (emit/declarations.ts) instead of checking
      // the compiled program; both must describe the same module.
      const project = fixturesProject();
      const outDir = path.join(FIXTURES, "..", "..", "..", ".tmp", "fixtures-dts-check");
      const emitted = emitProject(project, allRewritten, { rootDir: FIXTURES, outDir, manifest: { version: 1, entries: {} } });
      expect(emitted.diagnostics).toEqual([]);
      const program = compiledProgram(project, allRewritten, { outDir, declaration: true, emitDeclarationOnly: true, noEmit: false });
      const sdkTypes = /import\("@aws\/durable-execution-sdk-js"\)\./g;
      // Comments are not compared: the compiled program carries a leading comment of the original
      // file onto its first declaration, where it does not belong.
      const printer = ts.createPrinter({ removeComments: true });
      const normalize = (text: string) => {
        let printed = printer.printFile(ts.createSourceFile("x.d.ts", text, ts.ScriptTarget.Latest));
        // SDK types by their exported names, however the compiled program imported them.
        for (const line of printed.split("\n").filter((l) => /^import .* from "@aws\/durable-execution-sdk-js";$/.test(l))) {
          for (const [, imported, local] of line.matchAll(/(\w+) as (\w+)/g)) printed = printed.replace(new RegExp(`\\b${local}\\b`, "g"), imported!);
        }
        return printed
          .split("\n")
          .map((line) => line.replace(/^import type \{ (.*) \} from/, (_, names: string) => `import { ${names.split(", ").map((n) => `type ${n}`).join(", ")} } from`))
          .filter((line) => !/^import .* from "@aws\/durable-execution-sdk-js";$/.test(line))
          .join("\n")
          .replace(sdkTypes, "");
      };
      let compared = 0;
      for (const r of allRewritten.values()) {
        const sf = program.getSourceFile(r.fileName)!;
        let expected: string | undefined;
        program.emit(sf, (name, text) => {
          if (name.endsWith(".d.ts")) expected = text;
        }, undefined, true);
        const actual = emitted.outputs.get(path.join(outDir, path.relative(FIXTURES, r.fileName)).replace(/\.ts$/, ".d.ts"));
        expect(actual, r.fileName).toBeDefined();
        expect(normalize(actual!), path.relative(FIXTURES, r.fileName)).toBe(normalize(expected!));
        compared++;
      }
      expect(compared).toBe(allRewritten.size);
      expect(compared).toBeGreaterThan(100);
    });

    it("emits rewritten files with esbuild, linked to other modules exactly as the typed program's emit", () => {
      // Files whose JavaScript needs no type information are emitted by esbuild
      // (emit/isolated-emit.ts); run-fixtures.test.ts runs them. A const enum anywhere turns that
      // off: both emits must import and export the same bindings and map to the same source.
      const project = fixturesProject();
      const outDir = path.join(FIXTURES, "..", "..", "..", ".tmp", "fixtures-isolated-emit");
      const program = project.getProgram().compilerObject;
      const isolated = isolatedEmit(program)!;
      const alone = [...allRewritten.values()].filter((r) => isolated.accepts(program.getSourceFile(r.fileName)!));
      expect(alone.length).toBeGreaterThan(100);
      const byEsbuild = emitProject(project, allRewritten, { rootDir: FIXTURES, outDir, manifest: { version: 1, entries: {} } });
      const forcing = project.createSourceFile(path.join(FIXTURES, "_shared", "__typed_emit__.ts"), "export const enum Forces {\n  TypedEmit = 1,\n}\n");
      try {
        expect(isolatedEmit(project.getProgram().compilerObject)).toBeUndefined();
        const typed = emitProject(project, allRewritten, { rootDir: FIXTURES, outDir, manifest: { version: 1, entries: {} } });
        for (const r of alone) {
          const js = path.join(outDir, path.relative(FIXTURES, r.fileName)).replace(/\.ts$/, ".js");
          const [ours, theirs] = [byEsbuild.outputs.get(js)!, typed.outputs.get(js)!];
          expect(ours, r.fileName).not.toBe(theirs);
          expect(moduleLinkage(ours), r.fileName).toEqual(moduleLinkage(theirs));
          const [ourMap, theirMap] = [JSON.parse(byEsbuild.outputs.get(`${js}.map`)!), JSON.parse(typed.outputs.get(`${js}.map`)!)];
          expect({ file: ourMap.file, sources: ourMap.sources }, r.fileName).toEqual({ file: theirMap.file, sources: theirMap.sources });
        }
      } finally {
        project.removeSourceFile(forcing);
      }
    });

    it("is unchanged when compiled again (idempotence)", async () => {
      const { loadProjectFromFiles } = await import("../../compiler/project/load-project.js");
      const { transformProject } = await import("../../compiler/compile.js");
      const files: Record<string, string> = {};
      for (const r of allRewritten.values()) files[r.fileName] = r.code;
      if (Object.keys(files).length === 0) return;
      const { project } = loadProjectFromFiles(files, FIXTURES);
      const again = transformProject(project, { rootDir: FIXTURES, typeCheck: false });
      expect([...again.files.keys()]).toEqual([]);
      const errors = again.diagnostics.filter((d) => d.category !== "info");
      expect(errors, formatDiagnostics(errors, { cwd: FIXTURES, readFile: (f) => files[f] })).toEqual([]);
    });

    it("chains the JavaScript source maps back to the original source", () => {
      const project = fixturesProject();
      const emitted = emitProject(project, allRewritten, { rootDir: FIXTURES, outDir: path.join(FIXTURES, "..", "..", "..", ".tmp", "fixtures-map-check"), manifest: { version: 1, entries: {} } });
      expect(emitted.diagnostics).toEqual([]);
      let checked = 0;
      for (const result of results.values()) {
        for (const a of result.analyses) {
          const original = a.fn.sourceFile.getFilePath();
          const rel = path.relative(FIXTURES, original).replace(/\.ts$/, ".js.map");
          const mapText = emitted.outputs.get(path.join(emitted.outDir, rel));
          if (!mapText) continue;
          const mappings: DecodedMappings = decodeMappings(JSON.parse(mapText).mappings);
          for (const op of a.operations) {
            const { line } = lineAndColumn(a.fn.sourceFile.getFullText(), op.call.getStart());
            const hit = mappings.some((segments) => segments.some((s) => s.length >= 4 && s[2] === line - 1));
            expect(hit, `${op.name}: no JS mapping onto line ${line} of ${rel}`).toBe(true);
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(0);
    });
  });

  afterAll(() => {
    // Nothing to clean: outputs are only written by snapshots.
  });
});
