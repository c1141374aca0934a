import { createRequire } from "node:module";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";

/** One TypeScript file to turn into JavaScript: its text and what its source map calls it. */
export interface TranspileInput {
  fileName: string;
  text: string;
  /** The source as the map names it (relative to the JavaScript file, like tsc's maps). */
  sourcefile: string;
}

/** esbuild's output for one file: code without a `sourceMappingURL` comment, and its map. */
export type Transpiled = { code: string; map: string } | { error: string };

/** The esbuild transform options a program's compiler options translate to (isolated-emit.ts). */
export interface TranspileOptions {
  target: string;
  sourcemap: boolean;
  sourcesContent: boolean;
  tsconfigRaw: { compilerOptions: Record<string, boolean | undefined> };
}

/**
 * Turns TypeScript into JavaScript with esbuild on a worker thread, while the main thread goes
 * on type-checking and emitting declarations.
 *
 * esbuild (native code, a service process of its own) transpiles a file in a fraction of what
 * TypeScript's emitter takes, and its asynchronous API keeps the second core busy while the
 * compiler's main thread is synchronous. A job is started as soon as its inputs are known and
 * its results are collected when the emit needs them: `TranspileJob.results()` blocks (Atomics.wait
 * on a shared flag, the reply read with receiveMessageOnPort). A thread that died or stalled
 * yields `undefined` and the caller emits with TypeScript instead: the transpiler only ever makes
 * a build faster.
 */
