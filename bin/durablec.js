#!/usr/bin/env node
// The durablec command: a launcher for the compiled CLI (run `npm run build` first in a checkout).
import module from "node:module";
import { fileURLToPath } from "node:url";

/** The commands that load the compiler and no user code (the compiler's CLI dispatch table). */
const COMPILER_COMMANDS = new Set(["build", "check", "transform"]);

/**
 * Node 20 has no compile cache: v8-compile-cache keeps V8's code of the CommonJS modules it
 * compiles (ts-morph and TypeScript) in the OS temp dir. It compiles modules without support for
 * `import()`, so only the compiler's commands use it: the runtime's commands load user code. It
 * names its cache after the working directory when it loads, so it loads in durablec's own
 * directory: every project shares one cache (8 MB). A cache it cannot load or save only costs the
 * time it saves: its save on exit must not change the exit code.
 */
function cacheCompiledCommonJs() {
  const exitListeners = new Set(process.listeners("exit"));
  const cwd = process.cwd();
  try {
    process.chdir(fileURLToPath(new URL("..", import.meta.url)));
    module.createRequire(import.meta.url)("v8-compile-cache");
  } catch {
    return;
  } finally {
    process.chdir(cwd);
  }
  for (const save of process.listeners("exit").filter((l) => !exitListeners.has(l))) {
    process.removeListener("exit", save);
    process.once("exit", (code) => {
      try {
        save(code);
      } catch {
        // The next run compiles again.
      }
    });
  }
}

// Node 22+ keeps V8's compiled code of the compiler (TypeScript alone is 9 MB of JavaScript)
// between runs, as tsc does.
if (module.enableCompileCache) module.enableCompileCache();
else if (COMPILER_COMMANDS.has(process.argv[2])) cacheCompiledCommonJs();
const { main } = await import("../dist/compiler/cli/main.js");

process.exitCode = await main(process.argv.slice(2));
