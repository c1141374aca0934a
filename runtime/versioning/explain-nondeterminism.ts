/**
 * Points a NonDeterministicExecutionError at source lines. The SDK reports a mismatch between the
 * operation recorded at a position ("2", "3-1") and the one the code asks for now; the manifest
 * written by `durablec build` (or the esbuild plugin) says which source line each operation of
 * each entry comes from, so both can be named with their file:line.
 *
 * Only the manifest's JSON shape is used here (no compiler import): the runtime stays light.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface ManifestOperationLike {
  name: string;
  kind: string;
  file: string;
  line: number;
  column: number;
  children?: ManifestOperationLike[];
}

export interface ManifestLike {
  entries: Record<string, { export: string; file: string; line: number; column: number; operations: ManifestOperationLike[] }>;
}

export interface OperationSite {
  name?: string;
  type?: string;
  /** Where the operation is in the current build, if it is there. */
  file?: string;
  line?: number;
  column?: number;
}

export interface NonDeterminismExplanation {
  /** The SDK's operation position ("2", "3-1"). */
  position: string;
  mismatch: "type" | "name" | "subtype";
  entry?: string;
  recorded: OperationSite;
  current: OperationSite;
  /** Lines to print under the error. */
  text: string;
}

const PATTERN = /Operation (type|name|subtype) mismatch for step "([^"]+)"\. Expected \w+ "([^"]*)", but got "([^"]*)"/;

const SDK_TYPE: Record<string, string> = {
  step: "STEP",
  waitForCondition: "STEP",
  wait: "WAIT",
  createCallback: "CALLBACK",
  invoke: "CHAINED_INVOKE",
  waitForCallback: "CONTEXT",
  childContext: "CONTEXT",
  map: "CONTEXT",
  parallel: "CONTEXT",
};

function at(ops: readonly ManifestOperationLike[], position: string): ManifestOperationLike | undefined {
  let list: readonly ManifestOperationLike[] | undefined = ops;
  let found: ManifestOperationLike | undefined;
  for (const part of position.split("-")) {
    found = list?.[Number(part) - 1];
    if (!found) return undefined;
    list = found.children;
  }
  return found;
}

function byName(ops: readonly ManifestOperationLike[], name: string): ManifestOperationLike | undefined {
  for (const op of ops) {
    if (op.name === name) return op;
    const inner = op.children && byName(op.children, name);
    if (inner) return inner;
  }
  return undefined;
}

const site = (op: ManifestOperationLike | undefined, name?: string, type?: string): OperationSite => ({
  ...(name ?? op?.name ? { name: name ?? op!.name } : {}),
  ...(type ?? (op && SDK_TYPE[op.kind]) ? { type: type ?? SDK_TYPE[op!.kind] } : {}),
  ...(op ? { file: op.file, line: op.line, column: op.column } : {}),
});
const where = (s: OperationSite) => (s.file ? `${s.file}:${s.line}:${s.column}` : undefined);

/**
 * Explains a NonDeterministicExecutionError with the manifest of the build that is running now
 * (and, if given, of the build that recorded the history). Returns undefined for other errors.
 *
 * @example
 * ```ts
 * const e = runtime.get(arn);
 * const why = explainNonDeterminism(e.error, manifest, { entry: "checkout" });
 * if (why) console.error(why.text);
 * ```
 */
export function explainNonDeterminism(
  error: { ErrorType?: string; ErrorMessage?: string } | Error | string | undefined,
  manifest: ManifestLike,
  options: { entry?: string; previous?: ManifestLike } = {},
): NonDeterminismExplanation | undefined {
  const message = typeof error === "string" ? error : error instanceof Error ? error.message : error?.ErrorMessage;
  const m = message ? PATTERN.exec(message) : null;
  if (!m) return undefined;
  const [, mismatch, position, expected, got] = m as unknown as [string, "type" | "name" | "subtype", string, string, string];
  const candidates = options.entry !== undefined && manifest.entries[options.entry] ? [options.entry] : Object.keys(manifest.entries);
  // The entry whose operation at this position is the one the code asks for now.
  const matches = (key: string) => {
    const op = manifest.entries[key] && at(manifest.entries[key]!.operations, position);
    if (!op) return false;
    return mismatch === "name" ? op.name === got : mismatch === "type" ? SDK_TYPE[op.kind] === got : true;
  };
  const entry = candidates.find(matches) ?? (candidates.length === 1 ? candidates[0] : undefined);
  const ops = entry !== undefined ? manifest.entries[entry]?.operations ?? [] : [];
  const currentOp = ops.length ? at(ops, position) : undefined;
  const previousOps = entry !== undefined ? options.previous?.entries[entry]?.operations : undefined;
  const recordedBefore = previousOps ? at(previousOps, position) : undefined;

  let recorded: OperationSite;
  let current: OperationSite;
  const lines: string[] = [];
  if (mismatch === "name") {
    current = site(currentOp?.name === got ? currentOp : byName(ops, got), got);
    const now = expected === "undefined" ? undefined : byName(ops, expected);
    recorded = site(now, expected);
    lines.push(`  recorded at position ${position}: '${expected}'${now ? `, which the current build runs at ${where(recorded)}` : recordedBefore ? ` (from ${recordedBefore.file}:${recordedBefore.line}:${recordedBefore.column} in the build that recorded it; the current build has no operation of that name)` : " (the current build has no operation of that name: removed or renamed)"}`);
    lines.push(`  current build at position ${position}: '${got}'${where(current) ? ` at ${where(current)}` : ""}`);
  } else {
    current = site(currentOp, currentOp?.name, got);
    recorded = site(recordedBefore, recordedBefore?.name, expected);
    lines.push(`  recorded at position ${position}: a ${expected} operation${recordedBefore ? ` '${recordedBefore.name}' (${recordedBefore.file}:${recordedBefore.line}:${recordedBefore.column} in the build that recorded it)` : ""}`);
    lines.push(`  current build at position ${position}: a ${got} operation${currentOp ? ` '${currentOp.name}' at ${where(current)}` : ""}`);
  }
  const head = `The code changed under this execution${entry ? ` of ${entry}` : ""}: the operation at position ${position} does not match its history (${mismatch} mismatch).`;
  const tail = `  Run 'durablec check --against <the deployed durable.manifest.json>' before deploying to catch this; finish or stop executions in flight, or keep the old version for them.`;
  return { position, mismatch, ...(entry !== undefined ? { entry } : {}), recorded, current, text: [head, ...lines, tail].join("\n") };
}

/** The nearest `durable.manifest.json` in `dir` or a parent directory (up to the filesystem root). */
export function findManifest(dir: string): { file: string; manifest: ManifestLike } | undefined {
  let cur = path.resolve(dir);
  for (;;) {
    const file = path.join(cur, "durable.manifest.json");
    if (fs.existsSync(file)) {
      try {
        const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as ManifestLike;
        if (manifest && typeof manifest.entries === "object") return { file, manifest };
      } catch {
        return undefined;
      }
    }
    const up = path.dirname(cur);
    if (up === cur) return undefined;
    cur = up;
  }
}
