import { existsSync, readFileSync, watch, type FSWatcher } from "node:fs";
import { register } from "node:module";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { defaultUiDir, startServer, type BuildStatus, type ProjectInfo, type SourceEntry, type SourceOperation } from "../server/index.js";
import type { DurableHandler, PlainFunction } from "../service/runtime.js";
import { createLogger, progressLogger, type LogFormat } from "../worker/log.js";
import { attachEventSchemas, HandlerLoadError, isDurableHandler, loadHandlerModules, parseModuleSpec, registerLoaded, type LoadedModules } from "../worker/load-handlers.js";
import { enableErrorStackCapture } from "../service/error-stacks.js";
import { serveUntilSignal } from "./worker.js";
import { DEFAULT_DB, EXIT, UsageError, dbPath, guard, intOption, logFormatOption, portOption, openRuntime, parse, type CommandIO } from "./common.js";

export const DEV_HELP = `Usage: durablec dev [<module>[#export]...] [-p tsconfig.json] [--port <n>] [--db <file>] [options]

Runs a worker, the HTTP API and the web UI in one process on 127.0.0.1, for local development:
open the printed URL to watch executions as timelines, see the source line of each operation,
start executions, complete callbacks and stop executions (see docs/dev-ui.md).

With -p (or with no module and a tsconfig.json in the current directory) it compiles the project
first, runs the handlers of its entries, and rebuilds and reloads them when a source file changes.
With modules (compiled .js/.mjs) it runs their handlers and reloads them when they change; the
source lines come from a durable.manifest.json next to a module or in a folder above it.

Options:
  -p, --project <file>   tsconfig.json of a "use durable" project to build and watch.
  --port <n>             Port (default 7070; 0 picks a free one, printed in the first line).
  --db <file>            Database file (default ${DEFAULT_DB}; :memory: keeps nothing).
  --concurrency <n>      Executions driven at once (default 8).
  --poll-ms <n>          Longest sleep between looks at the database (default 200).
  --no-watch             Do not rebuild or reload on changes.
  --log <json|pretty>    Log line format on stdout (default pretty).
  -h, --help             Show this help.

Exit codes: 0 stopped by a signal, 1 the port is taken or the first build failed, 2 usage error.`;

