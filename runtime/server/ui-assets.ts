import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
};

/**
 * The dev UI's static files, built by `npm run build` (scripts/build-ui.mjs) into `dist/ui/`.
 * Found next to the compiled server (`dist/runtime/server/` → `dist/ui/`), or from the sources
 * (`runtime/server/` → `dist/ui/`) when the server runs under tsx.
 */
export function defaultUiDir(): string | undefined {
  const candidates = [new URL("../../ui/", import.meta.url), new URL("../../dist/ui/", import.meta.url)].map((u) => fileURLToPath(u));
  return candidates.find((d) => existsSync(join(d, "index.html")) && existsSync(join(d, "app.js")));
}

export interface UiAsset {
  type: string;
  body: Buffer;
}

/**
 * Serves the UI's files: `/` is index.html, `/ui/<name>` one of the built files. Everything is
 * read once, at start: the directory is a build output and the set of files is fixed.
 */
export function loadUiAssets(dir: string): (path: string) => UiAsset | undefined {
  const files = new Map<string, UiAsset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { type, body: readFileSync(join(dir, name)) });
  }
  if (!files.has("index.html")) throw new Error(`The UI directory ${dir} has no index.html; run npm run build.`);
  return (path) => {
    if (path === "/" || path === "/index.html") return files.get("index.html");
    if (path.startsWith("/ui/")) return files.get(path.slice(4));
    return undefined;
  };
}
