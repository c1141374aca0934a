/**
 * The fenced code blocks of the documentation (README.md, examples/, docs/) and the markers that
 * say how each one is run, so the docs cannot rot. coverage.test.ts fails for a block that nothing
 * runs. A marker is an HTML comment on the line before the block (blank lines between are fine);
 * a pair marker also covers the block right after the first one.
 *
 * Run in the scratch project, in reading order, by doc-samples.test.ts:
 * - `<!-- doc-test: name -->` on a ```ts block: it runs as an ES module (`durablec/...` imports
 *   resolve to the build); its `// > ` comment lines are exactly the lines it prints (`…`
 *   matches anything).
 * - `<!-- doc-test: name -->` on a ```sh block: it runs in bash, with `durablec` on the PATH (and
 *   aliases expanded), as a reader following the docs would run it. Its `# > ` comment lines are
 *   lines its output (stdout and stderr together) must contain, in order; `…` matches anything.
 * - `<!-- doc-output -->` on a ```text block: lines the output of the shell sample before it must
 *   contain, in order (`…` matches anything): what a command prints, shown apart from it.
 * - `<!-- doc-file: path -->` on a block: the exact content of that file of the scratch project
 *   once the samples before it have run.
 * - `<!-- doc-server -->` on a ```sh block of long-running commands (`durablec dev`, `serve`):
 *   each starts (`<!-- doc-server: dir -->`: in that folder) with `--port 0` added, and must
 *   print its `# > ` lines; all but the last are then stopped with SIGINT (exit code 0). The last
 *   keeps running for the `<!-- doc-http -->` shell samples after it in the same file, in which
 *   `localhost:7070` is its address, and is stopped (exit code 0) after them.
 * - `<!-- doc-tree: dir -->` on a block listing files: as `doc-tree` below, in that folder of
 *   the scratch project once the samples before it have run.
 *
 * Checked by doc-checks.test.ts:
 * - `<!-- doc-transform: name -->` before two ```ts blocks: the source (saved as
 *   docs-samples/<name>.ts, next to test/docs/fixtures/services.ts) and exactly what
 *   `durablec transform` prints for it.
 * - `<!-- doc-diagnostics: name -->` before a ```ts block and a ```text block: the source, and
 *   exactly the diagnostics `durablec transform` reports for it; a `// DURnnnn` comment on a line
 *   says that diagnostic is reported there.
 * - `<!-- doc-compiles: name -->` on a ```ts block: `durablec transform` compiles it with no
 *   diagnostic at all.
 * - `<!-- doc-usage -->` on a ```text block of `durablec <command> …` synopses: the command
 *   exists and every `--option` in the line is one its `--help` lists.
 * - `<!-- doc-config -->` on a ```json block: a valid durable.config.json.
 * - `<!-- doc-tree -->` on a block listing directories and files: each exists in the repository,
 *   and a directory listed with its contents lists all its subdirectories.
 * `UPDATE_DOC_TRANSFORMS=1` rewrites the second block of each doc-transform and doc-diagnostics
 * pair with what durablec prints today.
 *
 * Elsewhere: `<!-- readme-sample: before|after -->` (test/docs/readme.test.ts), `<!-- begin
 * source|compiled -->` (test/examples/readmes.test.ts, written by scripts/example-readmes.mjs),
 * `<!-- doc-clone -->` (test/examples/demo.test.ts runs the install commands in a fresh clone).
 * Only commands against AWS itself stay unrun: `<!-- doc-skip: needs an AWS account -->`.
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
