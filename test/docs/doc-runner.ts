/**
 * What the documentation tests share: the blocks and their markers, the scratch project the
 * samples run in, durablec run in this process, and the checks of synopses and trees.
 * test/docs/doc-samples.test.ts runs the samples of the scratch project in reading order;
 * test/docs/doc-checks.test.ts checks the compiler samples, synopses, configs and trees. The
 * markers are described in markdown-blocks.ts.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { allCodeBlocks, codeBlocks, type CodeBlock, ROOT } from "./markdown-blocks.js";

const root = ROOT;
export const blocks = allCodeBlocks();
export const ofKind = (kind: string) => blocks.filter((b) => b.marker?.kind === kind);

/** The doc-transform / doc-diagnostics pairs: the first block with the one right after it. */
export function pairsOf(kind: string): { file: string; name: string; first: CodeBlock; second: CodeBlock }[] {
  const marked = ofKind(kind);
  return marked
    .filter((b) => b.index === 0)
    .map((b) => {
      const second = marked.find((o) => o.index === 1 && o.marker === b.marker);
      if (!second) throw new Error(`${b.file}:${b.line}: <!-- ${kind}: ${b.marker!.arg} --> needs a second block right after this one`);
      return { file: b.file, name: b.marker!.arg, first: b, second };
    });
}

/** The lines a sample says it prints: `// > …` (TypeScript) or `# > …` (shell). */
export function expectedLines(code: string, marker: string): string[] {
  return code
    .split("\n")
    .filter((l) => l.trimStart().startsWith(marker))
    .map((l) => l.trimStart().slice(marker.length));
}

