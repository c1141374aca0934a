import { existsSync } from "node:fs";
import { basename, dirname, extname, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { DurableHandler, DurableRuntime, PlainFunction } from "../service/runtime.js";
import { enableErrorStackCapture } from "../service/error-stacks.js";
import { findManifest } from "../versioning/explain-nondeterminism.js";

/** A handler found in a user module, registered under its export name. */
export interface LoadedHandler {
  functionName: string;
  exportName: string;
  module: string;
  handler: DurableHandler;
  /** The entry's `eventSchema` from the nearest durable.manifest.json, when it has one. */
  eventSchema?: unknown;
}

export interface LoadedModules {
  handlers: LoadedHandler[];
  /** Exported functions that are not durable handlers: targets for chained invokes. */
  functions: { functionName: string; fn: PlainFunction }[];
}

/** A module spec could not be loaded or names no handler. Surfaces report it as a usage error. */
export class HandlerLoadError extends Error {
  override readonly name = "HandlerLoadError";
  readonly code = "HANDLER_LOAD_FAILED";
}

/**
 * Whether a value is what `withDurableExecution(...)` returns: an async `(event, context)`
 * function. The SDK's wrapper is anonymous and validates the durable event first, which tells it
 * apart from an ordinary Lambda handler that happens to take two arguments.
 */
export function isDurableHandler(value: unknown): value is DurableHandler {
  if (typeof value !== "function") return false;
  if (value.length !== 2 || value.constructor?.name !== "AsyncFunction") return false;
  const source = Function.prototype.toString.call(value);
  return value.name === "" && /validateDurableExecutionEvent|DurableExecutionArn/.test(source);
}

/** Splits `path/to/module.js#export` into the module path and the optional export name. */
export function parseModuleSpec(spec: string): { path: string; exportName?: string } {
  const hash = spec.lastIndexOf("#");
  if (hash <= 0) return { path: spec };
  const exportName = spec.slice(hash + 1);
  return { path: spec.slice(0, hash), ...(exportName ? { exportName } : {}) };
}

/**
 * Imports compiled ESM modules and collects their durable handlers. Each export produced by
 * `withDurableExecution` becomes a function named after the export (`default` takes the file's
 * base name); `module.js#name` picks one export. Other exported functions become chained invoke
 * targets.
 *
 * @example
 * const { handlers } = await loadHandlerModules(["dist/checkout.js#checkout"]);
 * registerLoaded(runtime, await loadHandlerModules(["dist/flows.js"]));
 */
export async function loadHandlerModules(specs: readonly string[], cwd = process.cwd()): Promise<LoadedModules> {
  const out: LoadedModules = { handlers: [], functions: [] };
  if (specs.length === 0) throw new HandlerLoadError("No module given: name at least one compiled module, e.g. dist/flow.js.");
  enableErrorStackCapture();
  for (const spec of specs) {
    const { path, exportName } = parseModuleSpec(spec);
    const file = resolve(cwd, path);
    if (!existsSync(file)) throw new HandlerLoadError(`Cannot find module ${path} (looked for ${file}).`);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (e) {
      throw new HandlerLoadError(`Cannot load ${path}: ${(e as Error).message}`);
    }
    const nameOf = (exp: string) => (exp === "default" ? basename(file, extname(file)) : exp);
    if (exportName !== undefined) {
      if (!(exportName in mod)) {
        throw new HandlerLoadError(`${path} has no export named ${exportName} (exports: ${Object.keys(mod).sort().join(", ") || "none"}).`);
      }
      const value = mod[exportName];
      if (typeof value !== "function") {
        throw new HandlerLoadError(`${path}#${exportName} is not a function; export a withDurableExecution(...) handler.`);
      }
      out.handlers.push({ functionName: nameOf(exportName), exportName, module: file, handler: value as DurableHandler });
      continue;
    }
    const found: LoadedHandler[] = [];
    for (const [exp, value] of Object.entries(mod)) {
      if (isDurableHandler(value)) found.push({ functionName: nameOf(exp), exportName: exp, module: file, handler: value });
      else if (typeof value === "function") out.functions.push({ functionName: nameOf(exp), fn: value as PlainFunction });
    }
    if (found.length === 0) {
      throw new HandlerLoadError(
        `${path} does not export a durable handler: export withDurableExecution(async (event, context) => …) (exports: ${Object.keys(mod).sort().join(", ") || "none"}; in a minified bundle, name the export: ${path}#handler).`,
      );
    }
    out.handlers.push(...found);
  }
  attachEventSchemas(out.handlers);
  const seen = new Map<string, string>();
  for (const h of out.handlers) {
    const other = seen.get(h.functionName);
    if (other && other !== h.module) {
      throw new HandlerLoadError(`Two modules export a handler named ${h.functionName} (${other} and ${h.module}); pick one with module.js#export.`);
    }
    seen.set(h.functionName, h.module);
  }
  return out;
}

/** Registers what {@link loadHandlerModules} found on a runtime (with their event schemas: inputs are checked before a start). */
export function registerLoaded(runtime: DurableRuntime, loaded: LoadedModules): void {
  for (const f of loaded.functions) runtime.registerFunction(f.functionName, f.fn);
  for (const h of loaded.handlers) runtime.register(h.functionName, h.handler, h.eventSchema !== undefined ? { eventSchema: h.eventSchema } : {});
}

/**
 * Looks up each handler's entry in the nearest durable.manifest.json at or above its module (as
 * `durablec build` writes it into the output folder) and keeps the entry's `eventSchema`. An entry
 * is matched by export name, and by file when several entries share it (`src/a.ts` for `dist/a.js`).
 * Modules without a manifest, or manifests written before event schemas, give none.
 */
export function attachEventSchemas(handlers: LoadedHandler[]): void {
  const manifests = new Map<string, ReturnType<typeof findManifest>>();
  for (const h of handlers) {
    const dir = dirname(h.module);
    if (!manifests.has(dir)) manifests.set(dir, findManifest(dir));
    const found = manifests.get(dir);
    if (!found) continue;
    const entries = Object.values(found.manifest.entries as Record<string, { export?: string; file?: string; eventSchema?: unknown }>);
    let candidates = entries.filter((e) => e.export === h.exportName || (h.exportName === "default" && e.export === h.functionName));
    if (candidates.length > 1) {
      const mod = relative(dirname(found.file), h.module).split("\\").join("/").replace(/\.[mc]?js$/, "");
      candidates = candidates.filter((e) => {
        const file = (e.file ?? "").replace(/\.[mc]?tsx?$/, "");
        return file === mod || file.endsWith("/" + mod) || mod.endsWith("/" + file);
      });
    }
    const schema = candidates.length === 1 ? candidates[0]!.eventSchema : undefined;
    if (schema !== undefined) h.eventSchema = schema;
    else delete h.eventSchema;
  }
}
