import { closeSync, openSync, readSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { z } from "zod";
import type { DurableRuntime } from "../service/runtime.js";
import { HttpError } from "./body.js";
import { validate, type Route } from "./routes.js";

/** One operation of `durable.manifest.json`, as the compiler writes it (paths relative to the project root). */
export interface SourceOperation {
  name: string;
  kind: string;
  callee?: string;
  origin?: string;
  options?: Record<string, unknown>;
  file: string;
  line: number;
  column: number;
  children?: SourceOperation[];
  recursive?: true;
}

/** A manifest entry: where a durable function is defined and the operations it runs. */
export interface SourceEntry {
  export?: string;
  file: string;
  line: number;
  column: number;
  operations: SourceOperation[];
}

/**
 * What the server knows about the project behind the registered handlers (`durablec dev` gives
 * it): the directory `GET /source` may read from, and the current manifest entries by function
 * name, with file paths relative to that directory.
 */
export interface ProjectInfo {
  root: string;
  entries(): Record<string, SourceEntry>;
  /** The outcome of the latest build, when the server builds the project (`durablec dev -p`). */
  build?(): BuildStatus | undefined;
}

/** The latest build of a watched project: the UI shows its errors until a build succeeds. */
export interface BuildStatus {
  ok: boolean;
  /** When it finished (ISO 8601). */
  time: string;
  /** The diagnostics as `durablec build` prints them (tsc's format), when there were any. */
  diagnostics?: string;
}

const SourceQuery = z.strictObject({
  file: z.string().min(1).max(1024),
  line: z.coerce.number().int().min(1),
  context: z.coerce.number().int().min(0).max(50).optional(),
});

/** The largest source file `GET /source` reads (generated bundles are not worth showing). */
export const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

/**
 * `GET /functions` (always) and `GET /source` (when the server knows a project): the routes the
 * dev UI needs beyond the execution API. Documented in docs/http-api.md and docs/dev-ui.md.
 */
export function projectRoutes(project?: ProjectInfo): Route[] {
  return [
    {
      method: "GET",
      pattern: ["functions"],
      bodyLimit: 0,
      handle(rt: DurableRuntime, req) {
        validate(z.strictObject({}), req.query, "query");
        const entries = project?.entries() ?? {};
        const functions = rt.functionNames.sort().map((name) => {
          const entry = entries[name];
          const eventSchema = rt.eventSchema(name);
          return {
            name,
            ...(entry ? { file: entry.file, line: entry.line, column: entry.column, operations: entry.operations } : {}),
            ...(eventSchema !== undefined ? { eventSchema } : {}),
          };
        });
        const build = project?.build?.();
        return { status: 200, body: { functions, ...(build ? { build } : {}) } };
      },
    },
    {
      method: "GET",
      pattern: ["source"],
      bodyLimit: 0,
      handle(_rt, req) {
        const q = validate(SourceQuery, req.query, "query");
        if (!project) throw new HttpError(404, "SOURCE_UNAVAILABLE", "This server knows no project directory; source lines are served by durablec dev.");
        return { status: 200, body: readSourceLines(project.root, q.file, q.line, q.context ?? 4) };
      },
    },
  ];
}

/**
 * Lines `line - context … line + context` of a file inside `root`. Paths that leave the root
 * (`..`, absolute paths, symbolic links pointing out) are refused with 403, so the UI cannot be
 * used to read arbitrary files of the machine.
 */
export function readSourceLines(root: string, file: string, line: number, context: number) {
  if (file.includes("\0")) throw new HttpError(400, "INVALID_INPUT", "Invalid query: file must not contain NUL.");
  const realRoot = realpathSync(root);
  const target = resolve(realRoot, file);
  const outside = (p: string) => {
    const rel = relative(realRoot, p);
    return rel === ".." || rel.startsWith(".." + sep) || isAbsolute(rel);
  };
  if (isAbsolute(file) || outside(target)) {
    throw new HttpError(403, "SOURCE_OUTSIDE_PROJECT", `${file} is outside the project directory; only files under it are served.`);
  }
  let real: string;
  try {
    real = realpathSync(target);
  } catch {
    throw new HttpError(404, "SOURCE_NOT_FOUND", `No file ${file} in the project directory.`);
  }
  if (outside(real)) throw new HttpError(403, "SOURCE_OUTSIDE_PROJECT", `${file} links outside the project directory; only files under it are served.`);
  const stat = statSync(real);
  if (!stat.isFile()) throw new HttpError(404, "SOURCE_NOT_FOUND", `${file} is not a file.`);
  if (stat.size > MAX_SOURCE_BYTES) throw new HttpError(413, "PAYLOAD_TOO_LARGE", `${file} is ${stat.size} bytes; source lines are served from files up to ${MAX_SOURCE_BYTES}.`);
  const buf = Buffer.alloc(stat.size);
  const fd = openSync(real, "r");
  try {
    readSync(fd, buf, 0, stat.size, 0);
  } finally {
    closeSync(fd);
  }
  const all = buf.toString("utf8").split(/\r?\n/);
  if (line > all.length) throw new HttpError(404, "SOURCE_NOT_FOUND", `${file} has ${all.length} lines; there is no line ${line}.`);
  const startLine = Math.max(1, line - context);
  const endLine = Math.min(all.length, line + context);
  return { file, line, startLine, lines: all.slice(startLine - 1, endLine) };
}
