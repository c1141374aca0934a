import type { Statement } from "better-sqlite3";
import type { DurableRuntime } from "../service/runtime.js";
import { parseExecutionArn, type Logger } from "./log.js";

export interface WorkerOptions {
  runtime: DurableRuntime;
  /** The longest the worker sleeps between looks at the database (ms). Default 500. */
  pollMs?: number;
  /** How many executions it drives at once. Default 8. */
  concurrency?: number;
  logger?: Logger;
  /** Called when a poll fails (e.g. the database is locked for longer than the busy timeout). */
  onError?: (error: unknown) => void;
}

export interface StopResult {
  /** Executions whose in-flight work finished within the grace period. */
  finished: number;
  /** Executions whose invocation was cut off and handed back (lease released, invocation closed). */
  released: string[];
}

/**
 * A long-running loop over one store: picks executions whose wait ended, whose step retry or
 * callback came due, that a callback or chained invoke woke, or whose previous invocation died
 * with its process (lease expired), and drives each under a lease, so that several workers on
 * one file never run the same execution at once.
 *
 * @example
 * const rt = createRuntime({ db: ".durable/state.db", leaseMs: 10_000 });
 * rt.register("checkout", checkout);
 * const worker = new Worker({ runtime: rt });
 * worker.start();
 * process.once("SIGTERM", async () => { await worker.stop(); await rt.close(); });
 */
export class Worker {
  readonly runtime: DurableRuntime;
  readonly #pollMs: number;
  readonly #concurrency: number;
  readonly #logger?: Logger;
  readonly #onError?: (error: unknown) => void;
  readonly #active = new Map<string, Promise<void>>();
  #stopping = false;
  #loop?: Promise<void>;
  #wake?: () => void;
  #due?: Statement;
  #next?: Statement;

  constructor(options: WorkerOptions) {
    this.runtime = options.runtime;
    this.#pollMs = options.pollMs ?? 500;
    this.#concurrency = Math.max(1, options.concurrency ?? 8);
    this.#logger = options.logger;
    this.#onError = options.onError;
  }

  /** Executions being driven right now. */
  get active(): string[] {
    return [...this.#active.keys()];
  }

  /** Starts polling; returns at once. */
  start(): void {
    if (this.#loop) return;
    this.#loop = this.#run();
  }

  /** Makes the worker look at the database now (e.g. after an HTTP request started an execution). */
  poke(): void {
    this.#wake?.();
  }

  /**
   * Stops taking new work and waits up to `graceMs` for in-flight executions to reach a
   * checkpointed pause. What is still running then is handed back: its invocation is closed as
   * crashed (its token revoked, so nothing it does later is recorded) and its lease released, so
   * another worker resumes it from its last checkpoint at once.
   */
  async stop(graceMs = 10_000): Promise<StopResult> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
    const pending = [...this.#active.values()];
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.allSettled(pending).then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs))),
    ]);
    clearTimeout(timer);
    const released: string[] = [];
    if (timedOut) {
      const { service, owner } = this.runtime;
      for (const arn of this.#active.keys()) {
        try {
          service.recoverAbandonedInvocation(arn, Number.MAX_SAFE_INTEGER, {
            ErrorType: "WorkerShutdown",
            ErrorMessage: "The worker shut down before this invocation ended; it will be retried from its last checkpoint.",
          });
          service.releaseLease(arn, owner);
          released.push(arn);
        } catch (e) {
          this.#onError?.(e);
        }
      }
    }
    return { finished: pending.length - released.length, released };
  }

  async #run(): Promise<void> {
    const fns = JSON.stringify(this.runtime.functionNames);
    while (!this.#stopping) {
      let delay = this.#pollMs;
      try {
        this.runtime.startChainedInvokes();
        const free = this.#concurrency - this.#active.size;
        const now = this.runtime.clock.now();
        if (free > 0) {
          const due = this.#dueStatement().all({ now, fns, owner: this.runtime.owner, limit: free + this.#active.size }) as { arn: string }[];
          for (const { arn } of due) {
            if (this.#active.size >= this.#concurrency) break;
            if (!this.#active.has(arn)) this.#launch(arn);
          }
          const next = (this.#nextStatement().get({ fns, owner: this.runtime.owner }) as { t: number | null }).t;
          if (next !== null) delay = Math.min(delay, Math.max(next - now, 5));
        }
      } catch (e) {
        this.#onError?.(e);
        this.#logger?.log("error", "poll-failed", { error: (e as Error).message });
      }
      if (this.#stopping) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  #launch(arn: string): void {
    const store = this.runtime.store;
    const invocationsBefore = store.lastInvocationSeq(arn);
    const p = this.runtime
      .drive(arn)
      .then(() => {
        // Ended by the scheduler alone (an execution timeout): no invocation reported it.
        const row = store.getExecution(arn);
        if (row && row.status !== "RUNNING" && store.lastInvocationSeq(arn) === invocationsBefore) {
          const { functionName, name } = parseExecutionArn(arn);
          this.#logger?.log("warn", "execution-ended", { arn, function: functionName, execution: name, status: row.status, error: row.error ? JSON.parse(row.error).ErrorType : undefined });
        }
      })
      .catch((e: unknown) => {
        this.#onError?.(e);
        this.#logger?.log("error", "drive-failed", { arn, error: (e as Error).message });
      })
      .finally(() => {
        this.#active.delete(arn);
        this.#wake?.();
      });
    this.#active.set(arn, p);
  }

  // Due executions of the functions this worker can run: one worker never burns the retries of
  // another's executions on "handler not registered". Leases held under this worker's own id
  // (left by its previous life, with a stable --worker-id) need not be waited out.
  #dueStatement(): Statement {
    return (this.#due ??= this.runtime.store.db.prepare(
      `SELECT arn FROM executions WHERE status = 'RUNNING' AND wake_at IS NOT NULL AND wake_at <= @now
         AND (lease_expires_at IS NULL OR lease_expires_at <= @now OR lease_owner = @owner)
         AND function_name IN (SELECT value FROM json_each(@fns))
       ORDER BY wake_at LIMIT @limit`,
    ));
  }

  #nextStatement(): Statement {
    return (this.#next ??= this.runtime.store.db.prepare(
      `SELECT MIN(MAX(wake_at, COALESCE(lease_expires_at, 0))) AS t FROM executions
       WHERE status = 'RUNNING' AND wake_at IS NOT NULL AND function_name IN (SELECT value FROM json_each(@fns))
         AND lease_owner IS NOT @owner`,
    ));
  }
}
