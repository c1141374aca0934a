import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";

/**
 * Writes a build's outputs on a worker thread while the compiler is still emitting, and puts them
 * in place only when the build commits.
 *
 * Creating files is kernel work (about 0.6 ms per file on a virtualised ext4 disk: most of a cold
 * build's writing time), so it runs on the second core while the main thread emits the next file.
 * An output equal to the file already at its target is left alone (its mtime stays, and a watcher
 * of the output directory sees only what changed); each other output is written to a temporary
 * name next to its target and renamed over it on `commit()`:
 * a build that fails while emitting (`abort()`) leaves the previous outputs as they were, removes
 * the directories it created, and a reader of the output directory (`durablec dev`, a file
 * watcher) never sees a half-written file.
 *
 * The API is synchronous, like the rest of `compile()`: `commit()` and `abort()` block until the
 * worker is done (Atomics.wait on a shared flag, then the reply read with receiveMessageOnPort).
 */
export class OutputWriter {
  readonly #worker: Worker;
  readonly #replies: MessagePort;
  /** Slot 0: the thread answered (1); slot 1: the thread runs (1) or died (2); slot 2: messages it handled. */
  readonly #flag = new Int32Array(new SharedArrayBuffer(12));
  #pending = 0;
  #closed = false;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.#replies = port1;
    this.#worker = new Worker(WRITER_THREAD, { eval: true, workerData: { flag: this.#flag, replies: port2 }, transferList: [port2] });
    // Watch mode keeps one writer for the process; it must not keep the process alive.
    this.#worker.unref();
    this.#replies.unref();
  }

  /** Queues `text` for `file` (absolute path). Nothing is visible under that name before `commit()`. */
  write(file: string, text: string): void {
    this.#pending++;
    this.#worker.postMessage({ kind: "write", file, text });
  }

  /**
   * Renames every queued file into place; throws (after removing the temporaries) if a write
   * failed, or `OutputWriterStopped` if the thread is gone (the caller still has the outputs).
   */
  commit(): void {
    const reply = this.#finish("commit");
    if (reply.error) throw new Error(reply.error);
  }

  /** Forgets every queued file: temporaries and the directories created for them are removed. */
  abort(): void {
    this.#finish("abort");
  }

  /** Stops the worker thread (the writer cannot be used afterwards). */
  close(): Promise<number> {
    this.#closed = true;
    return this.#worker.terminate();
  }

  #finish(kind: "commit" | "abort"): { error?: string } {
    if (this.#closed) throw new OutputWriterStopped("it was closed");
    if (this.#pending === 0) return {};
    this.#pending = 0;
    Atomics.store(this.#flag, 0, 0);
    this.#worker.postMessage({ kind });
    // Waits as long as the thread makes progress (a large build's writes take seconds).
    let progress = Atomics.load(this.#flag, 2);
    let progressAt = performance.now();
    while (Atomics.load(this.#flag, 0) === 0) {
      Atomics.wait(this.#flag, 0, 0, 1000);
      if (Atomics.load(this.#flag, 1) === 2) throw new OutputWriterStopped("it stopped on an unexpected error");
      const now = Atomics.load(this.#flag, 2);
      if (now !== progress) [progress, progressAt] = [now, performance.now()];
      else if (performance.now() - progressAt > STALL_TIMEOUT_MS) throw new OutputWriterStopped(`it did nothing for ${STALL_TIMEOUT_MS / 1000} s`);
    }
    const reply = receiveMessageOnPort(this.#replies);
    if (!reply) throw new OutputWriterStopped("it answered nothing");
    return reply.message as { error?: string };
  }
}

/** The writer's thread is gone: nothing was put in place. */
export class OutputWriterStopped extends Error {
  constructor(why: string) {
    super(`the output writer thread is unusable: ${why}`);
  }
}

const STALL_TIMEOUT_MS = 30_000;

/**
 * The worker thread's code: plain JavaScript in a string, run with `eval`, so it needs no file of
 * its own next to the compiled module and no tool that loads these sources (tsx, a test runner)
 * can rewrite it into something that needs their helpers. Messages are handled in order, so every
 * write queued before a commit is on disk when the commit runs. The shared flag says whether the
 * thread runs or died and counts the messages it handled, so a waiting main thread never waits
 * for a dead one.
 */
const WRITER_THREAD = `
  const { parentPort, workerData } = require("node:worker_threads");
  const fs = require("node:fs");
  const path = require("node:path");
  const { flag, replies } = workerData;
  process.on("uncaughtException", () => {
    Atomics.store(flag, 1, 2);
    Atomics.notify(flag, 0);
  });
  Atomics.store(flag, 1, 1);
  const suffix = \`.\${process.pid}.durablec-tmp\`;
  /** Target → temporary name, in the order they were written. */
  let staged = new Map();
  /** Directories that did not exist before this build, outermost first. */
  let created = [];
  const knownDirs = new Set();
  let failure;

  /** True when \`file\` holds exactly \`text\` already: writing it again would only change its mtime. */
  const unchanged = (file, text) => {
    try {
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      return !!stat && stat.isFile() && stat.size === Buffer.byteLength(text) && fs.readFileSync(file, "utf8") === text;
    } catch {
      return false;
    }
  };
  const write = (file, text) => {
    if (unchanged(file, text)) {
      // A later text for a file replaces an earlier one, "as it is" included.
      const tmp = staged.get(file);
      if (tmp !== undefined) {
        fs.rmSync(tmp, { force: true });
        staged.delete(file);
      }
      return;
    }
    const dir = path.dirname(file);
    if (!knownDirs.has(dir)) {
      const first = fs.mkdirSync(dir, { recursive: true });
      if (first) for (let d = dir; d.length >= first.length; d = path.dirname(d)) created.push(d);
      knownDirs.add(dir);
    }
    const tmp = file + suffix;
    fs.writeFileSync(tmp, text);
    staged.set(file, tmp);
  };
  const removeStaged = () => {
    for (const tmp of staged.values()) fs.rmSync(tmp, { force: true });
    for (const dir of [...new Set(created)].sort((a, b) => b.length - a.length)) {
      try {
        fs.rmdirSync(dir);
      } catch {
        // Not empty: something else lives there now.
      }
    }
  };
  const reply = (message) => {
    staged = new Map();
    created = [];
    // The next build checks again: the output directory may be removed between builds.
    knownDirs.clear();
    failure = undefined;
    replies.postMessage(message);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };

  parentPort.on("message", (message) => {
    Atomics.add(flag, 2, 1);
    if (message.kind === "write") {
      if (failure) return;
      try {
        write(message.file, message.text);
      } catch (error) {
        failure = error.message;
      }
      return;
    }
    if (message.kind === "abort" || failure) {
      const error = failure;
      removeStaged();
      reply(message.kind === "commit" && error ? { error } : {});
      return;
    }
    try {
      for (const [file, tmp] of staged) fs.renameSync(tmp, file);
      reply({});
    } catch (error) {
      removeStaged();
      reply({ error: error.message });
    }
  });
`;
