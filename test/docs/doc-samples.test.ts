/**
 * Every code block in README.md, docs/ and examples/ runs here (or in the test its marker names,
 * see coverage.test.ts), so the docs cannot rot. The marker is an HTML comment on the line before
 * the block:
 *
 * - `<!-- doc-test: name -->` on a ```ts block: it runs as an ES module in the scratch project
 *   (below; `durablec/...` imports resolve to the build); its `// > ` comment lines are exactly
 *   the lines it prints (`…` matches anything).
 * - `<!-- doc-test: name -->` on a ```sh block: it runs in bash in the scratch project, with
 *   `durablec` on the PATH (and aliases expanded), as a reader following the docs would run it. Its
 *   `# > ` comment lines are lines its output (stdout and stderr together) must contain, in order;
 *   `…` in an expected line matches anything.
 * - `<!-- doc-output -->` on a ```text block: lines the output of the shell sample before it must
 *   contain, in order (`…` matches anything): what a command prints, shown apart from it.
 * - `<!-- doc-file: path -->` on a block: the exact content of that file of the scratch project
 *   once the shell samples before it have run.
 * - `<!-- doc-server -->` on a ```sh block of long-running commands (`durablec dev`, `serve`):
 *   each starts in the scratch project (`<!-- doc-server: dir -->`: in that folder of it) with
 *   `--port 0` added, and must print its `# > ` lines;
 *   all but the last are then stopped with SIGINT (exit code 0). The last keeps running for the
 *   `<!-- doc-http -->` shell samples after it in the same file, in which `localhost:7070` is
 *   its address, and is stopped after them.
 * - `<!-- doc-transform: name -->` before two ```ts blocks: the source (saved as
 *   docs-samples/<name>.ts in the scratch project, next to test/docs/fixtures/services.ts) and
 *   exactly what `durablec transform` prints for it.
 * - `<!-- doc-diagnostics: name -->` before a ```ts block and a ```text block: the source, and
 *   exactly the diagnostics `durablec transform` reports for it (run in docs-samples/).
 * - `<!-- doc-compiles: name -->` on a ```ts block: `durablec transform` compiles it with no
 *   diagnostic at all.
 * - `<!-- doc-usage -->` on a ```text block of `durablec <command> …` synopses: the command
 *   exists and every `--option` in the line is one its `--help` lists.
 * - `<!-- doc-config -->` on a ```json block: a valid durable.config.json.
 * - `<!-- doc-tree -->` on a block listing directories and files: each exists in the repository
 *   (`<!-- doc-tree: dir -->`: in that folder of the scratch project, once the shell samples
 *   before it ran), and a directory listed with its contents lists all its subdirectories.
 *
 * `UPDATE_DOC_TRANSFORMS=1` rewrites the second block of each doc-transform and doc-diagnostics
 * pair with what durablec prints today.
 *
 * The scratch project is one copy (package.json, tsconfig.json, examples/, docs/, README.md, the
 * fixtures, with bin/, dist/, node_modules/ and the sources linked) shared by all samples, which run in reading
 * order (README.md, examples/README.md, each example's README, then docs/, getting started first).
 * The compiler commands of transform, diagnostics and usage checks run in this process through the
 * CLI's own entry point (`main` of dist/compiler/cli/main.js), so TypeScript loads once.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { allCodeBlocks, codeBlocks, type CodeBlock, ROOT } from "./markdown-blocks.js";

const root = ROOT;
const blocks = allCodeBlocks();
const ofKind = (kind: string) => blocks.filter((b) => b.marker?.kind === kind);

/** The doc-transform / doc-diagnostics pairs: the first block with the one right after it. */
function pairsOf(kind: string): { file: string; name: string; first: CodeBlock; second: CodeBlock }[] {
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
function expectedLines(code: string, marker: string): string[] {
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
function rewriteSecondBlock(block: CodeBlock, text: string): void {
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

let scratch: string | undefined;
const scratchRoot = mkdtempSync(join(tmpdir(), "durablec-doc-sh-"));
afterAll(() => rmSync(scratchRoot, { recursive: true, force: true }));

function scratchProject(): string {
  if (scratch) return scratch;
  const dir = join(scratchRoot, "project");
  mkdirSync(dir, { recursive: true });
  for (const f of ["package.json", "tsconfig.json", "README.md"]) cpSync(join(root, f), join(dir, f));
  cpSync(join(root, "examples"), join(dir, "examples"), { recursive: true, filter: (src) => !/[\\/]examples[\\/]dist([\\/]|$)/.test(src) });
  cpSync(join(root, "docs"), join(dir, "docs"), { recursive: true });
  cpSync(join(root, "test", "docs", "fixtures"), join(dir, "test", "docs", "fixtures"), { recursive: true });
  // Linked, not copied: what the commands run (the build, the dependencies, and the sources `npm run fuzz` compiles).
  for (const d of ["bin", "dist", "node_modules", "compiler", "runtime", "scripts", "test/fuzz"]) symlinkSync(join(root, d), join(dir, d), "dir");
  const bin = join(dir, ".bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "durablec"), `#!/bin/sh\nexec "${process.execPath}" "${join(root, "bin", "durablec.js")}" "$@"\n`);
  chmodSync(join(bin, "durablec"), 0o755);
  mkdirSync(join(dir, "docs-samples"));
  cpSync(join(root, "test", "docs", "fixtures", "services.ts"), join(dir, "docs-samples", "services.ts"));
  scratch = dir;
  return dir;
}

/** The environment of the samples: `durablec` of the build first on the PATH. */
function shellEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${join(scratchProject(), ".bin")}:${process.env.PATH}`, NO_COLOR: "1", DURABLEC_EXAMPLES_DATA: "" };
}

// ---- durablec in this process -----------------------------------------------------------------

type Main = (argv: string[], io: { cwd: string; out(text: string): void; err(text: string): void }) => Promise<number>;
let cliMain: Main | undefined;

/** Runs `durablec <argv>` in `cwd` through the CLI's entry point: exit code, stdout, stderr. */
async function durablec(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  cliMain ??= ((await import(pathToFileURL(join(root, "dist", "compiler", "cli", "main.js")).href)) as { main: Main }).main;
  const out: string[] = [];
  const err: string[] = [];
  const code = await cliMain(argv, { cwd, out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** `durablec transform <name>.ts` for a sample saved in docs-samples/. */
async function transformSample(name: string, code: string) {
  const dir = join(scratchProject(), "docs-samples");
  writeFileSync(join(dir, `${name}.ts`), code + "\n");
  return durablec(["transform", `${name}.ts`], dir);
}

// ---- long-running commands --------------------------------------------------------------------

interface Server {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

/** Starts `command --port 0` in the scratch project and waits until it printed `expected`. */
async function startServer(command: string, expected: string[], dir = ""): Promise<Server> {
  const cwd = join(scratchProject(), dir);
  const child = spawn("bash", ["-c", `exec ${command} --port 0 2>&1`], { cwd, env: shellEnv(), stdio: ["ignore", "pipe", "inherit"] });
  const output: string[] = [];
  let buffered = "";
  child.stdout!.on("data", (d: Buffer) => {
    const lines = (buffered + d.toString()).split("\n");
    buffered = lines.pop()!;
    output.push(...lines);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!containsInOrder(output, expected).ok) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`\`${command}\` did not print ${JSON.stringify(containsInOrder(output, expected).missing)}:\n${output.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output, exited };
}

/** Ctrl-C: the exit code. */
async function stopServer(server: Server): Promise<number | null> {
  server.child.kill("SIGINT");
  return server.exited;
}

/** The address a server printed (`http://127.0.0.1:<port>`). */
function address(server: Server): string {
  const m = /http:\/\/127\.0\.0\.1:\d+/.exec(server.output.join("\n"));
  if (!m) throw new Error(`no address in:\n${server.output.join("\n")}`);
  return m[0];
}

/** Each command of a doc-server block with the `# > ` lines after it. */
function serverCommands(code: string): { command: string; expected: string[] }[] {
  const out: { command: string; expected: string[] }[] = [];
  for (const line of code.split("\n")) {
    const t = line.trim();
    if (t.startsWith("# > ")) out.at(-1)?.expected.push(t.slice(4));
    else if (t && !t.startsWith("#")) out.push({ command: t, expected: [] });
  }
  return out;
}

// ---- synopses, configuration, trees ------------------------------------------------------------

/** The `durablec …` commands of a synopsis block, continuation lines joined. */
function synopses(code: string): string[] {
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
function treeProblems(code: string, base: string): string[] {
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

describe("documentation samples", () => {
  it("have unique names", () => {
    const names = blocks.filter((b) => b.index === 0 && b.marker && b.marker.arg && b.marker.kind.startsWith("doc-") && b.marker.kind !== "doc-skip" && b.marker.kind !== "doc-file").map((b) => `${b.marker!.kind}:${b.marker!.arg}`);
    expect(names).toContain("doc-test:service-api");
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it("match expected lines in order, with … as a wildcard", () => {
    expect(containsInOrder(["a", "SUCCEEDED in 0.12s", "c"], ["SUCCEEDED in …", "c"]).ok).toBe(true);
    expect(containsInOrder(["c", "a"], ["a", "c"])).toEqual({ ok: false, missing: "c" });
  });

  it("read directory trees by indentation", () => {
    expect(treePaths("a/   x\n  b/  y\n  c/\n    f.txt    z\nd/  z\n            more words")).toEqual([
      { path: "a", dir: true, children: ["b", "c"] },
      { path: "a/b", dir: true, children: [] },
      { path: "a/c", dir: true, children: ["f.txt"] },
      { path: "a/c/f.txt", dir: false, children: [] },
      { path: "d", dir: true, children: [] },
    ]);
  });

  for (const pair of pairsOf("doc-transform")) {
    it(`${pair.file}:${pair.first.line}: ${pair.name} (durablec transform)`, async () => {
      const r = await transformSample(pair.name, pair.first.code);
      expect(r.code, r.err).toBe(0);
      const actual = r.out.replace(/\n+$/, "");
      if (process.env.UPDATE_DOC_TRANSFORMS) return rewriteSecondBlock(pair.second, actual);
      expect(pair.second.code, `the "after" block of ${pair.name} differs from durablec transform; UPDATE_DOC_TRANSFORMS=1 rewrites it`).toBe(actual);
    }, 60_000);
  }

  for (const pair of pairsOf("doc-diagnostics")) {
    it(`${pair.file}:${pair.first.line}: ${pair.name} (durablec transform diagnostics)`, async () => {
      const r = await transformSample(pair.name, pair.first.code);
      const actual = r.err.replace(/\n+$/, "");
      expect(actual, "a diagnostics sample reports something").not.toBe("");
      for (const [i, line] of pair.first.code.split("\n").entries()) {
        const code = /\/\/ (DUR\d{4})\b/.exec(line)?.[1];
        if (code) expect(actual, `line ${i + 1} of ${pair.name} says ${code}`).toMatch(new RegExp(`^${pair.name}\\.ts\\(${i + 1},\\d+\\): \\w+ ${code}:`, "m"));
      }
      if (process.env.UPDATE_DOC_TRANSFORMS) return rewriteSecondBlock(pair.second, actual);
      expect(pair.second.code, `the diagnostics of ${pair.name} differ from what durablec transform reports; UPDATE_DOC_TRANSFORMS=1 rewrites them`).toBe(actual);
    }, 60_000);
  }

  for (const sample of ofKind("doc-compiles")) {
    it(`${sample.file}:${sample.line}: ${sample.marker!.arg} (compiles cleanly)`, async () => {
      const r = await transformSample(sample.marker!.arg, sample.code);
      expect(r.err, "no diagnostics").toBe("");
      expect(r.code).toBe(0);
      expect(r.out).toContain("@aws/durable-execution-sdk-js");
    }, 60_000);
  }

  for (const block of ofKind("doc-usage")) {
    it(`${block.file}:${block.line}: command synopses match --help`, async () => {
      for (const synopsis of synopses(block.code)) {
        const words = synopsis.split(/\s+/);
        const command = words.slice(1).findIndex((w) => !/^[a-z]+$/.test(w));
        const path = words.slice(1, command === -1 ? undefined : command + 1);
        const help = await durablec([...path.slice(0, 1), "--help"], scratchProject());
        expect(help.code, `durablec ${path[0]} --help: ${help.err}`).toBe(0);
        expect(help.out, `durablec ${path.join(" ")} is not in its --help`).toContain(`durablec ${path.join(" ")}`);
        for (const option of synopsis.match(/--[a-zA-Z][\w-]*/g) ?? []) {
          expect(help.out, `${synopsis}\n  ${option} is not an option of durablec ${path[0]}`).toMatch(new RegExp(`${option}\\b`));
        }
      }
    });
  }

  for (const block of ofKind("doc-config")) {
    it(`${block.file}:${block.line}: a valid durable.config.json`, async () => {
      const { parseDurableConfig } = (await import(pathToFileURL(join(root, "dist", "compiler", "index.js")).href)) as typeof import("../../compiler/index.js");
      expect(parseDurableConfig(block.code, "durable.config.json").diagnostics).toEqual([]);
    });
  }

  for (const block of ofKind("doc-tree").filter((b) => !b.marker!.arg)) {
    it(`${block.file}:${block.line}: the directories it lists`, () => {
      expect(treeProblems(block.code, root)).toEqual([]);
    });
  }

  // The samples that run in the scratch project, and what reads their output or their files, in reading order.
  const steps = blocks.filter(
    (b) => b.marker?.kind === "doc-test" || (b.marker?.kind === "doc-tree" && b.marker.arg) || ["doc-http", "doc-server", "doc-output", "doc-file"].includes(b.marker?.kind ?? ""),
  );
  let lastOutput: { at: string; lines: string[] } | undefined;
  let server: { file: string; server: Server } | undefined;
  const stopFileServer = async () => {
    if (!server) return;
    const s = server.server;
    server = undefined;
    expect(await stopServer(s), `the server stopped on SIGINT with exit code 0:\n${s.output.join("\n")}`).toBe(0);
  };
  afterAll(async () => {
    server?.server.child.kill("SIGKILL");
  });

  for (const step of steps) {
    const kind = step.marker!.kind;
    const title = `${step.file}:${step.line}: ${kind === "doc-test" ? step.marker!.arg : `${kind} ${step.marker!.arg}`.trim()}`;
    if (kind === "doc-server") {
      it(`${title} (long-running)`, async () => {
        await stopFileServer();
        const commands = serverCommands(step.code);
        expect(commands.length).toBeGreaterThan(0);
        for (const [i, { command, expected }] of commands.entries()) {
          expect(expected.length, `${command} states what it prints`).toBeGreaterThan(0);
          const started = await startServer(command, expected, step.marker!.arg);
          if (i < commands.length - 1) expect(await stopServer(started), `${command} stopped on SIGINT with exit code 0`).toBe(0);
          else server = { file: step.file, server: started };
        }
      }, 200_000);
      continue;
    }
    if (kind === "doc-output") {
      it(`${title} (the output of the sample before it)`, () => {
        expect(lastOutput, "a doc-output block follows a shell sample").toBeDefined();
        const match = containsInOrder(lastOutput!.lines, step.code.split("\n"));
        expect(match.ok, `missing ${JSON.stringify(match.missing)} in the output of ${lastOutput!.at}:\n${lastOutput!.lines.join("\n")}`).toBe(true);
      });
      continue;
    }
    if (kind === "doc-test" && step.lang === "ts") {
      it(title, () => {
        const cwd = scratchProject();
        const dir = join(cwd, ".tmp", "doc-tests");
        mkdirSync(dir, { recursive: true });
        const path = join(dir, `${step.marker!.arg}.mts`);
        writeFileSync(path, step.code);
        const stdout = execFileSync(process.execPath, ["--import", "tsx", path], { cwd, encoding: "utf8", env: shellEnv() });
        const expected = expectedLines(step.code, "// > ");
        expect(expected.length, "a sample states what it prints").toBeGreaterThan(0);
        const printed = stdout.split("\n").filter((l) => l.length > 0 && !l.startsWith('{"requestId"'));
        expect(containsInOrder(printed, expected).ok && printed.length === expected.length, `printed:\n${printed.join("\n")}`).toBe(true);
      }, 120_000);
      continue;
    }
    if (kind === "doc-tree") {
      it(`${title} (the files it lists)`, () => {
        expect(treeProblems(step.code, join(scratchProject(), step.marker!.arg))).toEqual([]);
      });
      continue;
    }
    if (kind === "doc-file") {
      it(`${title} (file content)`, () => {
        expect(readFileSync(join(scratchProject(), step.marker!.arg), "utf8").replace(/\n+$/, "")).toBe(step.code);
      });
      continue;
    }
    it(title, async () => {
      const cwd = scratchProject();
      if (server && server.file !== step.file) await stopFileServer();
      let code = step.code;
      if (kind === "doc-http") {
        expect(server, "a doc-http sample follows a doc-server block in the same file").toBeDefined();
        code = code.replaceAll("localhost:7070", address(server!.server).replace("http://", ""));
      }
      const r = spawnSync("bash", ["-c", `exec 2>&1\nshopt -s expand_aliases\n${code}`], { cwd, encoding: "utf8", timeout: 180_000, env: shellEnv() });
      lastOutput = { at: title, lines: r.stdout.split("\n") };
      const expected = expectedLines(step.code, "# > ");
      expect(expected.length, "a sample states what it prints").toBeGreaterThan(0);
      const match = containsInOrder(lastOutput.lines, expected);
      expect(match.ok, `missing ${JSON.stringify(match.missing)} in the output of ${title}:\n${r.stdout}`).toBe(true);
    }, 200_000);
  }

  it("stops the last server", async () => {
    await stopFileServer();
    expect(server).toBeUndefined();
  });
});
