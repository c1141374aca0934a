#!/usr/bin/env node
// The durablec command: a launcher for the compiled CLI (run `npm run build` first in a checkout).
import module from "node:module";
import os from "node:os";
import path from "node:path";

/** The commands that load the compiler and no user code (the compiler's CLI dispatch table). */
const COMPILER_COMMANDS = new Set(["build", "check", "transform"]);

/**
 * Node 20 has no compile cache: bin/code-cache.cjs keeps V8's code of the packages the compiler
 * loads (ts-morph and TypeScript) in the OS temp dir, for the compiler's commands (the runtime's
 * load user code, which must not end up in a cache). `DURABLEC_CODE_CACHE_DIR` moves it,
 * `DURABLEC_CODE_CACHE=0` turns it off.
 */
function cacheCompiledPackages() {
  if (process.env.DURABLEC_CODE_CACHE === "0") return;
  const uid = typeof process.getuid === "function" ? process.getuid() : "user";
  const dir = process.env.DURABLEC_CODE_CACHE_DIR ?? path.join(os.tmpdir(), `durablec-code-cache-${uid}`, `${process.version}-${process.arch}`);
  module.createRequire(import.meta.url)("./code-cache.cjs").installCodeCache(dir);
}

// Node 22+ keeps V8's compiled code of the compiler (TypeScript alone is 9 MB of JavaScript)
// between runs, as tsc does.
const compilerCommand = COMPILER_COMMANDS.has(process.argv[2]);
if (module.enableCompileCache) module.enableCompileCache();
else if (compilerCommand) cacheCompiledPackages();
// The compiler's commands run the bundled command line (scripts/bundle-cli.mjs): one module to load.
const { main } = await import(compilerCommand ? "../dist/compiler-cli.js" : "../dist/compiler/cli/main.js");

const code = await main(process.argv.slice(2));
// A compiler command is done when main returns (--watch never does): exit now instead of waiting
// ~50 ms for the writer and transpiler threads and esbuild's service to wind down, unless output
// is still queued for a pipe that has not taken it yet.
if (compilerCommand && process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
process.exitCode = code;