export class Transpiler {
  readonly #worker: Worker;
  readonly #replies: MessagePort;
  /** Slot 0: replies posted; slot 1: the thread runs (1) or died (2); slot 2: files transpiled. */
  readonly #flag = new Int32Array(new SharedArrayBuffer(12));
  /** Replies read from the port that belong to jobs not collected yet. */
  readonly #unclaimed = new Map<number, Map<string, Transpiled>>();
  /** Jobs nobody will collect: their replies are dropped when they arrive. */
  readonly #abandoned = new Set<number>();
  #jobs = 0;
  #closed = false;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.#replies = port1;
    const esbuild = createRequire(import.meta.url).resolve("esbuild");
    this.#worker = new Worker(TRANSPILER_THREAD, { eval: true, workerData: { flag: this.#flag, replies: port2, esbuild }, transferList: [port2] });
    // Watch mode keeps one transpiler for the process; it must not keep the process alive.
    this.#worker.unref();
    this.#replies.unref();
  }

  /** Starts transpiling `files` (ES modules) and returns at once. */
  transpile(files: readonly TranspileInput[], options: TranspileOptions): TranspileJob {
    const job = ++this.#jobs;
    const names = new Set(files.map((f) => f.fileName));
    if (files.length === 0 || !this.usable) return new TranspileJob(names, { collect: () => (files.length === 0 ? new Map() : undefined), answered: () => true, abandon: () => {} });
    this.#worker.postMessage({ job, files, options });
    return new TranspileJob(names, { collect: () => this.#collect(job), answered: () => this.#answered(job), abandon: () => this.#abandon(job) });
  }

  /** Stops the worker thread (the transpiler cannot be used afterwards). */
  close(): Promise<number> {
    this.#closed = true;
    return this.#worker.terminate();
  }

  /** True while the thread can take jobs (false once it died or was closed). */
  get usable(): boolean {
    return !this.#closed && Atomics.load(this.#flag, 1) !== 2;
  }

  /** Reads the replies that arrived; true when `job`'s is among them (or the thread is gone). */
  #answered(job: number): boolean {
    this.#receive();
    return this.#unclaimed.has(job) || !this.usable;
  }

  #receive(): void {
    for (let reply = receiveMessageOnPort(this.#replies); reply; reply = receiveMessageOnPort(this.#replies)) {
      const message = reply.message as { job: number; results: [string, Transpiled][] };
      if (this.#abandoned.delete(message.job)) continue;
      this.#unclaimed.set(message.job, new Map(message.results));
    }
  }

  #abandon(job: number): void {
    this.#receive();
    if (!this.#unclaimed.delete(job)) this.#abandoned.add(job);
  }

  #collect(job: number): Map<string, Transpiled> | undefined {
    let progress = Atomics.load(this.#flag, 2);
    let progressAt = performance.now();
    for (;;) {
      const seen = Atomics.load(this.#flag, 0);
      this.#receive();
      const results = this.#unclaimed.get(job);
      if (results) {
        this.#unclaimed.delete(job);
        return results;
      }
      if (this.#closed || Atomics.load(this.#flag, 1) === 2) return undefined;
      const now = Atomics.load(this.#flag, 2);
      if (now !== progress) [progress, progressAt] = [now, performance.now()];
      else if (performance.now() - progressAt > STALL_TIMEOUT_MS) return undefined;
      Atomics.wait(this.#flag, 0, seen, 1000);
    }
  }
}

/** A transpile in progress: `results()` waits for it (once; later calls return the same map). */
export class TranspileJob {
  readonly #thread: { collect(): Map<string, Transpiled> | undefined; answered(): boolean; abandon(): void };
  #results: Map<string, Transpiled> | undefined | null = null;

  /** `files`: the file names the job transpiles; `thread`: how to reach its reply. */
  constructor(
    readonly files: ReadonlySet<string>,
    thread: { collect(): Map<string, Transpiled> | undefined; answered(): boolean; abandon(): void },
  ) {
    this.#thread = thread;
  }

  /** Says nobody will collect the results (a build that failed before its emit): they are dropped. */
  abandon(): void {
    if (this.#results === null) this.#thread.abandon();
    this.#results = undefined;
  }

  /** True when `results()` would not wait. */
  ready(): boolean {
    return this.#results !== null || this.#thread.answered();
  }

  /** File name → esbuild's output, or `undefined` when the thread is gone (emit with TypeScript). */
  results(): Map<string, Transpiled> | undefined {
    if (this.#results === null) this.#results = this.#thread.collect();
    return this.#results;
  }
}

const STALL_TIMEOUT_MS = 30_000;

let shared: Transpiler | undefined;
/** One transpiler thread per process (watch mode and the test suite build many times). */
export function sharedTranspiler(): Transpiler {
  if (!shared?.usable) shared = new Transpiler();
  return shared;
}

/**
 * The worker thread's code: plain JavaScript in a string, run with `eval` (see output-writer.ts
 * for why). Every job's files go to esbuild's service at once; the reply carries one result per
 * file, an error message for a file esbuild refused.
 */
const TRANSPILER_THREAD = `
  const { parentPort, workerData } = require("node:worker_threads");
  const { flag, replies } = workerData;
  process.on("uncaughtException", () => {
    Atomics.store(flag, 1, 2);
    Atomics.notify(flag, 0);
  });
  // One thread for esbuild's service: the type check it overlaps keeps the other core.
  process.env.GOMAXPROCS = "1";
  const esbuild = require(workerData.esbuild);
  Atomics.store(flag, 1, 1);
  // The service process starts now, while the compiler loads the project.
  esbuild.transform("", { loader: "ts" }).catch(() => {});

  const transpile = async (file, options) => {
    try {
      const out = await esbuild.transform(file.text, {
        loader: "ts",
        format: "esm",
        target: options.target,
        sourcemap: options.sourcemap ? "external" : false,
        sourcesContent: options.sourcesContent,
        sourcefile: file.sourcefile,
        charset: "utf8",
        tsconfigRaw: options.tsconfigRaw,
        logLevel: "silent",
      });
      return { code: out.code, map: out.map };
    } catch (error) {
      return { error: error.message };
    } finally {
      Atomics.add(flag, 2, 1);
    }
  };

  parentPort.on("message", async ({ job, files, options }) => {
    const results = await Promise.all(files.map(async (file) => [file.fileName, await transpile(file, options)]));
    replies.postMessage({ job, results });
    Atomics.add(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
`;
