import { readFileSync, statSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** One `at …` line of a V8 stack, with its position in the original source when a source map has it. */
export interface StackFrame {
  /** The line as V8 wrote it, without the leading `at `. */
  text: string;
  /** The function V8 named, if any. */
  fn?: string;
  /** The file that ran (an absolute path), and where in it. */
  file?: string;
  line?: number;
  column?: number;
  /** Where that is in the source the file was compiled from (its `.map` next to it), 1-based. */
  source?: { file: string; line: number; column: number };
  /** Node's own code or a dependency's (node_modules): not the application's. */
  library?: true;
}

/** The error of a failed attempt or execution, as it was thrown in the handler's process. */
export interface CapturedError {
  errorType: string;
  errorMessage: string;
  /** `error.stack` as V8 wrote it. */
  stack: string;
  frames: StackFrame[];
}

const FRAME = /^\s*at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/;

/** What is kept of one error at most: a diagnostic, not a payload. */
const MAX_STACK_CHARS = 16 * 1024;
const MAX_MESSAGE_CHARS = 2 * 1024;

/** Describes a thrown value; a value that is not an Error has no stack to map. */
export function captureError(error: unknown): CapturedError | undefined {
  if (!(error instanceof Error) || typeof error.stack !== "string") return undefined;
  const stack = error.stack.length > MAX_STACK_CHARS ? `${error.stack.slice(0, MAX_STACK_CHARS)}\n…` : error.stack;
  const message = String(error.message);
  return {
    errorType: String(error.name),
    errorMessage: message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message,
    stack,
    frames: mapStack(stack),
  };
}

/** The frames of a V8 stack, mapped through the `.js.map` files next to the files that ran. */
export function mapStack(stack: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const raw of stack.split("\n")) {
    const trimmed = raw.trim();
    if (!trimmed.startsWith("at ")) continue;
    const text = trimmed.slice(3);
    const m = FRAME.exec(trimmed);
    if (!m) {
      frames.push({ text });
      continue;
    }
    const [, fn, location, line, column] = m;
    const file = toPath(location!);
    const frame: StackFrame = { text, ...(fn ? { fn } : {}), ...(file ? { file } : {}), line: Number(line), column: Number(column) };
    if (!file || file.includes("/node_modules/") || file.includes("\\node_modules\\")) frame.library = true;
    else {
      // A TypeScript file in the stack: Node already mapped it (--enable-source-maps, a loader).
      const source = /\.[mc]?tsx?$/.test(file) ? { file, line: frame.line!, column: frame.column! } : originalPosition(file, frame.line!, frame.column!);
      if (source) frame.source = source;
    }
    frames.push(frame);
  }
  return frames;
}

/** `file:///…/a.js?durablec-dev=3` or `/…/a.js` → the path; `node:internal/…` and others → undefined. */
function toPath(location: string): string | undefined {
  const clean = location.replace(/^async /, "");
  if (clean.startsWith("file://")) {
    try {
      return fileURLToPath(clean.replace(/[?#].*$/, ""));
    } catch {
      return undefined;
    }
  }
  return isAbsolute(clean) ? clean : undefined;
}

const maps = new Map<string, { mtimeMs: number; map: SourceMap | undefined; dir: string; sourceRoot: string }>();

function sourceMapOf(file: string) {
  const mapFile = `${file}.map`;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(mapFile).mtimeMs;
  } catch {
    return undefined;
  }
  const cached = maps.get(mapFile);
  if (cached && cached.mtimeMs === mtimeMs) return cached;
  let entry: { mtimeMs: number; map: SourceMap | undefined; dir: string; sourceRoot: string };
  try {
    const payload = JSON.parse(readFileSync(mapFile, "utf8")) as { sourceRoot?: string };
    entry = { mtimeMs, map: new SourceMap(payload as ConstructorParameters<typeof SourceMap>[0]), dir: dirname(mapFile), sourceRoot: payload.sourceRoot ?? "" };
  } catch {
    entry = { mtimeMs, map: undefined, dir: dirname(mapFile), sourceRoot: "" };
  }
  maps.set(mapFile, entry);
  return entry;
}

/** The original position of a 1-based `line:column` of `file`, from `file.map`. */
function originalPosition(file: string, line: number, column: number): StackFrame["source"] {
  const sm = sourceMapOf(file);
  if (!sm?.map) return undefined;
  const entry = sm.map.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
  if (!entry || typeof entry.originalSource !== "string" || typeof entry.originalLine !== "number") return undefined;
  const src = entry.originalSource.startsWith("file://") ? fileURLToPath(entry.originalSource) : resolve(sm.dir, sm.sourceRoot, entry.originalSource);
  return { file: src, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
}