export async function runDev(argv: string[], io: CommandIO): Promise<number> {
  return guard("dev", io, async () => {
    const { values, positionals } = parse(argv, {
      project: { type: "string", short: "p" },
      port: { type: "string" },
      db: { type: "string" },
      concurrency: { type: "string" },
      "poll-ms": { type: "string" },
      "no-watch": { type: "boolean" },
      log: { type: "string" },
    });
    if (values.help) return (io.out(DEV_HELP), EXIT.OK);
    const format: LogFormat = logFormatOption(values.log, "pretty");
    const port = portOption(values.port);
    const options = {
      concurrency: intOption(values.concurrency, "concurrency", 1, 8),
      pollMs: intOption(values["poll-ms"], "poll-ms", 1, 200),
      graceMs: 2000,
    };
    const uiDir = defaultUiDir();
    if (!uiDir) throw new UsageError("The web UI is not built: run npm run build in the durablec package.");

    let tsconfig = values.project === undefined ? undefined : resolve(io.cwd, values.project);
    if (tsconfig === undefined && positionals.length === 0 && existsSync(join(io.cwd, "tsconfig.json"))) tsconfig = join(io.cwd, "tsconfig.json");
    if (tsconfig !== undefined && !existsSync(tsconfig)) throw new UsageError(`Cannot find ${values.project ?? tsconfig}.`);
    if (tsconfig === undefined && positionals.length === 0) {
      throw new UsageError("Name compiled modules (durablec dev dist/flows.js) or a project (durablec dev -p tsconfig.json).");
    }
    const root = tsconfig ? dirname(tsconfig) : io.cwd;
    const logger = createLogger(format, (l) => io.out(l.replace(/\n$/, "")));

    // ---- build (project mode) and handler loading ----------------------------------------------
    let entries: Record<string, SourceEntry> = {};
    let specs = positionals;
    let outDir: string | undefined;
    let buildStatus: BuildStatus | undefined;
    // Kept between builds, as `durablec build --watch` does: only the changed files are read again.
    let tsProject: import("ts-morph").Project | undefined;
    const changed = new Set<string>();
    const build = async (): Promise<boolean> => {
      if (!tsconfig) return true;
      const { compile, formatDiagnostics, hasErrors } = await import("../../compiler/index.js");
      const t0 = Date.now();
      if (tsProject) {
        for (const file of changed) {
          const sf = tsProject.getSourceFile(file);
          if (sf && existsSync(file)) sf.refreshFromFileSystemSync();
          else if (sf) tsProject.removeSourceFile(sf);
          else if (existsSync(file) && /\.(m|c)?tsx?$/.test(file)) tsProject.addSourceFileAtPath(file);
        }
        if ([...changed].some((f) => f.endsWith(".json"))) tsProject = undefined; // tsconfig or durable.config.json
      }
      changed.clear();
      const result = compile({ tsconfig, write: true, ...(tsProject ? { project: tsProject, baseDir: root } : {}) });
      tsProject = result.project;
      const text = result.diagnostics.length ? formatDiagnostics(result.diagnostics, { cwd: root }) : undefined;
      if (text) io.err(text);
      buildStatus = { ok: !hasErrors(result.diagnostics), time: new Date().toISOString(), ...(text ? { diagnostics: text } : {}) };
      if (hasErrors(result.diagnostics)) {
        logger.log("error", "build-failed", { errors: result.diagnostics.filter((d) => d.category === "error").length });
        return false;
      }
      entries = rebase(result.manifest.entries as Record<string, SourceEntry>, result.rootDir, root);
      outDir = result.outDir;
      if (positionals.length === 0) specs = entryModules(result.manifest.entries, [...result.outputs.keys()], result.outDir ?? root);
      logger.log("info", "build-finished", { ms: Date.now() - t0, entries: Object.keys(entries) });
      return true;
    };
    if (!(await build())) return EXIT.FAILED;
    if (specs.length === 0) throw new UsageError(`The project ${relative(io.cwd, tsconfig!) || tsconfig} has no "use durable" entry to run.`);
    // The first load reports a bad module as a usage error; later reloads log and keep the old handlers.
    const first = await loadHandlerModules(specs, io.cwd);
    if (!tsconfig) entries = findManifestEntries(first.handlers.map((h) => h.module), root);

    const rt = openRuntime(values.db, io.cwd, { concurrency: options.concurrency, onProgress: (e) => onProgress(e) });
    const onProgress = progressLogger(logger, (arn) => rt.operations(arn));
    registerLoaded(rt, first);

    let version = 0;
    registerFreshImports(tsconfig ? root : io.cwd);
    const reload = async (why: string, files: readonly string[]) => {
      for (const f of files) changed.add(f);
      if (tsconfig && !(await build())) return;
      try {
        const loaded = await importFresh(specs, io.cwd, ++version);
        registerLoaded(rt, loaded);
        if (!tsconfig) entries = findManifestEntries(loaded.handlers.map((h) => h.module), root);
        logger.log("info", "handlers-reloaded", { why, functions: loaded.handlers.map((h) => h.functionName) });
      } catch (e) {
        logger.log("error", "reload-failed", { why, error: (e as Error).message });
      }
    };

    const project: ProjectInfo = { root, entries: () => entries, build: () => buildStatus };
    let poke = () => {};
    let server;
    try {
      server = await startServer({
        runtime: rt,
        port,
        uiDir,
        project,
        onChange: () => poke(),
        onRequest: (r) => {
          if (r.status >= 400) logger.log(r.status >= 500 ? "error" : "warn", "http-request", r);
        },
      });
    } catch (e) {
      await rt.close();
      io.err(`durablec dev: cannot listen on 127.0.0.1:${port}: ${(e as Error).message}`);
      return EXIT.FAILED;
    }
    // The build's own output (a .d.ts, the manifest) must not trigger the next build.
    const isOutput = (file: string) =>
      outDir !== undefined && !relative(outDir, file).startsWith("..") && (resolve(outDir) !== resolve(root) || /\.d\.[mc]?ts$|durable\.manifest\.json$/.test(file));
    const dirs = tsconfig ? [root] : specs.map((s) => dirname(resolve(io.cwd, parseModuleSpec(s).path)));
    const watchers = values["no-watch"] ? [] : watchSources(dirs, !!tsconfig, isOutput, reload);
    return serveUntilSignal(
      rt,
      options,
      logger,
      async () => {
        for (const w of watchers) w.close();
        await server.close();
      },
      (worker) => {
        poke = () => worker.poke();
        // Announced once Ctrl-C is handled: whoever reads this line may stop the process at once.
        io.out(`durablec dev: UI and API on ${server.url}/ (functions: ${rt.functionNames.join(", ")}; db: ${dbPath(values.db, io.cwd)})`);
      },
    );
  });
}

const FRESH = "durablec-dev";

/**
 * ESM caches modules by URL and has no way to forget one. A reloaded entry is imported as
 * `entry.js?durablec-dev=N`; this resolve hook gives every module it imports from under `root`
 * (not node_modules) the same suffix, so an edited helper is loaded again along with its entry.
 */
function registerFreshImports(root: string): void {
  const rootUrl = pathToFileURL(root.endsWith(sep) ? root : root + sep).href;
  const hooks = `const ROOT = ${JSON.stringify(rootUrl)};
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const v = context.parentURL && /[?&]${FRESH}=([0-9]+)/.exec(context.parentURL);
  if (v && r.url.startsWith(ROOT) && !r.url.includes("/node_modules/") && !r.url.includes("?")) return { ...r, url: r.url + "?${FRESH}=" + v[1] };
  return r;
}`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}

