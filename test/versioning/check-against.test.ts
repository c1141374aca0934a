/** `durablec check --against <old manifest>` as CI runs it: text or JSON, exit 1 on unsafe changes. */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../compiler/cli/main.js";
import { compile } from "../../compiler/index.js";
import { removeTempProjects, tempProject, TSCONFIG } from "../esbuild/helpers.js";

afterAll(removeTempProjects);

const V1 = `import { charge, email, fraudCheck, reserve } from "./effects.js";

export async function checkout(input: { id: string }): Promise<string> {
  "use durable";
  const r = await reserve(input.id);
  const c = await charge(r);
  await email(c);
  return c;
}
`;
const EFFECTS = `/** @effectful */ export async function reserve(id: string) { return "r-" + id; }
/** @effectful */ export async function charge(r: string) { return "c-" + r; }
/** @effectful */ export async function email(c: string) { void c; }
/** @effectful */ export async function fraudCheck(id: string) { return id.length > 0; }
`;

async function cli(cwd: string, ...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(["check", ...args], { cwd, out: (t) => (stdout += t + "\n"), err: (t) => (stderr += t + "\n") });
  return { code, stdout, stderr };
}

function setup() {
  const dir = tempProject("against", { "tsconfig.json": TSCONFIG, "src/checkout.ts": V1, "src/effects.ts": EFFECTS });
  const previous = compile({ tsconfig: path.join(dir, "tsconfig.json"), noEmit: true });
  expect(previous.diagnostics).toEqual([]);
  fs.writeFileSync(path.join(dir, "previous.manifest.json"), JSON.stringify(previous.manifest, null, 2));
  return dir;
}

describe("durablec check --against", () => {
  it("appending an operation is safe: exit 0 with a summary", async () => {
    const dir = setup();
    fs.writeFileSync(path.join(dir, "src/checkout.ts"), V1.replace("  return c;", "  await email(c + '-receipt');\n  return c;"));
    const r = await cli(dir, "--against", "previous.manifest.json");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/safe: checkout: appended: step 'checkout\/email#2' \(src\/checkout\.ts:8:9\)/);
    expect(r.stdout).toMatch(/replay-compatible: 1 safe change/);
  });

  it("inserting before existing operations is unsafe: exit 1, both source locations and the reason", async () => {
    const dir = setup();
    fs.writeFileSync(path.join(dir, "src/checkout.ts"), V1.replace("  const c = await charge(r);", "  await fraudCheck(r);\n  const c = await charge(r);"));
    const r = await cli(dir, "--against", "previous.manifest.json");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /UNSAFE: checkout: inserted: step 'checkout\/fraudCheck' \(src\/checkout\.ts:6:9\) was inserted at position 2, before step 'checkout\/charge' \(src\/checkout\.ts:6:19, recorded at position 2\)/,
    );
    expect(r.stderr).toMatch(/NonDeterministicExecutionError/);

    const json = await cli(dir, "--against", "previous.manifest.json", "--json");
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as { diagnostics: unknown[]; compatibility: { compatible: boolean; changes: { entry: string; kind: string; safe: boolean; previous?: { line: number }; current?: { line: number } }[] } };
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.compatibility.compatible).toBe(false);
    expect(parsed.compatibility.changes).toMatchObject([{ entry: "checkout", kind: "inserted", safe: false, previous: { line: 6 }, current: { line: 6 } }]);
  });

  it("with compile errors, the errors are reported and no comparison is made (compatibility: null)", async () => {
    const dir = setup();
    fs.writeFileSync(path.join(dir, "src/checkout.ts"), V1.replace("  return c;", "  const n: number = c;\n  return c;"));
    const r = await cli(dir, "--against", "previous.manifest.json", "--json");
    expect(r.code).toBe(1);
    const parsed = JSON.parse(r.stdout) as { diagnostics: { code: string }[]; compatibility: unknown };
    expect(parsed.diagnostics.map((d) => d.code)).toEqual(["TS2322"]);
    expect(parsed.compatibility).toBeNull();
  });

  it("an unreadable or foreign manifest is a usage error (exit 2)", async () => {
    const dir = setup();
    expect((await cli(dir, "--against", "missing.json")).code).toBe(2);
    fs.writeFileSync(path.join(dir, "other.json"), `{"name": "not a manifest"}`);
    const r = await cli(dir, "--against", "other.json");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not a durable\.manifest\.json/);
  });
});
