/**
 * typescript-eslint's docs.test: every diagnostic code has a section in docs/diagnostics.md and is
 * produced by at least one fixture (or, for CLI and internal codes, by the named test).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Codes } from "../../compiler/diagnostics/codes.js";
import { emitProject } from "../../compiler/emit/emit-project.js";
import { loadProjectFromFiles } from "../../compiler/project/load-project.js";
import { FIXTURES, listFixtures } from "./fixture-runner.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const docs = fs.readFileSync(path.join(ROOT, "docs/diagnostics.md"), "utf8");

/** Codes that no compiler fixture can produce, and the test file that does. */
const PRODUCED_ELSEWHERE: Record<string, string> = {
  DUR5001: "cli.test.ts",
  DUR5003: "cli.test.ts",
  DUR5004: "cli.test.ts",
  DUR5005: "cli.test.ts",
  DUR9001: "edit-set.test.ts",
  DUR9002: "diagnostics-docs.test.ts",
};

const producedByFixtures = new Set<string>();
for (const f of listFixtures()) {
  const file = path.join(f.dir, "diagnostics.txt");
  if (!fs.existsSync(file)) continue;
  for (const m of fs.readFileSync(file, "utf8").matchAll(/^(?:[^\n]*: )?(?:error|warning|info) (DUR\d{4}):/gm)) producedByFixtures.add(m[1]!);
}

describe("diagnostic codes", () => {
  const all = Object.values(Codes);

  it("are unique and in their band", () => {
    expect(new Set(all.map((c) => c.code)).size).toBe(all.length);
    for (const c of all) expect(c.code).toMatch(/^DUR[1-59]\d{3}$/);
  });

  it.each(all.map((c) => [c.code, c] as const))("%s has a docs section and a case that produces it", (code, def) => {
    const section = new RegExp(`^## ${code}\\n\\n\\*\\*${def.category}\\*\\*`, "m");
    expect(docs, `docs/diagnostics.md needs '## ${code}' starting with **${def.category}**`).toMatch(section);
    const elsewhere = PRODUCED_ELSEWHERE[code];
    if (elsewhere) {
      expect(fs.readFileSync(path.join(ROOT, "test/compiler", elsewhere), "utf8")).toContain(code);
    } else {
      expect(producedByFixtures.has(code), `no fixture under ${path.relative(ROOT, FIXTURES)} produces ${code}`).toBe(true);
    }
  });

  it("DUR9002: compiled output that does not type-check is an internal error, and nothing is emitted", () => {
    const file = path.join(FIXTURES, "__virtual__", "bad.ts");
    const { project } = loadProjectFromFiles({ [file]: "export const x: number = 1;\n" }, path.dirname(file));
    const rewritten = new Map([[file, { fileName: file, original: "export const x: number = 1;\n", code: 'export const x: number = "not a number";\n', mappings: [], edits: [] }]]);
    const result = emitProject(project, rewritten, { rootDir: path.dirname(file), manifest: { version: 1, entries: {} }, verifyOutput: true });
    expect(result.diagnostics.map((d) => d.code)).toEqual(["DUR9002"]);
    expect(String(result.diagnostics[0]!.data.problem)).toContain("TS2322 at compiled line 1");
    expect(result.outputs.size).toBe(0);
  });
});