/** Re-imports handler modules under a new URL (ESM caches by URL), so edited code is what runs next. */
async function importFresh(specs: readonly string[], cwd: string, version: number): Promise<LoadedModules> {
  const out: LoadedModules = { handlers: [], functions: [] };
  enableErrorStackCapture();
  for (const spec of specs) {
    const { path, exportName } = parseModuleSpec(spec);
    const file = resolve(cwd, path);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(`${pathToFileURL(file).href}?${FRESH}=${version}`)) as Record<string, unknown>;
    } catch (e) {
      throw new HandlerLoadError(`Cannot load ${path}: ${(e as Error).message}`);
    }
    const nameOf = (exp: string) => (exp === "default" ? basename(file, extname(file)) : exp);
    for (const [exp, value] of Object.entries(mod)) {
      if (exportName !== undefined ? exp === exportName && typeof value === "function" : isDurableHandler(value)) {
        out.handlers.push({ functionName: nameOf(exp), exportName: exp, handler: value as DurableHandler, module: file });
      } else if (typeof value === "function") out.functions.push({ functionName: nameOf(exp), fn: value as PlainFunction });
    }
  }
  attachEventSchemas(out.handlers);
  return out;
}

/** Debounced watchers: a burst of writes (an editor's save, a build) causes one reload. */
function watchSources(dirs: readonly string[], recursive: boolean, ignore: (file: string) => boolean, reload: (why: string, files: string[]) => Promise<void>): FSWatcher[] {
  let timer: NodeJS.Timeout | undefined;
  let files: string[] = [];
  let running = Promise.resolve();
  const relevant = recursive ? /\.(ts|tsx|mts|cts|json)$/ : /\.(js|mjs|cjs|json)$/;
  return [...new Set(dirs)].map((dir) =>
    watch(dir, { recursive }, (_event, name) => {
      if (!name || /node_modules|(^|[\\/])\./.test(name) || !relevant.test(name) || ignore(join(dir, name))) return;
      files.push(join(dir, name));
      clearTimeout(timer);
      timer = setTimeout(() => {
        const batch = files;
        files = [];
        running = running.then(() => reload(`${name} changed`, batch));
      }, 100);
    }),
  );
}

/** Manifest file paths are relative to the compiled project's root; the server's are relative to `root`. */
function rebase(entries: Record<string, SourceEntry>, from: string, root: string): Record<string, SourceEntry> {
  if (resolve(from) === resolve(root)) return entries;
  const fix = (f: string) => relative(root, resolve(from, f)).split("\\").join("/");
  const op = (o: SourceOperation): SourceOperation => ({ ...o, file: fix(o.file), ...(o.children ? { children: o.children.map(op) } : {}) });
  return Object.fromEntries(Object.entries(entries).map(([k, e]) => [k, { ...e, file: fix(e.file), operations: e.operations.map(op) }]));
}

/** The emitted modules of a project's entries: `src/a.ts` → `<outDir>/…/a.js`, the longest matching path. */
function entryModules(entries: Record<string, { file: string }>, outputs: readonly string[], outDir: string): string[] {
  const js = outputs.filter((f) => f.endsWith(".js")).map((f) => ({ abs: f, rel: relative(outDir, f).split("\\").join("/") }));
  const out = new Set<string>();
  for (const e of Object.values(entries)) {
    const want = e.file.replace(/\.(m|c)?tsx?$/, ".js");
    const match = js.filter((j) => want === j.rel || want.endsWith("/" + j.rel)).sort((a, b) => b.rel.length - a.rel.length)[0];
    if (match) out.add(match.abs);
  }
  return [...out];
}

/**
 * The manifest entries of hand-loaded modules: the nearest durable.manifest.json at or above each
 * module's folder. A manifest's paths are relative to the project root it was compiled from, which
 * is the manifest's folder or one above it: the first under which the entry's file exists.
 */
function findManifestEntries(modules: readonly string[], root: string): Record<string, SourceEntry> {
  const out: Record<string, SourceEntry> = {};
  const seen = new Set<string>();
  for (const m of modules) {
    for (let dir = dirname(m); ; dir = dirname(dir)) {
      const file = join(dir, "durable.manifest.json");
      if (existsSync(file)) {
        if (!seen.has(file)) {
          seen.add(file);
          try {
            const manifest = JSON.parse(readFileSync(file, "utf8")) as { entries?: Record<string, SourceEntry> };
            for (const [name, entry] of Object.entries(manifest.entries ?? {})) {
              let base = dir;
              for (let b = dir; ; b = dirname(b)) {
                if (existsSync(resolve(b, entry.file))) {
                  base = b;
                  break;
                }
                if (dirname(b) === b) break;
              }
              Object.assign(out, rebase({ [name]: entry }, base, root));
            }
          } catch {
            /* an unreadable manifest only costs the source lines */
          }
        }
        break;
      }
      if (dirname(dir) === dir || dir === root) break;
    }
  }
  return out;
}

