import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { decodeMappings, originalPositionFor } from "../../compiler/emit/source-map.js";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** This test process's temporary projects (removed by `removeTempProjects`). */
const TEMP = path.join(REPO, ".tmp", "esbuild-tests", `${process.pid}-${Math.random().toString(36).slice(2, 8)}`);

/**
 * A fresh directory under the repository's .tmp (so `durablec/*` and the SDK resolve from
 * node_modules). A test file that creates some calls `afterAll(removeTempProjects)`.
 */
export function tempProject(name: string, files: Record<string, string>): string {
  const dir = path.join(TEMP, `${name}-${Math.random().toString(36).slice(2, 8)}`);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [file, text] of Object.entries(files)) {
    const abs = path.join(dir, file);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, text);
  }
  return dir;
}

/** Removes every directory `tempProject` created in this test process. */
export function removeTempProjects(): void {
  fs.rmSync(TEMP, { recursive: true, force: true });
}

export const TSCONFIG = JSON.stringify({
  compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, lib: ["ES2023"], types: ["node"] },
  include: ["**/*.ts"],
});

export interface InlineMap {
  sources: string[];
  sourcesContent?: (string | null)[];
  mappings: string;
}

/** The inline source map of a bundle (the last `sourceMappingURL=data:` comment). */
export function inlineMapOf(js: string): InlineMap {
  const all = [...js.matchAll(/\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)/g)];
  const last = all.at(-1);
  if (!last) throw new Error("no inline source map");
  return JSON.parse(Buffer.from(last[1]!, "base64").toString("utf8")) as InlineMap;
}

/** Maps a 1-based line and column of the bundle to the original source (1-based line). */
export function originalOf(map: InlineMap, line: number, column: number): { source: string; line: number; column: number } | undefined {
  const pos = originalPositionFor(decodeMappings(map.mappings), line - 1, column - 1);
  if (!pos) return undefined;
  return { source: map.sources[pos.source]!, line: pos.line + 1, column: pos.column + 1 };
}

