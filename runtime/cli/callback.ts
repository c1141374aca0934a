import type { ErrorObject } from "@aws/durable-execution-sdk-js";
import { DEFAULT_DB, EXIT, UsageError, guard, openRuntime, parse, printJson, readTextArg, type CommandIO } from "./common.js";

export const CALLBACK_HELP = `Usage: durablec callback <succeed|fail|heartbeat> <callbackId> [payload] [options]

  durablec callback succeed <callbackId> [result]
      Completes the callback with a result: the text handed to the waiting code (usually JSON),
      inline, @file or @- for stdin (default: empty).
  durablec callback fail <callbackId> [error-json]
      Fails it with an error object {"ErrorType","ErrorMessage","ErrorData"} (all strings),
      or use --error-type / --error-message.
  durablec callback heartbeat <callbackId>
      Tells the execution the callback's worker is still alive (resets its heartbeat timeout).

The execution resumes when a worker (or 'durablec run --name') next looks at it.

Options:
  --db <file>              Database file (default ${DEFAULT_DB}).
  --error-type <type>      For fail.
  --error-message <text>   For fail.
  --json                   Print the execution as JSON.
  -h, --help               Show this help.

Exit codes: 0 ok, 1 unknown callback or already completed / timed out, 2 usage error
(malformed error JSON, payload over 256 KiB).`;

const ACTIONS = ["succeed", "fail", "heartbeat"];

export async function runCallback(argv: string[], io: CommandIO): Promise<number> {
  return guard("callback", io, async () => {
    // A callback id is random base64url and may start with '-': the word after the action is
    // the id, whatever it looks like (so `callback succeed -Xy… '{}'` is not read as options).
    const at = argv.findIndex((a) => ACTIONS.includes(a));
    let rawId: string | undefined;
    if (at >= 0 && at + 1 < argv.length && argv[at + 1]!.startsWith("-") && !argv[at + 1]!.startsWith("--")) {
      rawId = argv[at + 1];
      argv = [...argv.slice(0, at + 1), ...argv.slice(at + 2)];
    }
    const parsed = parse(argv, {
      db: { type: "string" },
      json: { type: "boolean" },
      "error-type": { type: "string" },
      "error-message": { type: "string" },
    });
    const { values } = parsed;
    const positionals = rawId === undefined ? parsed.positionals : [parsed.positionals[0]!, rawId, ...parsed.positionals.slice(1)];
    if (values.help) return (io.out(CALLBACK_HELP), EXIT.OK);
    const [action, id, payload, ...extra] = positionals;
    if (!action || !ACTIONS.includes(action)) {
      throw new UsageError(`Name an action: succeed, fail or heartbeat${action ? ` (got ${JSON.stringify(action)})` : ""}.`);
    }
    if (!id) throw new UsageError(`callback ${action} needs a callback id.`);
    if (extra.length || (action === "heartbeat" && payload !== undefined)) throw new UsageError("Too many arguments.");
    let error: ErrorObject | undefined;
    if (action === "fail") {
      error = {};
      if (payload !== undefined) {
        const text = readTextArg(payload, "the error", io.cwd);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (e) {
          throw new UsageError(`The error is not valid JSON: ${(e as Error).message}. Pass {"ErrorType":"…","ErrorMessage":"…"}.`);
        }
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
          throw new UsageError(`The error must be a JSON object such as {"ErrorType":"Rejected","ErrorMessage":"…"}.`);
        }
        for (const [k, v] of Object.entries(parsed)) {
          if (!["ErrorType", "ErrorMessage", "ErrorData", "StackTrace"].includes(k)) throw new UsageError(`Unknown error field ${k}: use ErrorType, ErrorMessage, ErrorData.`);
          if (k !== "StackTrace" && typeof v !== "string") throw new UsageError(`${k} must be a string.`);
        }
        error = parsed as ErrorObject;
      }
      if (values["error-type"] !== undefined) error.ErrorType = values["error-type"];
      if (values["error-message"] !== undefined) error.ErrorMessage = values["error-message"];
    }
    const rt = openRuntime(values.db, io.cwd);
    try {
      const exec =
        action === "succeed"
          ? rt.sendCallbackSuccess(id, payload === undefined ? "" : readTextArg(payload, "the result", io.cwd))
          : action === "fail"
            ? rt.sendCallbackFailure(id, error)
            : rt.sendCallbackHeartbeat(id);
      if (values.json) printJson(io, exec);
      else io.out(`${action === "heartbeat" ? "heartbeat sent" : action === "succeed" ? "callback succeeded" : "callback failed"}: execution ${exec.name} (${exec.status.toLowerCase()})`);
      return EXIT.OK;
    } finally {
      await rt.close();
    }
  });
}
