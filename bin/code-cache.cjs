"use strict";
/**
 * V8's compiled code of the packages durablec's compiler loads (TypeScript alone is 9 MB of
 * JavaScript), kept between runs on Node versions without `module.enableCompileCache` (Node 20).
 *
 * Each CommonJS module under a `node_modules` directory is compiled with the code V8 produced for
 * it last time, if any. Code is produced only for a module that had none (or whose code V8
 * rejected: another V8, other flags), and after the command ran rather than when the module
 * loaded, so it holds every function the command compiled, not just the module's top level.
 * A run that finds everything in the cache writes nothing. (v8-compile-cache, which this
 * replaces, produced and rewrote its whole 8 MB cache on every run on current Node versions.)
 *
 * A cache entry is named after the module's path, size and modification time: an upgraded package
 * gets new entries. Modules keep their `import()`: they are compiled with Node's own loader for
 * dynamic imports. Any problem with the cache (unreadable, unwritable, corrupt) costs only the
 * time it would have saved.
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");

const PACKAGES = `${path.sep}node_modules${path.sep}`;

/** Compiles CommonJS packages with cached code from `dir` from now on. */
function installCodeCache(dir) {
  const compile = Module.prototype._compile;
  /** Scripts whose code to save on exit, with the cache file it goes to. */
  const produce = [];

  Module.prototype._compile = function compileWithCache(content, filename) {
    if (!filename.includes(PACKAGES)) return compile.call(this, content, filename);
    let file;
    try {
      const stat = fs.statSync(filename);
      file = path.join(dir, `${crypto.createHash("sha1").update(`${filename}\0${stat.size}\0${stat.mtimeMs}`).digest("hex")}.code`);
    } catch {
      return compile.call(this, content, filename);
    }
    let cachedData;
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      // Not cached yet.
    }
    const script = new vm.Script(Module.wrap(withoutShebang(content)), {
      filename,
      cachedData,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (!cachedData || script.cachedDataRejected) produce.push([script, file]);
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, path.dirname(filename));
  };

  process.once("exit", () => {
    for (const [script, file] of produce) {
      try {
        fs.mkdirSync(dir, { recursive: true });
        const temporary = `${file}.${process.pid}`;
        fs.writeFileSync(temporary, script.createCachedData());
        fs.renameSync(temporary, file);
      } catch {
        // The next run compiles again.
      }
    }
  });
}

/** The `require` a module's code receives (what Node builds for it). */
function requireFor(mod) {
  const require = (id) => mod.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/** The source without a `#!` line (Node strips it before compiling). */
function withoutShebang(content) {
  if (!content.startsWith("#!")) return content;
  const end = content.search(/\r?\n/);
  return end === -1 ? "" : content.slice(end);
}

module.exports = { installCodeCache };
