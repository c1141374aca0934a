import * as fs from "node:fs";
import * as path from "node:path";
import type { Project } from "../project/ts-morph.js";
import { BuildCache, compile, formatDiagnostics, refreshProject } from "../index.js";
import { formatTimings } from "../timings.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { parseArgs, UsageError } from "./args.js";
import { buildBundles } from "../bundle/build-bundles-command.js";
import type { Command } from "./main.js";

const HELP = `Usage: durablec build [-p tsconfig.json] [--outDir dir] [--watch] [--pretty] [--verify] [--timings]
       durablec build --bundle [-p tsconfig.json] [--outDir dir] [--execution-timeout s] [--retention-days n]

Compiles "use durable" functions into withDurableExecution handlers and emits the whole
project (JavaScript in each file's module format, .js.map chained to your sources, .d.ts)
plus durable.manifest.json.
Nothing is written when there is an error.

Options:
  -p, --project <file>  tsconfig.json to build (default: ./tsconfig.json)
  --outDir <dir>        output directory (default: the tsconfig's outDir)
  --watch               rebuild when a source file changes
  --pretty              show a code frame under each diagnostic
  --verify              also type-check the compiled code against the SDK's types
                        (slower; a failure is a durablec bug, reported as DUR9002)
  --timings             print where the build spent its time (load, check, analysis,
                        emit, write)
  --bundle              instead: one self-contained ESM bundle per entry for AWS Lambda
                        (<outDir>/<entry>/index.mjs + .map, default outDir dist/lambda), the
                        manifest, and an AWS SAM template.yaml (see docs/deploying.md)
  --execution-timeout <s>  with --bundle: DurableConfig.ExecutionTimeout (default 86400)
  --retention-days <n>  with --bundle: DurableConfig.RetentionPeriodInDays (default 14)
  -h, --help            show this help

Exit codes: 0 built, 1 diagnostics with errors, 2 usage or configuration error.`;

export const build: Command = {
  summary: "compile durable functions and emit the project",
  help: HELP,
  run(argv, io) {
    const args = parseArgs(argv, {
      options: {
        project: { value: true, alias: "p" },
        outDir: { value: true },
        watch: { value: false },
        pretty: { value: false },
        verify: { value: false },
        timings: { value: false },
        bundle: { value: false },
        "execution-timeout": { value: true },
        "retention-days": { value: true },
        help: { value: false, alias: "h" },
      },
    });
    if (args.flags.has("help")) {
      io.out(HELP);
      return 0;
    }
    const tsconfig = path.resolve(io.cwd, (args.flags.get("project") as string | undefined) ?? "tsconfig.json");
    const outDir = args.flags.get("outDir") as string | undefined;
    const pretty = args.flags.has("pretty");
    if (args.flags.has("bundle")) {
      if (args.flags.has("watch")) throw new UsageError("--bundle does not watch; use the esbuild plugin (durablec/esbuild) with esbuild's watch mode.");
      return buildBundles(io, tsconfig, outDir, pretty, args.flags);
    }
    // Watch mode keeps the ts-morph Project between builds: unchanged files are not parsed again.
    const watching = args.flags.has("watch");
    let project: Project | undefined;
    let cache = new BuildCache();
    const changed = new Set<string>();
    const once = () => {
      const started = performance.now();
      if (project) {
        // tsconfig.json or durable.config.json: start over.
        if ([...changed].some((f) => f.endsWith(".json"))) project = undefined;
        else refreshProject(project, changed);
        changed.clear();
      }
      if (!project) cache = new BuildCache();
      const result = compile({ tsconfig, ...(project ? { project, baseDir: path.dirname(tsconfig) } : {}), ...(watching ? { cache } : {}), ...(outDir ? { outDir: path.resolve(io.cwd, outDir) } : {}), ...(args.flags.has("verify") ? { verifyOutput: true } : {}), write: true });
      if (watching) project = result.project;
      if (args.flags.has("timings")) io.out(formatTimings(result.timings));
      if (result.diagnostics.length) io.err(formatDiagnostics(result.diagnostics, { cwd: io.cwd, pretty }));
      const configError = result.diagnostics.some((d) => d.code.startsWith("DUR5") && d.category === "error");
      if (configError) return 2;
      if (hasErrors(result.diagnostics)) return 1;
      const emitted = [...result.outputs.keys()].filter((f) => f.endsWith(".js")).length;
      io.out(`durablec: built ${emitted} module(s), ${Object.keys(result.manifest.entries).length} entry(ies) into ${path.relative(io.cwd, result.outDir ?? ".") || "."} in ${Math.round(performance.now() - started)} ms`);
      return 0;
    };
    const code = once();
    if (!watching) return code;
    return new Promise<number>(() => {
      // One non-recursive watcher per directory holding project sources (plus the tsconfig's):
      // ready as soon as it is created, and never walks node_modules or the output directory.
      const root = path.dirname(tsconfig);
      const outRoot = path.resolve(io.cwd, outDir ?? project?.getCompilerOptions().outDir ?? path.join(root, "dist"));
      const dirs = new Set([root, ...(project ? project.getSourceFiles().filter((f) => !f.isInNodeModules() && !f.isDeclarationFile()).map((f) => path.dirname(f.getFilePath())) : [])]);
      let timer: NodeJS.Timeout | undefined;
      for (const dir of dirs) {
        if (dir.startsWith(outRoot + path.sep) || !fs.existsSync(dir)) continue;
        fs.watch(dir, (_event, name) => {
          if (!name || !/\.(ts|tsx|mts|cts|json)$/.test(name) || /\.d\.[cm]?ts$/.test(name)) return;
          const file = path.resolve(dir, name);
          changed.add(file);
          clearTimeout(timer);
          timer = setTimeout(() => {
            io.out(`durablec: ${path.relative(io.cwd, file)} changed, rebuilding`);
            once();
          }, 50);
        });
      }
      io.out("durablec: watching for changes");
    });
  },
};
