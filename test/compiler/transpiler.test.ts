/** esbuild on a worker thread: jobs run while the caller goes on, and are collected synchronously. */
import { afterAll, describe, expect, it } from "vitest";
import { Transpiler, type TranspileOptions } from "../../compiler/emit/transpiler.js";

const OPTIONS: TranspileOptions = { target: "es2022", sourcemap: true, sourcesContent: false, tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } } };
const transpiler = new Transpiler();
afterAll(() => transpiler.close());

describe("Transpiler", () => {
  it("turns each file into JavaScript with a source map naming the given source", () => {
    const job = transpiler.transpile(
      [
        { fileName: "/p/src/a.ts", text: "export const a: number = 1;\n", sourcefile: "../src/a.ts" },
        { fileName: "/p/src/b.ts", text: 'import type { X } from "./x.js";\nexport function b(x: X): X {\n  return x;\n}\n', sourcefile: "../src/b.ts" },
      ],
      OPTIONS,
    );
    expect([...job.files]).toEqual(["/p/src/a.ts", "/p/src/b.ts"]);
    const results = job.results()!;
    expect(results.get("/p/src/a.ts")).toMatchObject({ code: "const a = 1;\nexport {\n  a\n};\n" });
    expect(results.get("/p/src/b.ts")).toMatchObject({ code: "function b(x) {\n  return x;\n}\nexport {\n  b\n};\n" });
    expect(JSON.parse((results.get("/p/src/b.ts") as { map: string }).map).sources).toEqual(["../src/b.ts"]);
    // Collected once: later calls answer the same map without waiting.
    expect(job.results()).toBe(results);
  });

  it("answers a file esbuild refuses with its message, and the others normally", () => {
    const results = transpiler
      .transpile(
        [
          { fileName: "/p/bad.ts", text: "export const = ;\n", sourcefile: "bad.ts" },
          { fileName: "/p/good.ts", text: "export const good = 1;\n", sourcefile: "good.ts" },
        ],
        OPTIONS,
      )
      .results()!;
    expect(results.get("/p/bad.ts")).toEqual({ error: expect.stringMatching(/Expected identifier/) });
    expect(results.get("/p/good.ts")).toMatchObject({ code: "const good = 1;\nexport {\n  good\n};\n" });
  });

  it("keeps the replies of jobs collected out of order", () => {
    const jobs = [1, 2, 3].map((n) => transpiler.transpile([{ fileName: `/p/${n}.ts`, text: `export const n${n} = ${n};\n`, sourcefile: `${n}.ts` }], OPTIONS));
    for (const n of [3, 1, 2]) expect(jobs[n - 1]!.results()!.get(`/p/${n}.ts`)).toMatchObject({ code: `const n${n} = ${n};\nexport {\n  n${n}\n};\n` });
  });

  it("answers nothing once closed (the compiler then emits with TypeScript), and an empty job at once", async () => {
    const closed = new Transpiler();
    await closed.close();
    expect(closed.usable).toBe(false);
    expect(closed.transpile([{ fileName: "/p/a.ts", text: "export {};\n", sourcefile: "a.ts" }], OPTIONS).results()).toBeUndefined();
    expect(closed.transpile([], OPTIONS).results()).toEqual(new Map());
  });

  it("drops the reply of a job nobody will collect, whenever it arrives", () => {
    const files = [{ fileName: "/p/a.ts", text: "export const a = 1;\n", sourcefile: "a.ts" }];
    const early = transpiler.transpile(files, OPTIONS);
    early.abandon();
    expect(early.results()).toBeUndefined();
    const answered = transpiler.transpile(files, OPTIONS);
    answered.results();
    const late = transpiler.transpile(files, OPTIONS);
    while (!late.ready()) {
      // The reply arrives.
    }
    late.abandon();
    expect(late.results()).toBeUndefined();
    // Later jobs are answered as usual.
    expect(transpiler.transpile(files, OPTIONS).results()!.get("/p/a.ts")).toMatchObject({ code: "const a = 1;\nexport {\n  a\n};\n" });
  });
});
