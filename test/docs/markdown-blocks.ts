/**
 * The fenced code blocks of the documentation and the markers that say how each one is run.
 * test/docs/doc-samples.test.ts runs them; test/docs/coverage.test.ts fails for a block that
 * nothing runs. A marker is an HTML comment on the line before the block (blank lines between are
 * fine); a pair marker also covers the block right after the first one.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");

export interface CodeBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** The marker before the block, or before the first block of its pair. */
  marker?: Marker;
  /** 0 for the block after the marker, 1 for the second block of a pair. */
  index: number;
}

export interface Marker {
  kind: string;
  /** What follows `kind:` (a sample name, a reason), or "" for markers without one. */
  arg: string;
}

/** Markers whose runner takes the block after the marker and the one right after it. */
export const PAIR_MARKERS = new Set(["doc-transform", "doc-diagnostics"]);

/** In reading order: the README, the examples (which build examples/dist), then the docs, getting started first. */
export function markdownFiles(): string[] {
  const files = ["README.md"];
  if (existsSync(join(ROOT, "examples", "README.md"))) files.push("examples/README.md");
  for (const entry of readdirSync(join(ROOT, "examples"), { withFileTypes: true })) {
    if (entry.isDirectory() && existsSync(join(ROOT, "examples", entry.name, "README.md"))) files.push(`examples/${entry.name}/README.md`);
  }
  const docs = readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md"));
  docs.sort((x, y) => Number(y === "getting-started.md") - Number(x === "getting-started.md") || x.localeCompare(y));
  return [...files, ...docs.map((f) => `docs/${f}`)];
}

const FENCE = /^```([\w-]*)\s*$/;
const MARKER = /^<!-- ([a-z-]+)(?::\s*(.*?)|\s+(.*?))?\s*-->$/;

/** Every fenced block of one markdown file, with its marker. */
export function codeBlocks(file: string, text = readFileSync(join(ROOT, file), "utf8")): CodeBlock[] {
  const lines = text.split("\n");
  const blocks: CodeBlock[] = [];
  // What the last non-blank line outside a block was: a marker, the end of a block, or prose.
  let before: { marker: Marker } | { closed: CodeBlock } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (open) {
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
      const block: CodeBlock = { file, line: start + 1, lang: open[1]!, code: body.join("\n"), index: 0 };
      if (before && "marker" in before) block.marker = before.marker;
      else if (before && "closed" in before && before.closed.index === 0 && before.closed.marker && PAIR_MARKERS.has(before.closed.marker.kind)) {
        block.marker = before.closed.marker;
        block.index = 1;
      }
      blocks.push(block);
      before = { closed: block };
      continue;
    }
    const trimmed = lines[i]!.trim();
    if (trimmed === "") continue;
    const m = MARKER.exec(trimmed);
    before = m ? { marker: { kind: m[1]!, arg: m[2] ?? m[3] ?? "" } } : undefined;
  }
  return blocks;
}

export function allCodeBlocks(): CodeBlock[] {
  return markdownFiles().flatMap((file) => codeBlocks(file));
}

/** The blocks marked `kind`, in reading order. */
export function marked(kind: string): CodeBlock[] {
  return allCodeBlocks().filter((b) => b.marker?.kind === kind);
}
