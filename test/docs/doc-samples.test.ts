/**
 * The samples that run in the scratch project (see doc-runner.ts), in reading order: README.md,
 * examples/README.md, each example's README, then docs/ (getting started first), so a page can
 * use what an earlier one built (the examples, the welcome project of getting started). TypeScript
 * (`doc-test` ```ts) and shell (`doc-test` ```sh) samples, long-running commands (`doc-server`)
 * and the requests to them (`doc-http`), the output (`doc-output`), files (`doc-file`) and trees
 * (`doc-tree: dir`) they produce. The markers are described in markdown-blocks.ts.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { blocks, containsInOrder, createScratchProject, expectedLines, shellEnv, treeProblems } from "./doc-runner.js";

const scratch = createScratchProject();
afterAll(() => scratch.remove());
const project = scratch.dir;

// ---- long-running commands --------------------------------------------------------------------

interface Server {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

/** Starts `command --port 0` in the scratch project and waits until it printed `expected`. */
async function startServer(command: string, expected: string[], dir = ""): Promise<Server> {
  const cwd = join(project, dir);
  const child = spawn("bash", ["-c", `exec ${command} --port 0 2>&1`], { cwd, env: shellEnv(project), stdio: ["ignore", "pipe", "inherit"] });
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

describe("documentation samples in the scratch project", () => {
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
        const cwd = project;
        const dir = join(cwd, ".tmp", "doc-tests");
        mkdirSync(dir, { recursive: true });
        const path = join(dir, `${step.marker!.arg}.mts`);
        writeFileSync(path, step.code);
        const stdout = execFileSync(process.execPath, ["--import", "tsx", path], { cwd, encoding: "utf8", env: shellEnv(project) });
        const expected = expectedLines(step.code, "// > ");
        expect(expected.length, "a sample states what it prints").toBeGreaterThan(0);
        const printed = stdout.split("\n").filter((l) => l.length > 0 && !l.startsWith('{"requestId"'));
        expect(containsInOrder(printed, expected).ok && printed.length === expected.length, `printed:\n${printed.join("\n")}`).toBe(true);
      }, 120_000);
      continue;
    }
    if (kind === "doc-tree") {
      it(`${title} (the files it lists)`, () => {
        expect(treeProblems(step.code, join(project, step.marker!.arg))).toEqual([]);
      });
      continue;
    }
    if (kind === "doc-file") {
      it(`${title} (file content)`, () => {
        expect(readFileSync(join(project, step.marker!.arg), "utf8").replace(/\n+$/, "")).toBe(step.code);
      });
      continue;
    }
    it(title, async () => {
      const cwd = project;
      if (server && server.file !== step.file) await stopFileServer();
      let code = step.code;
      if (kind === "doc-http") {
        expect(server, "a doc-http sample follows a doc-server block in the same file").toBeDefined();
        code = code.replaceAll("localhost:7070", address(server!.server).replace("http://", ""));
      }
      const r = spawnSync("bash", ["-c", `exec 2>&1\nshopt -s expand_aliases\n${code}`], { cwd, encoding: "utf8", timeout: 180_000, env: shellEnv(project) });
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
