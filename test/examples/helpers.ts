import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { DurableHandler } from "../../runtime/index.js";
import { cli, type CliResult } from "../runtime-e2e/helpers.js";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const BIN = join(ROOT, "bin", "durablec.js");
export const EXAMPLES = ["order-checkout", "human-approval", "batch-processing", "polling", "saga"] as const;
export type Example = (typeof EXAMPLES)[number];

/** Compiles the examples with the CLI, as the docs say (`durablec build -p examples/tsconfig.json`). */
export function buildExamples(): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [BIN, "build", "-p", "examples/tsconfig.json"], { cwd: ROOT, encoding: "utf8" });
  return { status: r.status, output: r.stdout + r.stderr };
}

/** The withDurableExecution handler an example's compiled workflow exports. */
export async function compiledHandler(example: Example, exportName: string): Promise<DurableHandler> {
  const mod = (await import(pathToFileURL(join(ROOT, "examples", "dist", example, "workflow.js")).href)) as Record<string, DurableHandler>;
  const handler = mod[exportName];
  if (typeof handler !== "function") throw new Error(`examples/dist/${example}/workflow.js has no export ${exportName}`);
  return handler;
}

/** A fresh directory for the fake services' ledgers; the services read it at each call. */
export function freshServiceData(): string {
  const dir = mkdtempSync(join(tmpdir(), "durablec-examples-"));
  process.env.DURABLEC_EXAMPLES_DATA = dir;
  return dir;
}

export function ledger<T = Record<string, unknown>>(dir: string, service: string): T[] {
  const file = join(dir, `${service}.jsonl`);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

export type { CliResult } from "../runtime-e2e/helpers.js";

/** Runs `durablec …` in a child process (from the repository root unless told otherwise). */
export function durablec(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return cli(args, { cwd: options.cwd ?? ROOT, ...(options.env ? { env: options.env } : {}), timeoutMs: options.timeoutMs ?? 60_000 });
}
