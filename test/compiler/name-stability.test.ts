/**
 * LANGUAGE §4: editing whitespace, comments or unrelated code must not change any operation name.
 * Every fixture with a manifest is compiled again after such edits; the names must not move.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { transformProject } from "../../compiler/compile.js";
import type { ManifestOperation } from "../../compiler/emit/manifest.js";
import { loadDurableConfig } from "../../compiler/project/config.js";
import { loadProjectFromFiles } from "../../compiler/project/load-project.js";
import { listFixtures } from "./fixture-runner.js";

const EDITS: Record<string, (text: string) => string> = {
  "comment and blank lines at the top": (t) => `/* a header comment */\n\n// another one\n${t}`,
  "unrelated code at the end": (t) => `${t}\nexport function unrelatedHelper(n: number): number {\n  return n * 42;\n}\n`,
  "deeper indentation": (t) => t.replace(/^( +)/gm, (m) => m + m),
  "comments after every opening brace": (t) => t.replace(/\{\n/g, "{ // note\n  // another note\n"),
  "CRLF line endings": (t) => t.replace(/\n/g, "\r\n"),
};

function names(ops: readonly ManifestOperation[]): string[] {
  return ops.flatMap((o) => [`${o.kind} ${o.name}`, ...names(o.children ?? []).map((n) => `  ${n}`)]);
}

const fixtures = listFixtures().filter((f) => !f.isErrorCase && fs.existsSync(path.join(f.dir, "manifest.json")));

describe("operation names are stable under unrelated edits", () => {
  it("covers the fixtures with a manifest", () => expect(fixtures.length).toBeGreaterThan(30));

  const variants: Record<string, string> = {};
  for (const f of fixtures) {
    const text = fs.readFileSync(f.input, "utf8");
    Object.values(EDITS).forEach((edit, i) => {
      variants[path.join(f.dir, `input.stability-${i}.ts`)] = edit(text);
    });
  }
  const { project } = loadProjectFromFiles(variants, path.dirname(fixtures[0]?.dir ?? "."));

  it.each(fixtures.map((f) => [f.id, f] as const))("%s", (_id, fixture) => {
    const expected = JSON.parse(fs.readFileSync(path.join(fixture.dir, "manifest.json"), "utf8")) as { entries: Record<string, { operations: ManifestOperation[] }> };
    const expectedNames = Object.fromEntries(Object.entries(expected.entries).map(([k, e]) => [k, names(e.operations)]));
    const { config } = loadDurableConfig(fixture.dir);
    Object.keys(EDITS).forEach((label, i) => {
      const file = project.getSourceFileOrThrow(path.join(fixture.dir, `input.stability-${i}.ts`));
      const result = transformProject(project, { rootDir: fixture.dir, config, files: [file] });
      expect(result.diagnostics.filter((d) => d.category === "error"), label).toEqual([]);
      const actual = Object.fromEntries(
        Object.entries(result.manifest.entries)
          .filter(([, e]) => e.file.startsWith("input.stability"))
          .map(([, e]) => [e.export === "default" ? "default" : e.export, names(e.operations)]),
      );
      const wanted = Object.fromEntries(Object.entries(expected.entries).filter(([, e]) => (e as unknown as { file: string }).file === "input.ts").map(([k]) => [k, expectedNames[k]]));
      expect(actual, label).toEqual(wanted);
    });
  });
});
