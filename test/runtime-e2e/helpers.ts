import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const BIN = join(ROOT, "bin", "durablec.js");
export const FIXTURES = join(ROOT, "test", "runtime-e2e", "fixtures");
export const FLOWS = join(FIXTURES, "flows.mjs");
export const CRASH = join(FIXTURES, "crash.mjs");

/**
 * Runs a runtime command in this process (what `durablec <cmd>` does after the launcher), for
 * the many cases where starting Node again would only add time.
 */
export async function inProcess(args: string[], options: { cwd: string }): Promise<CliResult> {
  const { RUNTIME_COMMANDS } = await import("../../runtime/cli/index.js");
  const [name, ...rest] = args;
  let stdout = "";
  let stderr = "";
  const code = await RUNTIME_COMMANDS[name!]!.run(rest, {
    cwd: options.cwd,
    out: (t) => (stdout += t + "\n"),
    err: (t) => (stderr += t + "\n"),
  });
  return { code, stdout, stderr };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A fresh directory (the cwd of the commands, so the default .durable/state.db lands in it). */
export function tempDir(prefix = "durablec-e2e-"): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `durablec …` to completion. */
export function cli(args: string[], options: { cwd: string; stdin?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`durablec ${args.join(" ")} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? "");
  });
}

/** A long-running `durablec worker|serve` child whose JSON log lines are collected. */
export class Daemon {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  stderr = "";
  #waiters: { test: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let buf = "";
    this.child.stdout!.on("data", (d) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text) as Record<string, unknown>;
        } catch {
          line = { event: "non-json", text };
        }
        this.lines.push(line);
        this.#waiters = this.#waiters.filter((w) => (w.test(line) ? (w.resolve(line), false) : true));
      }
    });
    this.child.stderr!.on("data", (d) => (this.stderr += d));
    this.exited = new Promise((r) => this.child.on("exit", (code, signal) => r({ code, signal })));
  }

  /** Resolves with the first log line (past or future) that passes `test`. */
  waitFor(test: (l: Record<string, unknown>) => boolean, timeoutMs = 40_000): Promise<Record<string, unknown>> {
    const found = this.lines.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for a log line; stderr: ${this.stderr}\nlines: ${this.lines.slice(-5).map((l) => JSON.stringify(l)).join("\n")}`)), timeoutMs);
      this.#waiters.push({
        test,
        resolve: (l) => {
          clearTimeout(timer);
          resolvePromise(l);
        },
      });
    });
  }

  async stop(signal: NodeJS.Signals = "SIGTERM") {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` until it returns a truthy value. */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 40_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(everyMs);
  }
}
