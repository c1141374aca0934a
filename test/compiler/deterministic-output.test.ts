/**
 * The compiled code of a file does not depend on what else is in the program: each fixture below
 * (event types with unions, whose members the type checker orders by creation) compiled on its
 * own, as `durablec transform` and the esbuild plugin compile a file, gives the output the
 * fixture suite's shared program gives.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { transform } from "../../compiler/index.js";
import { FIXTURES } from "./fixture-runner.js";

const CASES = ["validate-inputs/event-optional-nullable-union", "keep-narrowing-in-closures/narrowed-properties", "keep-narrowing-in-closures/let-typeof", "step-semantics/default-retry-by-status"];

describe("compiled output is the same in any program", () => {
  it.each(CASES)("%s compiled alone matches its output.ts", (id) => {
    const dir = path.join(FIXTURES, id);
    const result = transform(path.join(dir, "input.ts"));
    expect(result.diagnostics.filter((d) => d.category === "error")).toEqual([]);
    expect(result.code).toBe(fs.readFileSync(path.join(dir, "output.ts"), "utf8"));
  });
});
