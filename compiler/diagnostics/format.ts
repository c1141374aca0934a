import * as path from "node:path";
import { CodesByNumber } from "./codes.js";
import type { Diagnostic } from "./diagnostic.js";

export interface FormatOptions {
  /** File paths are printed relative to this directory (tsc prints paths relative to cwd). */
  cwd?: string;
  /** Adds a code frame under each diagnostic. */
  pretty?: boolean;
  /** Reads a file's text (for line/column and code frames). */
  readFile: (file: string) => string | undefined;
}

/** The message text of one diagnostic, with its placeholders filled. */
export function diagnosticMessage(d: Diagnostic): string {
  if (typeof d.data.message === "string" && !CodesByNumber.has(d.code)) return d.data.message;
  const def = CodesByNumber.get(d.code);
  if (!def) return String(d.data.message ?? d.code);
  return def.message.replace(/\{(\w+)\}/g, (_, key: string) => String(d.data[key] ?? `{${key}}`));
}

/** 1-based line and column (UTF-16 units, as tsc reports them) of an offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** One diagnostic in tsc's format: `src/a.ts(12,5): error DUR1001: …`. */
export function formatDiagnostic(d: Diagnostic, options: FormatOptions): string {
  const message = diagnosticMessage(d);
  const head = `${d.category} ${d.code}: ${message}`;
  if (!d.file) return head;
  const rel = path.relative(options.cwd ?? process.cwd(), d.file).split(path.sep).join("/") || d.file;
  const text = d.start !== undefined ? options.readFile(d.file) : undefined;
  if (text === undefined || d.start === undefined) return `${rel}: ${head}`;
  const { line, column } = lineAndColumn(text, d.start);
  let out = `${rel}(${line},${column}): ${head}`;
  if (options.pretty) out += "\n" + codeFrame(text, d.start, d.length ?? 1) + "\n";
  return out;
}

/** Diagnostics in tsc's format, one per line, in file and position order. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], options: FormatOptions): string {
  return sortDiagnostics(diagnostics)
    .map((d) => formatDiagnostic(d, options))
    .join("\n");
}

export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => (a.file ?? "").localeCompare(b.file ?? "") || (a.start ?? -1) - (b.start ?? -1) || a.code.localeCompare(b.code),
  );
}

/** The source line(s) of a span with `~` under the span, prefixed by line numbers. */
export function codeFrame(text: string, start: number, length: number): string {
  const lines = text.split("\n");
  const { line: startLine, column: startColumn } = lineAndColumn(text, start);
  const { line: endLine, column: endColumn } = lineAndColumn(text, start + Math.max(length, 1));
  const width = String(endLine).length;
  const out: string[] = [];
  for (let ln = startLine; ln <= Math.min(endLine, startLine + 4); ln++) {
    const src = (lines[ln - 1] ?? "").replace(/\r$/, "");
    out.push(`${String(ln).padStart(width)} ${src}`);
    const from = ln === startLine ? startColumn - 1 : src.search(/\S|$/);
    const to = ln === endLine ? endColumn - 1 : src.length;
    out.push(`${" ".repeat(width)} ${" ".repeat(from)}${"~".repeat(Math.max(1, to - from))}`);
  }
  return out.join("\n");
}

/**
 * TypeScript's `.errors.txt` layout: the tsc lines, then each file's source with `~~~` under every
 * span and the message below it.
 */
export function formatErrorsBaseline(
  diagnostics: readonly Diagnostic[],
  files: readonly { file: string; text: string }[],
  cwd: string,
): string {
  const readFile = (f: string) => files.find((x) => x.file === f)?.text;
  const sorted = sortDiagnostics(diagnostics);
  const out: string[] = [formatDiagnostics(sorted, { cwd, readFile }), ""];
  for (const { file, text } of files) {
    const mine = sorted.filter((d) => d.file === file && d.start !== undefined);
    if (mine.length === 0) continue;
    const rel = path.relative(cwd, file).split(path.sep).join("/");
    out.push("", `==== ${rel} (${mine.length} ${mine.length === 1 ? "diagnostic" : "diagnostics"}) ====`);
    const lines = text.split("\n");
    let offset = 0;
    for (const line of lines) {
      const lineEnd = offset + line.length;
      out.push(`    ${line}`);
      for (const d of mine) {
        const s = d.start!;
        const e = s + Math.max(d.length ?? 1, 1);
        if (e <= offset || s > lineEnd || (s === lineEnd && e > lineEnd && s !== offset)) continue;
        if (s > lineEnd) continue;
        const from = Math.max(s, offset) - offset;
        const to = Math.min(e, lineEnd) - offset;
        out.push(`    ${" ".repeat(from)}${"~".repeat(Math.max(1, to - from))}`);
        if (e <= lineEnd + 1) out.push(`!!! ${d.category} ${d.code}: ${diagnosticMessage(d)}`);
      }
      offset = lineEnd + 1;
    }
  }
  return out.join("\n").replace(/\s+$/, "") + "\n";
}
