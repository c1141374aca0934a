// Bundles the compiler's command line (dist/compiler/cli/main.js and the compiler modules it
// loads) into one module, dist/compiler-cli.js, which bin/durablec.js runs for `build`, `check`
// and `transform`: Node loads one module instead of about sixty, ~30 ms of every build's start-up.
// Packages stay external, and so does the runtime's command table (dist/runtime/...), which the
// runtime's own commands load from dist/ as before.
import { build } from "esbuild";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const outfile = join(dist, "compiler-cli.js");

/** Imports of dist/runtime/… stay imports, relative to the bundle. */
const runtimeExternal = {
  name: "runtime-external",
  setup(b) {
    b.onResolve({ filter: /runtime\// }, (args) => {
      const target = resolve(args.resolveDir, args.path);
      if (!target.startsWith(join(dist, "runtime"))) return undefined;
      return { path: `./${relative(dirname(outfile), target).split("\\").join("/")}`, external: true };
    });
  },
};

await build({
  entryPoints: [join(dist, "compiler", "cli", "main.js")],
  outfile,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  plugins: [runtimeExternal],
  logLevel: "warning",
});
console.log(`durablec: bundled the compiler's command line into ${outfile}`);
