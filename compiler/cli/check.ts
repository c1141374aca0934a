import * as path from "node:path";
import { compile, formatDiagnostics } from "../index.js";
import { diagnosticMessage } from "../diagnostics/format.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { lineAndColumn } from "../diagnostics/format.js";
import * as fs from "node:fs";
import { parseArgs } from "./args.js";
import type { Manifest } from "../emit/manifest.js";
import { compareManifests, formatCompatibility, type Compatibility } from "../versioning/compare-manifests.js";
import type { Command } from "./main.js";

const HELP = `Usage: durablec check [-p tsconfig.json] [--against <old durable.manifest.json>] [--json] [--pretty]

Reports durablec's diagnostics (and TypeScript's errors) without emitting anything. Runs the
same checks on handwritten withDurableExecution handlers.

With --against, also compares each entry's durable skeleton with a previous build's manifest
and classifies every change: appended operations are safe for executions in flight; inserted,
removed, reordered, renamed or changed operations before existing ones are not.

Options:
  -p, --project <file>  tsconfig.json to check (default: ./tsconfig.json)
  --against <file>      durable.manifest.json of the build in production; exit 1 on unsafe changes
  --json                print the diagnostics as a JSON array (with --against: {diagnostics, compatibility})
  --pretty              show a code frame under each diagnostic
  -h, --help            show this help

Exit codes: 0 no errors, 1 errors, 2 usage or configuration error.`;

export const check: Command = {
  summary: "report diagnostics without emitting",
  help: HELP,
  run(argv, io) {
    const args = parseArgs(argv, { options: { project: { value: true, alias: "p" }, against: { value: true }, json: { value: false }, pretty: { value: false }, help: { value: false, alias: "h" } } });
    if (args.flags.has("help")) {
      io.out(HELP);
      return 0;
    }
    const tsconfig = path.resolve(io.cwd, (args.flags.get("project") as string | undefined) ?? "tsconfig.json");
    const result = compile({ tsconfig, noEmit: true });
    const against = args.flags.get("against") as string | undefined;
    // With errors the manifest is incomplete: comparing it would report every operation as removed.
    const compatibility = against === undefined || hasErrors(result.diagnostics) ? undefined : checkAgainst(path.resolve(io.cwd, against), result.manifest);
    if (args.flags.has("json")) {
      const diagnostics = result.diagnostics.map((d) => {
        let position: { line: number; column: number } | undefined;
        if (d.file && d.start !== undefined) {
          try {
            position = lineAndColumn(fs.readFileSync(d.file, "utf8"), d.start);
          } catch {
            position = undefined;
          }
        }
        return { ...d, ...(d.file ? { file: path.relative(io.cwd, d.file) } : {}), ...(position ?? {}), message: diagnosticMessage(d) };
      });
      io.out(JSON.stringify(against !== undefined ? { diagnostics, compatibility: compatibility ?? null } : diagnostics, null, 2));
    } else {
      if (result.diagnostics.length) io.err(formatDiagnostics(result.diagnostics, { cwd: io.cwd, pretty: args.flags.has("pretty") }));
      if (compatibility && "error" in compatibility) io.err(compatibility.error);
      else if (compatibility) {
        if (compatibility.compatible) io.out(formatCompatibility(compatibility));
        else io.err(formatCompatibility(compatibility));
      }
    }
    if (result.diagnostics.some((d) => d.code.startsWith("DUR5") && d.category === "error")) return 2;
    if (compatibility && "error" in compatibility) return 2;
    if (hasErrors(result.diagnostics)) return 1;
    return compatibility && !compatibility.compatible ? 1 : 0;
  },
};

/** Reads the previous manifest and compares; an unreadable manifest is a usage error (exit 2). */
function checkAgainst(file: string, current: Manifest): Compatibility | { error: string } {
  let previous: Manifest;
  try {
    previous = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
  } catch (error) {
    return { error: `error DUR5004: Cannot read the manifest given to --against (${file}): ${(error as Error).message}` };
  }
  if (previous?.version !== 1 || typeof previous.entries !== "object" || previous.entries === null) {
    return { error: `error DUR5004: ${file} is not a durable.manifest.json (version 1 with entries).` };
  }
  return compareManifests(previous, current);
}
