/** The README's side-by-side is real: its "after" is what `durablec transform` prints today. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");

function block(name: string): string {
  const m = new RegExp(`<!-- readme-sample: ${name} -->\\s*\\n\`\`\`ts\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  if (!m) throw new Error(`README has no readme-sample ${name}`);
  return m[1]!;
}

describe("README", () => {
  const sample = join(root, "test", "docs", "readme-sample", "checkout.ts");

  it("shows the sample source as it is", () => {
    expect(block("before")).toBe(readFileSync(sample, "utf8").trimEnd());
  });

  it("shows what durablec transform prints for it", () => {
    const printed = execFileSync(process.execPath, [join(root, "bin", "durablec.js"), "transform", sample], { cwd: root, encoding: "utf8" });
    expect(block("after")).toBe(printed.trimEnd());
  });

  it("leads with the quickstart and names the test command", () => {
    expect(readme.indexOf("npm ci")).toBeLessThan(readme.indexOf("## What you write"));
    expect(readme).toContain("npm test");
  });
});
