import { AsyncLocalStorage } from "node:async_hooks";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * What the runtime's invocation of a handler receives from the SDK plugin
 * (error-stack-plugin.ts): every error thrown there, with its stack, keyed by operation.
 */
export interface ErrorCaptureScope {
  operationFailed(operationId: string, attempt: number, error: unknown): void;
  executionFailed(error: unknown): void;
}

const SCOPE = Symbol.for("durablec.errorCapture");
const slot = globalThis as Record<symbol, AsyncLocalStorage<ErrorCaptureScope> | undefined>;

/** The scope of the invocation running now; one per process, shared with the plugin by a global key. */
export const errorCapture: AsyncLocalStorage<ErrorCaptureScope> = (slot[SCOPE] ??= new AsyncLocalStorage<ErrorCaptureScope>());

const PLUGINS_VARIABLE = "DURABLE_EXECUTION_PLUGINS";

/** The plugin's compiled file: next to this one, or in the package's dist/ when this runs from source. */
function pluginUrl(): string | undefined {
  for (const candidate of ["./error-stack-plugin.js", "../../dist/runtime/service/error-stack-plugin.js"]) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(fileURLToPath(url))) return pathToFileURL(fileURLToPath(url)).href;
  }
  return undefined;
}

/**
 * Names the plugin in `DURABLE_EXECUTION_PLUGINS`, which the SDK reads when a module calls
 * `withDurableExecution`: handlers imported after this report their errors' stacks to the runtime
 * that invokes them (stored with the failed attempt, see docs/dev-ui.md). Plugins named there
 * already are kept. Returns whether the plugin is enabled.
 */
export function enableErrorStackCapture(env: NodeJS.ProcessEnv = process.env): boolean {
  const url = pluginUrl();
  // The variable is a comma-separated list: a path with a comma cannot be named in it.
  if (!url || url.includes(",")) return false;
  const listed = (env[PLUGINS_VARIABLE] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (!listed.includes(url)) env[PLUGINS_VARIABLE] = [...listed, url].join(",");
  return true;
}
