import { describe, expect, it } from "vitest";
import { EditSet } from "../../compiler/edits/edit-set.js";
import { InternalCompilerError } from "../../compiler/diagnostics/diagnostic.js";

describe("EditSet", () => {
  it("wraps nested constructs with openers outer-first and closers inner-first", () => {
    const e = new EditSet("a.ts", "f(g(x))");
    e.head(0, 7, "A(", "t");
    e.tail(0, 7, ")A", "t");
    e.head(2, 6, "B(", "t");
    e.tail(2, 6, ")B", "t");
    e.head(0, 1, "C(", "t"); // a shorter construct starting at the same position
    e.tail(0, 1, ")C", "t");
    expect(e.apply().toString()).toBe("A(C(f)C(B(g(x))B))A");
  });

  it("puts a closer before an opener at the same position", () => {
    const e = new EditSet("a.ts", "ab");
    e.head(1, 2, "[", "t");
    e.tail(0, 1, "]", "t");
    expect(e.apply().toString()).toBe("a][b");
  });

  it("keeps insertions at the boundaries of a replacement", () => {
    const e = new EditSet("a.ts", "sleep(1)");
    e.replace(0, 5, "ctx.wait", "t");
    e.head(0, 8, "await ", "t");
    e.tail(0, 8, ";", "t");
    expect(e.apply().toString()).toBe("await ctx.wait(1);");
  });

  it("throws an internal error (DUR9001) on overlapping replacements", () => {
    const e = new EditSet("a.ts", "abcdef");
    e.replace(0, 3, "x", "first");
    e.replace(2, 4, "y", "second");
    expect(() => e.apply()).toThrow(InternalCompilerError);
    expect(() => e.apply()).toThrow(/overlapping edits in a\.ts: \[0,3\) by first and \[2,4\) by second/);
    try {
      e.apply();
    } catch (error) {
      expect((error as InternalCompilerError).code).toBe("DUR9001");
    }
  });

  it("throws on an insertion strictly inside a replacement", () => {
    const e = new EditSet("a.ts", "abcdef");
    e.replace(1, 5, "x", "first");
    e.insert(3, "y", "second");
    expect(() => e.apply()).toThrow(/insertion at 3 by second inside \[1,5\) by first/);
  });

  it("maps edited text back onto the original span", () => {
    const e = new EditSet("a.ts", "const a = Date.now();\n");
    e.head(10, 20, "await step(() => ", "t");
    e.tail(10, 20, ")", "t");
    const map = e.apply().generateDecodedMap({ hires: true });
    // "Date" now starts at column 27 of line 0 and must map to column 10.
    const seg = map.mappings[0]!.find((s) => s[0] === 27);
    expect(seg?.slice(2, 4)).toEqual([0, 10]);
  });
});
