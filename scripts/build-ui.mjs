// Builds the dev UI (ui/) into dist/ui/: one bundled, dependency-free script, its stylesheet and
// index.html. Type-checks the UI first (the package's own tsconfig has no DOM types).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "ui");
mkdirSync(out, { recursive: true });

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", join(root, "ui", "tsconfig.json")], { stdio: "inherit" });

await build({
  entryPoints: [join(root, "ui", "src", "main.ts")],
  outfile: join(out, "app.js"),
  bundle: true,
  format: "esm",
  target: "es2022",
  platform: "browser",
  sourcemap: true,
  minify: true,
  logLevel: "warning",
});
copyFileSync(join(root, "ui", "index.html"), join(out, "index.html"));
copyFileSync(join(root, "ui", "app.css"), join(out, "app.css"));
console.log(`durablec: built the dev UI into ${out}`);
