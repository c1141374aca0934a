/**
 * What `npm pack` puts in durablec's package: the command, everything its `exports` and `bin`
 * load from dist/ (built by `npm run build`, which the test command runs first), the docs; no
 * tests or sources. Without a `files` list npm would fall back to .gitignore, which leaves dist/
 * out and ships a command that cannot start.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

describe("the npm package", () => {
  it("holds the command and every module its bin and exports load, and nothing of the tests or sources", () => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const [pack] = JSON.parse(execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8" })) as [{ files: { path: string }[] }];
    const files = new Set(pack.files.map((f) => f.path));
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string>; exports: Record<string, string | Record<string, string>> };
    const required = [
      ...Object.values(manifest.bin),
      "bin/code-cache.cjs",
      "dist/compiler-cli.js",
      "dist/compiler/cli/main.js",
      "dist/ui/index.html",
      ...Object.values(manifest.exports).flatMap((target) => (typeof target === "string" ? [target] : Object.values(target))),
    ].map((f) => f.replace(/^\.\//, ""));
    for (const file of required) expect(files.has(file), file).toBe(true);
    expect([...files].filter((f) => /^(test|compiler|runtime|ui\/src|bench|scripts)\//.test(f))).toEqual([]);
    expect(files.has("README.md")).toBe(true);
  });
});
