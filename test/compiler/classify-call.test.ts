/**
 * The call classifier where the checker's symbols take a detour: an import renamed through a
 * re-export, a namespace import, JSDoc tags on a variable statement, overload signatures without
 * a body, a function declared in a declaration file, and calls to a durable function from
 * ordinary code through a re-export and a namespace.
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { transformProject } from "../../compiler/compile.js";
import { loadProjectFromFiles } from "../../compiler/project/load-project.js";

const BASE = path.resolve("test/compiler/.classify-call");

const LIBRARY = {
  "impl.ts": 'export async function fetchUser(id: string): Promise<string> {\n  const r = await fetch("https://example.com/" + id);\n  return r.text();\n}\n',
  "api.ts": 'export { fetchUser } from "./impl.js";\n',
  "util.ts": [
    "/** @deterministic */",
    "export const stamp = (): number => Date.now();",
    "/** @effectful */",
    "export const ping = (): number => 1;",
    "export function pick(a: string): string;",
    "export function pick(a: number): number;",
    "export function pick(a: string | number): string | number {",
    "  return Math.random() > 2 ? a : a;",
    "}",
    "",
  ].join("\n"),
  "remote.d.ts": "export declare function remote(): Promise<number>;\n",
  "flow.ts": [
    'import { fetchUser as load } from "./api.js";',
    'import * as util from "./util.js";',
    'import { remote } from "./remote.js";',
    "export async function flow(id: string): Promise<string> {",
    '  "use durable";',
    "  const user = await load(id);",
    "  const at = util.stamp();",
    "  const p = util.ping();",
    "  const q = util.pick(id);",
    "  const r = await remote();",
    "  return `${user}${at}${p}${q}${r}`;",
    "}",
    "",
  ].join("\n"),
};

function transform(files: Record<string, string>) {
  const { project } = loadProjectFromFiles(files, BASE);
  return transformProject(project, { rootDir: BASE });
}

describe("the call classifier", () => {
  it("follows aliases, JSDoc on variable statements, overloads and declaration files", () => {
    const result = transform(LIBRARY);
    expect(result.diagnostics.filter((d) => d.category === "error")).toEqual([]);
    const classes = result.analyses.flatMap((a) => a.operations).map((o) => o.classification);
    expect(classes).toEqual([
      { kind: "effect", label: "load", reason: "calls fetch" },
      { kind: "effect", label: "util.ping", reason: "marked effectful" },
      { kind: "effect", label: "util.pick", reason: "calls Math.random" },
      { kind: "effect", label: "remote", reason: "returns a promise from code the compiler cannot see" },
    ]);
    expect(result.analyses[0]!.operations.map((o) => o.kind)).toEqual(["step", "step", "step", "step"]);
  });

  it("finds calls to a durable function from ordinary code through a re-export and a namespace", () => {
    const result = transform({
      ...LIBRARY,
      "flows.ts": 'export { flow } from "./flow.js";\n',
      "main.ts": [
        'import { flow } from "./flows.js";',
        'import * as all from "./flow.js";',
        "export function main(): Promise<string>[] {",
        '  return [flow("a"), all.flow("b")];',
        "}",
        "",
      ].join("\n"),
    });
    const main = path.join(BASE, "main.ts");
    const calls = result.diagnostics.filter((d) => d.file === main).map((d) => ({ code: d.code, name: d.data.name, at: d.start }));
    const text = 'import { flow } from "./flows.js";\nimport * as all from "./flow.js";\nexport function main(): Promise<string>[] {\n  return [';
    expect(calls).toEqual([
      { code: "DUR4008", name: "flow", at: text.length },
      { code: "DUR4008", name: "flow", at: text.length + 'flow("a"), all.'.length },
    ]);
  });
});
