#!/usr/bin/env node
// The durablec command: a launcher for the compiled CLI (run `npm run build` first in a checkout).
import module from "node:module";

// Node 22+ keeps V8's compiled code of the compiler (TypeScript alone is 9 MB of JavaScript)
// between runs, as tsc does; older versions have no compile cache.
module.enableCompileCache?.();
const { main } = await import("../dist/compiler/cli/main.js");

process.exitCode = await main(process.argv.slice(2));
