/**
 * `inlineSourceMap`: source maps moved into their JavaScript files on the way to the writer and
 * into the outputs compile() returns (compiler/emit/inline-source-maps.ts). cli.test.ts builds a
 * project with the option and runs it.
 */
import { describe, expect, it } from "vitest";
import { InlineSourceMapWriter, inlineSourceMaps, withInlineMap } from "../../compiler/emit/inline-source-maps.js";

const MAP = JSON.stringify({ version: 3, file: "a.js", sources: ["../src/a.ts"], names: [], mappings: "AAAA" });
const URL = `//# sourceMappingURL=data:application/json;base64,${Buffer.from(MAP).toString("base64")}`;

describe("inline source maps", () => {
  it("replaces the comment naming the map file with the map's data URL, or adds one", () => {
    expect(withInlineMap("const a = 1;\n//# sourceMappingURL=a.js.map", MAP)).toBe(`const a = 1;\n${URL}`);
    expect(withInlineMap("const a = 1;\n//# sourceMappingURL=a.js.map\n", MAP)).toBe(`const a = 1;\n${URL}`);
    expect(withInlineMap("const a = 1;", MAP)).toBe(`const a = 1;\n${URL}`);
  });

  it("moves each JavaScript map into its file and keeps declaration maps and other outputs", () => {
    const outputs = new Map([
      ["/o/a.js", "const a = 1;\n//# sourceMappingURL=a.js.map"],
      ["/o/a.js.map", MAP],
      ["/o/a.d.ts", "export declare const a = 1;\n//# sourceMappingURL=a.d.ts.map"],
      ["/o/a.d.ts.map", "{}"],
      ["/o/b.mjs.map", MAP],
      ["/o/b.mjs", "export {};\n//# sourceMappingURL=b.mjs.map"],
      ["/o/durable.manifest.json", "{}"],
    ]);
    expect(inlineSourceMaps(outputs)).toEqual(
      new Map([
        ["/o/a.js", `const a = 1;\n${URL}`],
        ["/o/a.d.ts", "export declare const a = 1;\n//# sourceMappingURL=a.d.ts.map"],
        ["/o/a.d.ts.map", "{}"],
        ["/o/b.mjs", `export {};\n${URL}`],
        ["/o/durable.manifest.json", "{}"],
      ]),
    );
  });

  it("writes a JavaScript file once its map has come, in either order; the last pair of a file wins", () => {
    const written: [string, string][] = [];
    const sink = new InlineSourceMapWriter((file, text) => written.push([file, text]));
    sink.write("/o/a.js", "1;\n//# sourceMappingURL=a.js.map");
    sink.write("/o/a.d.ts", "declare const a: 1;");
    expect(written).toEqual([["/o/a.d.ts", "declare const a: 1;"]]);
    sink.write("/o/a.js.map", MAP);
    sink.write("/o/b.js.map", MAP);
    sink.write("/o/b.js", "2;\n//# sourceMappingURL=b.js.map");
    sink.write("/o/a.js.map", MAP);
    sink.write("/o/a.js", "3;\n//# sourceMappingURL=a.js.map");
    expect(written.slice(1)).toEqual([
      ["/o/a.js", `1;\n${URL}`],
      ["/o/b.js", `2;\n${URL}`],
      ["/o/a.js", `3;\n${URL}`],
    ]);
  });

  it("passes on a JavaScript file whose map never came when flushed, and forgets a lone map", () => {
    const written: [string, string][] = [];
    const sink = new InlineSourceMapWriter((file, text) => written.push([file, text]));
    sink.write("/o/a.js", "1;");
    sink.write("/o/c.js.map", MAP);
    sink.flush();
    expect(written).toEqual([["/o/a.js", "1;"]]);
    sink.flush();
    expect(written).toHaveLength(1);
  });
});
