/**
 * Each example's README shows its source next to what durablec turned it into. Both blocks are
 * compared with the truth (the file, and `durablec transform` today), so they cannot rot: when the
 * compiler changes its output, this fails and `node scripts/example-readmes.mjs` updates them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { block, EXAMPLES, source, transformed } from "../../scripts/example-readmes.mjs";
import { ROOT } from "./helpers.js";

describe("example READMEs", () => {
  it("cover every example", () => {
    expect(EXAMPLES).toEqual(["order-checkout", "human-approval", "batch-processing", "polling", "saga"]);
  });

  for (const example of EXAMPLES as string[]) {
    it(`${example}: the source block is workflow.ts and the compiled block is today's durablec transform output`, () => {
      const readme = readFileSync(join(ROOT, "examples", example, "README.md"), "utf8");
      const fix = "run: node scripts/example-readmes.mjs";
      expect(block(readme, "source"), fix).toBe(source(example));
      const compiled = transformed(example) as string;
      expect(compiled).toContain("withDurableExecution");
      expect(block(readme, "compiled"), fix).toBe(compiled);
    });
  }
});
