// `durablec dev` as a command: usage errors, reloading edited handler modules, and building a
// "use durable" project, serving its manifest's source lines and rebuilding it on change.
// Temporary projects live inside the repository so that the SDK and `durablec` resolve.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const BIN = join(ROOT, "bin", "durablec.js");
const TMP = join(ROOT, ".tmp", `dev-${process.pid}`);
const running: ChildProcess[] = [];

afterAll(async () => {
  await Promise.all(running.map((p) => (p.exitCode === null ? new Promise((r) => (p.once("exit", r), p.kill("SIGTERM"))) : undefined)));
  rmSync(TMP, { recursive: true, force: true });
});

interface Dev {
  url: string;
  output(): string;
  /** Resolves when the output (from now on) matches. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
}

function startDev(cwd: string, args: string[]): Promise<Dev> {
  const child = spawn(process.execPath, [BIN, "dev", "--port", "0", "--db", ":memory:", ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  running.push(child);
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d;
    for (const l of listeners) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const waitFrom = (from: number, re: RegExp, timeoutMs = 60_000) =>
    new Promise<RegExpExecArray>((resolvePromise, reject) => {
      const check = () => {
        const m = re.exec(out.slice(from));
        if (m) {
          listeners.delete(check);
          clearTimeout(timer);
          resolvePromise(m);
        }
      };
      const timer = setTimeout(() => (listeners.delete(check), reject(new Error(`no ${re} in:\n${out}`))), timeoutMs);
      listeners.add(check);
      child.once("exit", (code) => reject(new Error(`durablec dev exited with ${code}:\n${out}`)));
      check();
    });
  return waitFrom(0, /UI and API on (http:\/\/127\.0\.0\.1:\d+)\//).then((m) => ({
    url: m[1]!,
    output: () => out,
    waitFor: (re, t) => waitFrom(out.length, re, t).then(() => undefined),
  }));
}

async function execute(url: string, functionName: string, input: unknown): Promise<{ status: string; result?: unknown }> {
  const res = await fetch(`${url}/executions`, { method: "POST", body: JSON.stringify({ functionName, input }) });
  expect(res.status).toBe(201);
  const { arn } = (await res.json()) as { arn: string };
  for (let i = 0; i < 300; i++) {
    const e = (await (await fetch(`${url}/executions/${encodeURIComponent(arn)}`)).json()) as { status: string; result?: unknown };
    if (e.status !== "RUNNING") return e;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the execution did not finish");
}

function run(cwd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
  });
}

const HANDLER = `import { withDurableExecution } from "@aws/durable-execution-sdk-js";
import { greeting } from "./greeting.mjs";
export const hello = withDurableExecution(async (event, ctx) => ctx.step("greet", async () => greeting() + " " + event.who));
`;
const greeting = (word: string) => `export const greeting = () => "${word}";\n`;

describe("durablec dev", () => {
  it("explains its usage and refuses a command line it cannot run", async () => {
    const dir = join(TMP, "empty");
    mkdirSync(dir, { recursive: true });
    const help = await run(dir, ["dev", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: durablec dev");
    const nothing = await run(dir, ["dev"]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain("Name compiled modules (durablec dev dist/flows.js) or a project (durablec dev -p tsconfig.json).");
    const missing = await run(dir, ["dev", "nope.mjs"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("Cannot find module nope.mjs");
    const badPort = await run(dir, ["dev", "x.mjs", "--port", "70000"]);
    expect([badPort.code, badPort.stderr]).toEqual([2, expect.stringContaining("--port must be at most 65535")]);
    // A port already taken: exit 1 with the reason.
    writeFileSync(join(dir, "hello.mjs"), HANDLER);
    writeFileSync(join(dir, "greeting.mjs"), greeting("hello"));
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    try {
      const busy = await run(dir, ["dev", "hello.mjs", "--db", ":memory:", "--port", String((taken.address() as AddressInfo).port)]);
      expect([busy.code, busy.stderr]).toEqual([1, expect.stringMatching(/cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/)]);
    } finally {
      taken.close();
    }
  });

  it("reloads a handler module when it or a module it imports changes", async () => {
    const dir = join(TMP, "modules");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "hello.mjs"), HANDLER);
    writeFileSync(join(dir, "greeting.mjs"), greeting("hello"));
    const dev = await startDev(dir, ["hello.mjs"]);
    expect(await execute(dev.url, "hello", { who: "ana" })).toMatchObject({ status: "SUCCEEDED", result: "hello ana" });
    let reloaded = dev.waitFor(/handlers-reloaded/);
    writeFileSync(join(dir, "greeting.mjs"), greeting("bonjour"));
    await reloaded;
    expect(await execute(dev.url, "hello", { who: "ana" })).toMatchObject({ status: "SUCCEEDED", result: "bonjour ana" });
    reloaded = dev.waitFor(/handlers-reloaded/);
    writeFileSync(join(dir, "hello.mjs"), HANDLER.replace('" " + event.who', '", " + event.who'));
    await reloaded;
    expect(await execute(dev.url, "hello", { who: "ana" })).toMatchObject({ status: "SUCCEEDED", result: "bonjour, ana" });
  });

  it("builds a project, serves the source line of each operation, and rebuilds on change", async () => {
    const dir = join(TMP, "project");
    mkdirSync(join(dir, "src"), { recursive: true });
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, types: ["node"], outDir: "out", rootDir: "src" },
        include: ["src"],
      }),
    );
    const source = (word: string) => `export async function greet(input: { who: string }): Promise<string> {
  "use durable";
  const at = Date.now();
  return \`${word} \${input.who} \${at > 0}\`;
}
`;
    writeFileSync(join(dir, "src", "greet.ts"), source("hello"));
    const dev = await startDev(dir, ["-p", "tsconfig.json"]);
    expect(dev.output()).toContain("build-finished");
    const fns = (await (await fetch(`${dev.url}/functions`)).json()) as { functions: { name: string; file: string; operations: { name: string; file: string; line: number }[] }[] };
    expect(fns.functions).toEqual([expect.objectContaining({ name: "greet", file: "src/greet.ts", operations: [expect.objectContaining({ name: "greet/Date.now", file: "src/greet.ts", line: 3 })] })]);
    const src = (await (await fetch(`${dev.url}/source?file=src/greet.ts&line=3&context=0`)).json()) as { lines: string[] };
    expect(src.lines).toEqual(["  const at = Date.now();"]);
    expect(await execute(dev.url, "greet", { who: "ana" })).toMatchObject({ status: "SUCCEEDED", result: "hello ana true" });

    const rebuilt = dev.waitFor(/handlers-reloaded/, 90_000);
    writeFileSync(join(dir, "src", "greet.ts"), source("hi"));
    await rebuilt;
    expect(await execute(dev.url, "greet", { who: "ana" })).toMatchObject({ status: "SUCCEEDED", result: "hi ana true" });
    // Its own output (out/, with the manifest) did not set off another build.
    await new Promise((r) => setTimeout(r, 500));
    expect(dev.output().match(/build-finished/g)).toHaveLength(2);

    // A build with errors is reported (the UI shows it) and the previous handlers keep running.
    const failed = dev.waitFor(/build-failed/, 90_000);
    writeFileSync(join(dir, "src", "greet.ts"), source("hey").replace("const at = Date.now();", 'const at: number = "now";'));
    await failed;
    const after = (await (await fetch(`${dev.url}/functions`)).json()) as { build: { ok: boolean; diagnostics: string } };
    expect(after.build.ok).toBe(false);
    expect(after.build.diagnostics).toMatch(/src\/greet\.ts\(3,9\): error TS2322/);
    expect(await execute(dev.url, "greet", { who: "ana" })).toMatchObject({ status: "SUCCEEDED", result: "hi ana true" });
  }, 180_000);
});
