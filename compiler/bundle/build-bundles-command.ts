/** `durablec build --bundle`: check the project, then bundle each entry for Lambda (see bundle-project.ts). */
import * as path from "node:path";
import type * as esbuild from "esbuild";
import { compile, formatDiagnostics } from "../index.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { UsageError } from "../cli/args.js";
import type { CommandIO } from "../cli/main.js";
import { bundleProject } from "./bundle-project.js";

function intFlag(flags: Map<string, string | true>, name: string): number | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== "string" || !Number.isInteger(n) || n < 1) throw new UsageError(`Option '--${name}' needs a positive integer (got '${String(raw)}').`);
  return n;
}

/** esbuild messages in tsc's format: `src/a.ts(3,23): error DUR1003: …` (columns back in characters). */
export function formatEsbuildMessages(messages: readonly esbuild.Message[], category: "error" | "warning", cwd: string): string {
  return messages
    .map((m) => {
      const head = `${category} ${/^(DUR|TS)\d+:/.test(m.text) ? m.text : `ESBUILD: ${m.text}`}`;
      if (!m.location) return head;
      const column = Buffer.from(m.location.lineText, "utf8").subarray(0, m.location.column).toString("utf8").length + 1;
      const file = path.relative(cwd, path.resolve(cwd, m.location.file)).split(path.sep).join("/");
      return `${file}(${m.location.line},${column}): ${head}`;
    })
    .join("\n");
}

export async function buildBundles(io: CommandIO, tsconfig: string, outDir: string | undefined, pretty: boolean, flags: Map<string, string | true>): Promise<number> {
  const started = performance.now();
  const executionTimeoutSeconds = intFlag(flags, "execution-timeout");
  const retentionPeriodInDays = intFlag(flags, "retention-days");
  if (executionTimeoutSeconds !== undefined && executionTimeoutSeconds > 31_622_400) throw new UsageError("--execution-timeout is at most 31622400 seconds (366 days).");
  if (retentionPeriodInDays !== undefined && retentionPeriodInDays > 90) throw new UsageError("--retention-days is at most 90.");

  // The whole project is checked first (as `durablec check`), which also lists the entries.
  const checked = compile({ tsconfig, noEmit: true });
  if (checked.diagnostics.length) io.err(formatDiagnostics(checked.diagnostics, { cwd: io.cwd, pretty }));
  if (checked.diagnostics.some((d) => d.code.startsWith("DUR5") && d.category === "error")) return 2;
  if (hasErrors(checked.diagnostics)) return 1;
  if (Object.keys(checked.manifest.entries).length === 0) {
    io.err(`durablec: no durable entry in ${path.relative(io.cwd, tsconfig) || tsconfig}: nothing to bundle.`);
    return 1;
  }
  const result = await bundleProject({
    tsconfig,
    manifest: checked.manifest,
    ...(outDir ? { outDir: path.resolve(io.cwd, outDir) } : {}),
    ...(executionTimeoutSeconds !== undefined ? { executionTimeoutSeconds } : {}),
    ...(retentionPeriodInDays !== undefined ? { retentionPeriodInDays } : {}),
  });
  if (result.warnings.length) io.err(formatEsbuildMessages(result.warnings, "warning", io.cwd));
  if (result.errors.length) {
    io.err(formatEsbuildMessages(result.errors, "error", io.cwd));
    return 1;
  }
  const rel = (f: string) => path.relative(io.cwd, f) || ".";
  for (const e of result.entries) io.out(`  ${e.entry.padEnd(20)} ${rel(e.bundle)} (${Math.round(e.bytes / 1024)} KiB)  handler ${e.handler}`);
  io.out(`durablec: bundled ${result.entries.length} entry(ies) into ${rel(result.outDir)} with template.yaml in ${Math.round(performance.now() - started)} ms`);
  return 0;
}