/** Whether `expected` appear in `printed` in order (not necessarily adjacent); `…` matches anything. */
export function containsInOrder(printed: readonly string[], expected: readonly string[]): { ok: boolean; missing?: string } {
  let i = 0;
  for (const want of expected) {
    const re = new RegExp(`^${want.split("…").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    while (i < printed.length && !re.test(printed[i]!.trimEnd())) i++;
    if (i === printed.length) return { ok: false, missing: want };
    i++;
  }
  return { ok: true };
}

/** Replaces the second block of a pair in its file (UPDATE_DOC_TRANSFORMS=1). */
export function rewriteSecondBlock(block: CodeBlock, text: string): void {
  const path = join(root, block.file);
  const current = codeBlocks(block.file).find((b) => b.index === 1 && b.marker?.kind === block.marker!.kind && b.marker.arg === block.marker!.arg)!;
  const lines = readFileSync(path, "utf8").split("\n");
  const start = current.line; // the line after the opening fence, 0-based
  let end = start;
  while (!/^```\s*$/.test(lines[end]!)) end++;
  lines.splice(start, end - start, ...text.split("\n"));
  writeFileSync(path, lines.join("\n"));
}

// ---- the scratch project ----------------------------------------------------------------------

/**
 * A scratch copy of the project, as a reader has it: package.json, tsconfig.json, examples/,
 * docs/, README.md and the fixtures copied; the build, the dependencies and the sources `npm run
 * fuzz` compiles linked; `durablec` in .bin/ (for the PATH); docs-samples/ with the services the
 * compiler samples import.
 */
export function createScratchProject(): { dir: string; remove(): void } {
  const parent = mkdtempSync(join(tmpdir(), "durablec-docs-"));
  const dir = join(parent, "project");
  mkdirSync(dir, { recursive: true });
  for (const f of ["package.json", "tsconfig.json", "README.md"]) cpSync(join(root, f), join(dir, f));
  cpSync(join(root, "examples"), join(dir, "examples"), { recursive: true, filter: (src) => !/[\\/]examples[\\/]dist([\\/]|$)/.test(src) });
  cpSync(join(root, "docs"), join(dir, "docs"), { recursive: true });
  cpSync(join(root, "test", "docs", "fixtures"), join(dir, "test", "docs", "fixtures"), { recursive: true });
  for (const d of ["bin", "dist", "node_modules", "compiler", "runtime", "scripts", "test/fuzz"]) symlinkSync(join(root, d), join(dir, d), "dir");
  const bin = join(dir, ".bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "durablec"), `#!/bin/sh\nexec "${process.execPath}" "${join(root, "bin", "durablec.js")}" "$@"\n`);
  chmodSync(join(bin, "durablec"), 0o755);
  mkdirSync(join(dir, "docs-samples"));
  cpSync(join(root, "test", "docs", "fixtures", "services.ts"), join(dir, "docs-samples", "services.ts"));
  return { dir, remove: () => rmSync(parent, { recursive: true, force: true }) };
}

/** The environment of the samples: `durablec` of the build first on the PATH. */
export function shellEnv(project: string): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${join(project, ".bin")}:${process.env.PATH}`, NO_COLOR: "1", DURABLEC_EXAMPLES_DATA: "" };
}

// ---- durablec in this process -----------------------------------------------------------------

type Main = (argv: string[], io: { cwd: string; out(text: string): void; err(text: string): void }) => Promise<number>;
let cliMain: Main | undefined;

/** Runs `durablec <argv>` in `cwd` through the CLI's entry point: exit code, stdout, stderr. */
export async function durablec(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  cliMain ??= ((await import(pathToFileURL(join(root, "dist", "compiler", "cli", "main.js")).href)) as { main: Main }).main;
  const out: string[] = [];
  const err: string[] = [];
  const code = await cliMain(argv, { cwd, out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** `durablec transform <name>.ts` for a sample saved in docs-samples/ of `project`. */
export async function transformSample(project: string, name: string, code: string) {
  const dir = join(project, "docs-samples");
  writeFileSync(join(dir, `${name}.ts`), code + "\n");
  return durablec(["transform", `${name}.ts`], dir);
}

// ---- synopses, configuration, trees ------------------------------------------------------------

/** The `durablec …` commands of a synopsis block, continuation lines joined. */
export function synopses(code: string): string[] {
  const out: string[] = [];
  for (const line of code.split("\n")) {
    if (line.startsWith("durablec ")) out.push(line);
    else if (/^\s+\S/.test(line) && out.length) out[out.length - 1] += ` ${line.trim()}`;
    else if (line.trim()) throw new Error(`not a durablec synopsis: ${line}`);
  }
  return out;
}

/**
 * The paths a tree block lists: the first word of each line whose word is followed by two spaces
 * or nothing (indentation nests them; a name ending in `/` is a directory).
 */
export function treePaths(code: string): { path: string; dir: boolean; children: string[] }[] {
  const entries: { path: string; dir: boolean; children: string[] }[] = [];
  const open: { indent: number; entry: { path: string; children: string[] } }[] = [];
  for (const line of code.split("\n")) {
    const m = /^(\s*)(\S+?)(\/?)(\s{2,}|$)/.exec(line);
    if (!m) continue;
    const indent = m[1]!.length;
    while (open.length && open.at(-1)!.indent >= indent) open.pop();
    const parent = open.at(-1)?.entry;
    const entry = { path: parent ? `${parent.path}/${m[2]}` : m[2]!, dir: m[3] === "/", children: [] as string[] };
    parent?.children.push(m[2]!);
    entries.push(entry);
    if (entry.dir) open.push({ indent, entry });
  }
  return entries;
}

/** What is wrong with a tree block, checked against the files under `base`. */
export function treeProblems(code: string, base: string): string[] {
  const tree = treePaths(code);
  if (!tree.length) return ["the block lists no path"];
  const problems: string[] = [];
  for (const { path, dir, children } of tree) {
    const full = join(base, path);
    if (!existsSync(full) || statSync(full).isDirectory() !== dir) {
      problems.push(`${path}${dir ? "/" : ""} is not a ${dir ? "directory" : "file"}`);
      continue;
    }
    if (!children.length) continue;
    const listed = [...new Set(children.map((c) => c.split("/")[0]!))].sort();
    const actual = readdirSync(full, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    const missing = actual.filter((d) => !listed.includes(d));
    if (missing.length) problems.push(`${path}/ lists its subdirectories but not ${missing.join(", ")}`);
  }
  return problems;
}

