import * as path from "node:path";
import { formatDiagnostics, transform as transformFile } from "../index.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { parseArgs, UsageError } from "./args.js";
import type { Command } from "./main.js";

const HELP = `Usage: durablec transform <file.ts> [--pretty]

Prints the rewritten TypeScript of one file, to see what the compiler does. Diagnostics go to
stderr.

Exit codes: 0 printed, 1 diagnostics with errors, 2 usage error or unreadable file.`;

export const transform: Command = {
  summary: "print the rewritten TypeScript of one file",
  help: HELP,
  run(argv, io) {
    const args = parseArgs(argv, { options: { pretty: { value: false }, help: { value: false, alias: "h" } } });
    if (args.flags.has("help")) {
      io.out(HELP);
      return 0;
    }
    const [file, ...rest] = args.positionals;
    if (!file || rest.length) throw new UsageError("Expected exactly one file: durablec transform <file.ts>");
    const result = transformFile(path.resolve(io.cwd, file));
    if (result.diagnostics.length) io.err(formatDiagnostics(result.diagnostics, { cwd: io.cwd, pretty: args.flags.has("pretty") }));
    if (result.diagnostics.some((d) => d.code.startsWith("DUR5") && d.category === "error")) return 2;
    if (hasErrors(result.diagnostics)) return 1;
    io.out(result.code.replace(/\n$/, ""));
    return 0;
  },
};
