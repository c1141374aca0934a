import * as path from "node:path";
import { compile, formatDiagnostics } from "../index.js";
import { diagnosticMessage } from "../diagnostics/format.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { lineAndColumn } from "../diagnostics/format.js";
import * as fs from "node:fs";
import { parseArgs } from "./args.js";
import type { Command } from "./main.js";

const HELP = `Usage: durablec check [-p tsconfig.json] [--json] [--pretty]

Reports durablec's diagnostics (and TypeScript's errors) without emitting anything. Runs the
same checks on handwritten withDurableExecution handlers.

Options:
  -p, --project <file>  tsconfig.json to check (default: ./tsconfig.json)
  --json                print the diagnostics as a JSON array
  --pretty              show a code frame under each diagnostic
  -h, --help            show this help

Exit codes: 0 no errors, 1 errors, 2 usage or configuration error.`;

export const check: Command = {
  summary: "report diagnostics without emitting",
  help: HELP,
  run(argv, io) {
    const args = parseArgs(argv, { options: { project: { value: true, alias: "p" }, json: { value: false }, pretty: { value: false }, help: { value: false, alias: "h" } } });
    if (args.flags.has("help")) {
      io.out(HELP);
      return 0;
    }
    const tsconfig = path.resolve(io.cwd, (args.flags.get("project") as string | undefined) ?? "tsconfig.json");
    const result = compile({ tsconfig, noEmit: true });
    if (args.flags.has("json")) {
      io.out(
        JSON.stringify(
          result.diagnostics.map((d) => {
            let position: { line: number; column: number } | undefined;
            if (d.file && d.start !== undefined) {
              try {
                position = lineAndColumn(fs.readFileSync(d.file, "utf8"), d.start);
              } catch {
                position = undefined;
              }
            }
            return { ...d, ...(d.file ? { file: path.relative(io.cwd, d.file) } : {}), ...(position ?? {}), message: diagnosticMessage(d) };
          }),
          null,
          2,
        ),
      );
    } else if (result.diagnostics.length) io.err(formatDiagnostics(result.diagnostics, { cwd: io.cwd, pretty: args.flags.has("pretty") }));
    if (result.diagnostics.some((d) => d.code.startsWith("DUR5") && d.category === "error")) return 2;
    return hasErrors(result.diagnostics) ? 1 : 0;
  },
};
