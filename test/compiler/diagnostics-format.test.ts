import { describe, expect, it } from "vitest";
import { createDiagnostic } from "../../compiler/diagnostics/diagnostic.js";
import { codeFrame, formatDiagnostic, formatErrorsBaseline, lineAndColumn } from "../../compiler/diagnostics/format.js";

const text = 'const prix = "→ €";\nconst x = Math.random();\n';
const file = "/p/src/a.ts";
const d = createDiagnostic("NondeterminismOutsideStep", { callee: "Math.random" }, { file, start: text.indexOf("Math"), length: "Math.random".length });

describe("diagnostic formatting", () => {
  it("prints exactly tsc's format, relative to cwd", () => {
    expect(formatDiagnostic(d, { cwd: "/p", readFile: () => text })).toBe(
      "src/a.ts(2,11): error DUR1001: Call to 'Math.random' outside a step: it returns a different value when the handler is replayed, so the execution can take another path than the one recorded. Move it into 'context.step(...)'.",
    );
  });

  it("counts columns in UTF-16 units like tsc, on a non-ASCII line", () => {
    const line = 'const s = "é€→"; const t = Date.now();';
    const at = line.indexOf("Date");
    expect(lineAndColumn(line, at)).toEqual({ line: 1, column: 28 });
    expect(Buffer.byteLength(line.slice(0, at))).toBeGreaterThan(at); // a byte column would be wrong
  });

  it("adds a code frame with --pretty", () => {
    const out = formatDiagnostic(d, { cwd: "/p", readFile: () => text, pretty: true });
    expect(out).toContain("2 const x = Math.random();\n            ~~~~~~~~~~~");
    expect(codeFrame(text, text.indexOf("Math"), 11).split("\n")).toHaveLength(2);
  });

  it("writes the .errors.txt baseline with ~~~ under each span", () => {
    const out = formatErrorsBaseline([d], [{ file, text }], "/p/src");
    expect(out).toContain("==== a.ts (1 diagnostic) ====");
    expect(out).toContain("    const x = Math.random();\n              ~~~~~~~~~~~\n!!! error DUR1001:");
  });

  it("prints project-level diagnostics without a position", () => {
    const c = createDiagnostic("ConfigNotFound", { path: "tsconfig.json", reason: "no such file" });
    expect(formatDiagnostic(c, { readFile: () => undefined })).toBe("error DUR5001: Cannot read 'tsconfig.json': no such file.");
  });
});
