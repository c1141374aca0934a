/**
 * `durablec/esbuild`: compiles "use durable" functions while esbuild bundles.
 *
 * @example
 * ```ts
 * import * as esbuild from "esbuild";
 * import durablec from "durablec/esbuild";
 * await esbuild.build({ entryPoints: ["src/order.ts"], bundle: true, platform: "node", format: "esm",
 *   sourcemap: true, outdir: "dist", plugins: [durablec()] });
 * ```
 *
 * Files whose text has no "use durable" are left to esbuild's own loader. Durable files are
 * analysed against one ts-morph Project shared by the whole build (and refreshed incrementally by
 * `context.rebuild()` and watch mode); their rewritten TypeScript goes back to esbuild with an
 * inline source map to the original, so esbuild's own maps chain to the user's lines.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Loader, OnLoadResult, PartialMessage, Plugin } from "esbuild";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { diagnosticMessage } from "../diagnostics/format.js";
import { MANIFEST_FILE } from "../emit/emit-project.js";
import type { Manifest } from "../emit/manifest.js";
import { inlineSourceMapComment } from "../emit/source-map.js";
import { CompileSession, mayHaveDurableCode } from "./transform-file.js";

export interface DurablecPluginOptions {
  /**
   * tsconfig.json for compiler options (default: `tsconfig.json` in esbuild's working directory,
   * if any; `false`: durablec's defaults, ES2022 + NodeNext + strict).
   */
  tsconfig?: string | false;
  /** Project root: manifest paths are relative to it and `durable.config.json` is read from it (default: the tsconfig's directory). */
  rootDir?: string;
  /** Report TypeScript's type errors in durable files as build errors (default true: the analysis relies on types). */
  typeCheck?: boolean;
  /**
   * Write `durable.manifest.json` (the entries of this build) into esbuild's `outdir`
   * (default true when `outdir` is set and `write` is not false).
   */
  manifest?: boolean;
  /** Called after each build with the merged manifest of the durable files it compiled. */
  onManifest?: (manifest: Manifest) => void;
}

const LOADERS: Record<string, Loader> = { ".ts": "ts", ".mts": "ts", ".cts": "ts", ".tsx": "tsx" };

/** The esbuild plugin. One instance keeps its compile session across `context.rebuild()` calls. */
export function durablec(options: DurablecPluginOptions = {}): Plugin {
  return {
    name: "durablec",
    setup(build) {
      const cwd = build.initialOptions.absWorkingDir ?? process.cwd();
      const tsconfig = options.tsconfig === false ? undefined : options.tsconfig ? path.resolve(cwd, options.tsconfig) : findTsconfig(cwd);
      const rootDir = path.resolve(cwd, options.rootDir ?? (tsconfig ? path.dirname(tsconfig) : cwd));
      let session: CompileSession | undefined;
      let manifest: Manifest = { version: 1, entries: {} };

      build.onStart(() => {
        manifest = { version: 1, entries: {} };
        if (session) session.refresh();
      });

      build.onLoad({ filter: /\.[cm]?tsx?$/ }, async (args): Promise<OnLoadResult | undefined> => {
        if (args.namespace !== "file" || args.path.includes(`${path.sep}node_modules${path.sep}`) || /\.d\.[cm]?ts$/.test(args.path)) return undefined;
        const text = await fs.promises.readFile(args.path, "utf8");
        if (!mayHaveDurableCode(text)) return undefined;
        session ??= new CompileSession({ rootDir, ...(tsconfig ? { tsconfig } : {}), ...(options.typeCheck !== undefined ? { typeCheck: options.typeCheck } : {}) });
        const t = session.transformFile(args.path, text);
        const errors: PartialMessage[] = [];
        const warnings: PartialMessage[] = [];
        for (const d of t.diagnostics) {
          if (d.category === "info") continue;
          // A diagnostic without a file (an internal error) is about the file being compiled.
          (d.category === "error" ? errors : warnings).push(toMessage(d.file ? d : { ...d, file: args.path, start: 0, length: 0 }, session));
        }
        for (const [key, entry] of Object.entries(t.manifest.entries)) {
          const taken = Object.prototype.hasOwnProperty.call(manifest.entries, key) && manifest.entries[key]!.file !== entry.file;
          manifest.entries[taken ? `${entry.file}#${entry.export}` : key] = entry;
        }
        const watchFiles = t.dependencies.filter((f) => f !== path.normalize(args.path));
        if (errors.length) return { errors, warnings, watchFiles };
        if (t.code === undefined) return warnings.length || watchFiles.length ? { contents: text, loader: LOADERS[path.extname(args.path)] ?? "ts", resolveDir: path.dirname(args.path), warnings, watchFiles } : undefined;
        return {
          contents: `${t.code}\n${inlineSourceMapComment(JSON.stringify(t.map!))}\n`,
          loader: LOADERS[path.extname(args.path)] ?? "ts",
          resolveDir: path.dirname(args.path),
          warnings,
          watchFiles,
        };
      });

      build.onEnd((result) => {
        if (result.errors.length) return;
        options.onManifest?.(manifest);
        const outdir = build.initialOptions.outdir;
        const write = options.manifest ?? (outdir !== undefined && build.initialOptions.write !== false);
        if (write && outdir && Object.keys(manifest.entries).length) {
          const dir = path.resolve(cwd, outdir);
          fs.mkdirSync(dir, { recursive: true });
          fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
        }
      });
    },
  };
}

export default durablec;

function findTsconfig(dir: string): string | undefined {
  const candidate = path.join(dir, "tsconfig.json");
  return fs.existsSync(candidate) ? candidate : undefined;
}

/**
 * A durablec diagnostic as an esbuild message: 1-based line, 0-based column and length in UTF-8
 * bytes (esbuild's units), the line's text; never line 0.
 */
export function toMessage(d: Diagnostic, session?: { project: { getSourceFile(f: string): { getFullText(): string } | undefined } }): PartialMessage {
  const text = `${d.code}: ${diagnosticMessage(d)}`;
  const notes = (d.related ?? []).map((r) => ({ text: diagnosticMessage(r), location: locationOf(r, session) ?? null }));
  return { id: d.code, text, location: locationOf(d, session) ?? null, notes };
}

function locationOf(d: Diagnostic, session?: { project: { getSourceFile(f: string): { getFullText(): string } | undefined } }): PartialMessage["location"] | undefined {
  if (!d.file) return undefined;
  let source = session?.project.getSourceFile(d.file)?.getFullText();
  if (source === undefined) {
    try {
      source = fs.readFileSync(d.file, "utf8");
    } catch {
      return { file: d.file };
    }
  }
  return byteLocation(d.file, source, d.start ?? 0, d.length ?? 0);
}

/** esbuild location of a UTF-16 span of `source`. */
export function byteLocation(file: string, source: string, start: number, length: number): NonNullable<PartialMessage["location"]> {
  const offset = Math.max(0, Math.min(start, source.length));
  const lineStart = source.lastIndexOf("\n", offset - 1) + 1;
  let lineEnd = source.indexOf("\n", offset);
  if (lineEnd < 0) lineEnd = source.length;
  let line = 1;
  for (let i = source.indexOf("\n"); i >= 0 && i < lineStart; i = source.indexOf("\n", i + 1)) line++;
  const lineText = source.slice(lineStart, lineEnd).replace(/\r$/, "");
  const column = Buffer.byteLength(source.slice(lineStart, offset), "utf8");
  const end = Math.min(offset + Math.max(0, length), lineEnd);
  return { file, namespace: "file", line, column, length: Buffer.byteLength(source.slice(offset, end), "utf8"), lineText };
}
