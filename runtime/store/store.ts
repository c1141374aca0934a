import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { WireOperation } from "@aws/durable-execution-sdk-js";
import { RuntimeError } from "../service/errors.js";
import { MIGRATIONS } from "./schema.js";

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "STOPPED";

export interface ExecutionRow {
  arn: string;
  name: string;
  function_name: string;
  status: ExecutionStatus;
  input: string;
  result: string | null;
  error: string | null;
  start_ts: number;
  end_ts: number | null;
  timeout_at: number | null;
  execution_op_id: string;
  checkpoint_token: string | null;
  runnable: number;
  wake_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  failed_invocations: number;
  next_event_id: number;
  next_op_seq: number;
  checkpoint_count: number;
  parent_arn: string | null;
  parent_op_id: string | null;
}

export interface OperationRow {
  execution_arn: string;
  id: string;
  seq: number;
  parent_id: string | null;
  type: string;
  status: string;
  data: string;
  wake_at: number | null;
  updated: number;
}

export interface CallbackRow {
  callback_id: string;
  execution_arn: string;
  operation_id: string;
  status: string;
  timeout_at: number | null;
  heartbeat_seconds: number | null;
  heartbeat_deadline: number | null;
}

export interface ChainedInvokeRow {
  execution_arn: string;
  operation_id: string;
  function_name: string;
  payload: string | null;
  child_arn: string | null;
}

export interface InvocationRow {
  execution_arn: string;
  seq: number;
  request_id: string;
  start_ts: number;
  end_ts: number | null;
  outcome: string | null;
  error: string | null;
}

export interface ExecutionFilter {
  status?: ExecutionStatus;
  functionName?: string;
  /** Substring of the execution name or ARN. */
  search?: string;
  limit?: number;
  /** Only executions started before this one (ARN), for paging newest first. */
  before?: { startTs: number; arn: string };
}

/**
 * The SQLite store under the local durable execution service: one file per app (WAL mode), or
 * `:memory:` for tests. All methods are synchronous; callers group them with {@link transaction}.
 */
export class Store {
  readonly db: Database.Database;
  readonly path: string;
  readonly #statements = new Map<string, Database.Statement>();

  private constructor(db: Database.Database, path: string) {
    this.db = db;
    this.path = path;
  }

  /** Opens (creating if needed) and migrates a store. Corrupt, locked or newer files are refused. */
  static open(path: string = ":memory:", options: { busyTimeoutMs?: number } = {}): Store {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
    } catch (e) {
      throw storeError(e, path);
    }
    try {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      // Fewer WAL checkpoints on the hot path; the WAL is folded back every ~40 MB.
      db.pragma("wal_autocheckpoint = 10000");
      db.pragma("foreign_keys = OFF");
      migrate(db, path);
    } catch (e) {
      db.close();
      if (e instanceof RuntimeError) throw e;
      throw storeError(e, path);
    }
    return new Store(db, path);
  }

  close(): void {
    if (this.db.open) {
      this.flush();
      this.db.close();
    }
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction (writers queue instead of failing mid-way).
   *
   * `durability: "group"` lets the commit wait up to `groupCommitMs` and share one WAL write with
   * the transactions that follow (group commit); the caller uses it only for changes that nothing
   * outside the process has seen yet, so losing them in a crash is the same as crashing a moment
   * earlier. Any `"now"` transaction commits the open group with it.
   */
  transaction<T>(fn: () => T, durability: "now" | "group" = "now", options: { savepoint?: boolean } = {}): T {
    try {
      if (!this.#groupOpen) {
        if (durability === "now" || this.groupCommitMs <= 0) return this.db.transaction(fn).immediate();
        this.db.exec("BEGIN IMMEDIATE");
        this.#groupOpen = true;
        this.#groupTimer = setTimeout(() => this.flush(), this.groupCommitMs);
        this.#groupTimer.unref();
      }
      // Inside the open group: a savepoint, so a refused request still leaves no trace — unless
      // the caller validates everything before it writes anything (`savepoint: false`).
      const result = options.savepoint === false ? fn() : this.db.transaction(fn)();
      if (durability === "now") this.flush();
      return result;
    } catch (e) {
      if (isSqliteError(e)) throw storeError(e, this.path);
      throw e;
    }
  }

  /** Commits the open group commit, if any. */
  flush(): void {
    if (!this.#groupOpen) return;
    clearTimeout(this.#groupTimer);
    this.#groupOpen = false;
    if (this.db.inTransaction) this.db.exec("COMMIT");
  }

  /** How long a group commit may stay open (ms); 0 commits every transaction at once. */
  groupCommitMs = 2;
  #groupOpen = false;
  #groupTimer: NodeJS.Timeout | undefined;

  readonly #xids = new Map<string, number>();

  /** The compact key under which an execution's operations and events are stored. */
  #xid(arn: string): number {
    let xid = this.#xids.get(arn);
    if (xid === undefined) {
      const row = this.#stmt(`SELECT xid FROM executions WHERE arn = ?`).get(arn) as { xid: number } | undefined;
      xid = row?.xid ?? -1; // unknown executions own nothing
      if (row) this.#xids.set(arn, xid);
    }
    return xid;
  }

  #stmt(sql: string): Database.Statement {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  // ---- executions ----------------------------------------------------------------------------

  insertExecution(row: Omit<ExecutionRow, "next_event_id" | "next_op_seq" | "checkpoint_count" | "failed_invocations">): void {
    this.#stmt(
      `INSERT INTO executions (arn, name, function_name, status, input, result, error, start_ts, end_ts,
         timeout_at, execution_op_id, checkpoint_token, runnable, wake_at, lease_owner, lease_expires_at,
         parent_arn, parent_op_id)
       VALUES (@arn, @name, @function_name, @status, @input, @result, @error, @start_ts, @end_ts,
         @timeout_at, @execution_op_id, @checkpoint_token, @runnable, @wake_at, @lease_owner, @lease_expires_at,
         @parent_arn, @parent_op_id)`,
    ).run(row);
  }

  getExecution(arn: string): ExecutionRow | undefined {
    return this.#stmt(`SELECT * FROM executions WHERE arn = ?`).get(arn) as ExecutionRow | undefined;
  }

  /**
   * The columns a checkpoint reads (the rest are left undefined): a row object of 22 columns costs
   * more than the checkpoint's own writes.
   */
  getCheckpointHead(arn: string): ExecutionRow | undefined {
    return this.#stmt(
      `SELECT arn, status, checkpoint_token, runnable, checkpoint_count, next_event_id, next_op_seq, execution_op_id, timeout_at, wake_at
       FROM executions WHERE arn = ?`,
    ).get(arn) as ExecutionRow | undefined;
  }

  getExecutionByName(functionName: string, name: string): ExecutionRow | undefined {
    return this.#stmt(`SELECT * FROM executions WHERE function_name = ? AND name = ?`).get(functionName, name) as
      | ExecutionRow
      | undefined;
  }

  updateExecution(arn: string, patch: Partial<ExecutionRow>): void {
    const keys = Object.keys(patch).sort();
    if (keys.length === 0) return;
    const sql = `UPDATE executions SET ${keys.map((k) => `${k} = @${k}`).join(", ")} WHERE arn = @arn`;
    this.#stmt(sql).run({ ...patch, arn });
  }

  saveCheckpointState(arn: string, token: string, checkpointCount: number, nextEventId: number, nextOpSeq: number): void {
    this.#stmt(
      `UPDATE executions SET checkpoint_token = ?, checkpoint_count = ?, next_event_id = ?, next_op_seq = ? WHERE arn = ?`,
    ).run(token, checkpointCount, nextEventId, nextOpSeq, arn);
  }

  listExecutions(filter: ExecutionFilter = {}): ExecutionRow[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter.status) (where.push("status = @status"), (params.status = filter.status));
    if (filter.functionName) (where.push("function_name = @fn"), (params.fn = filter.functionName));
    if (filter.search) {
      where.push("(instr(name, @q) > 0 OR instr(arn, @q) > 0)");
      params.q = filter.search;
    }
    if (filter.before) {
      where.push("(start_ts < @bts OR (start_ts = @bts AND arn < @barn))");
      params.bts = filter.before.startTs;
      params.barn = filter.before.arn;
    }
    params.limit = filter.limit ?? 100;
    const sql = `SELECT * FROM executions ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY start_ts DESC, arn DESC LIMIT @limit`;
    return this.#stmt(sql).all(params) as ExecutionRow[];
  }

  countExecutions(): Record<ExecutionStatus, number> {
    const rows = this.#stmt(`SELECT status, COUNT(*) AS n FROM executions GROUP BY status`).all() as {
      status: ExecutionStatus;
      n: number;
    }[];
    const out = { RUNNING: 0, SUCCEEDED: 0, FAILED: 0, TIMED_OUT: 0, STOPPED: 0 };
    for (const r of rows) out[r.status] = r.n;
    return out;
  }

  /** Running executions due now, whose lease is free or expired. */
  dueExecutions(now: number, limit: number): ExecutionRow[] {
    return this.#stmt(
      `SELECT * FROM executions WHERE status = 'RUNNING' AND wake_at IS NOT NULL AND wake_at <= @now
         AND (lease_expires_at IS NULL OR lease_expires_at <= @now)
       ORDER BY wake_at LIMIT @limit`,
    ).all({ now, limit }) as ExecutionRow[];
  }

  /** The earliest time any running execution must be looked at again. */
  nextWake(): number | undefined {
    const r = this.#stmt(
      `SELECT MIN(MAX(wake_at, COALESCE(lease_expires_at, 0))) AS t FROM executions
       WHERE status = 'RUNNING' AND wake_at IS NOT NULL`,
    ).get() as { t: number | null };
    return r.t ?? undefined;
  }

  // ---- error stacks --------------------------------------------------------------------------

  /** Keeps the stack of an error thrown by an operation's attempt (or by the handler, under the EXECUTION operation's id). */
  putErrorStack(arn: string, operationId: string, attempt: number, data: string): void {
    this.#stmt(`INSERT OR REPLACE INTO error_stacks (xid, operation_id, attempt, data) VALUES (?, ?, ?, ?)`).run(this.#xid(arn), operationId, attempt, data);
  }

  listErrorStacks(arn: string): { operation_id: string; attempt: number; data: string }[] {
    return this.#stmt(`SELECT operation_id, attempt, data FROM error_stacks WHERE xid = ? ORDER BY operation_id, attempt`).all(this.#xid(arn)) as {
      operation_id: string;
      attempt: number;
      data: string;
    }[];
  }

  // ---- operations ----------------------------------------------------------------------------

  getOperation(arn: string, id: string): OperationRow | undefined {
    return this.#stmt(`SELECT * FROM operations WHERE xid = ? AND id = ?`).get(this.#xid(arn), id) as
      | OperationRow
      | undefined;
  }

  insertOperation(row: OperationRow): void {
    this.#stmt(
      `INSERT INTO operations (xid, id, seq, parent_id, type, status, data, wake_at, updated)
       VALUES (@xid, @id, @seq, @parent_id, @type, @status, @data, @wake_at, @updated)`,
    ).run({ ...row, xid: this.#xid(row.execution_arn) });
  }

  updateOperation(arn: string, id: string, status: string, data: string, wakeAt: number | null, updated: number): void {
    this.#stmt(
      `UPDATE operations SET status = ?, data = ?, wake_at = ?, updated = ? WHERE xid = ? AND id = ?`,
    ).run(status, data, wakeAt, updated, this.#xid(arn), id);
  }

  listOperations(arn: string): OperationRow[] {
    return this.#stmt(`SELECT * FROM operations WHERE xid = ? ORDER BY rid`).all(this.#xid(arn)) as OperationRow[];
  }

  dueOperations(arn: string, now: number): OperationRow[] {
    return this.#stmt(
      `SELECT * FROM operations WHERE xid = ? AND wake_at IS NOT NULL AND wake_at <= ? ORDER BY wake_at, rid`,
    ).all(this.#xid(arn), now) as OperationRow[];
  }

  minOperationWake(arn: string): number | undefined {
    const r = this.#stmt(`SELECT MIN(wake_at) AS t FROM operations WHERE xid = ? AND wake_at IS NOT NULL`).get(
      this.#xid(arn),
    ) as { t: number | null };
    return r.t ?? undefined;
  }

  updatedOperations(arn: string): OperationRow[] {
    return this.#stmt(`SELECT * FROM operations WHERE xid = ? AND updated = 1`).all(this.#xid(arn)) as OperationRow[];
  }

  /** Ids of operations the service changed since the last invocation; clears the marks. */
  takeUpdatedOperationIds(arn: string): string[] {
    const ids = (this.#stmt(`SELECT id FROM operations WHERE xid = ? AND updated = 1`).all(this.#xid(arn)) as { id: string }[]).map(
      (r) => r.id,
    );
    if (ids.length) this.#stmt(`UPDATE operations SET updated = 0 WHERE xid = ? AND updated = 1`).run(this.#xid(arn));
    return ids;
  }

  /** Operations still waiting on something outside the handler. */
  countPendingOperations(arn: string): number {
    const r = this.#stmt(
      `SELECT COUNT(*) AS n FROM operations WHERE xid = ? AND (
         (type IN ('WAIT', 'CALLBACK', 'CHAINED_INVOKE') AND status = 'STARTED') OR
         (type = 'STEP' AND status IN ('PENDING', 'READY')))`,
    ).get(this.#xid(arn)) as { n: number };
    return r.n;
  }

  // ---- chained invokes ------------------------------------------------------------------------

  insertChainedInvoke(row: ChainedInvokeRow): void {
    this.#stmt(
      `INSERT INTO chained_invokes (execution_arn, operation_id, function_name, payload, child_arn)
       VALUES (@execution_arn, @operation_id, @function_name, @payload, @child_arn)`,
    ).run(row);
  }

  /** Chained invokes whose target has not been started yet, of running executions. */
  unstartedChainedInvokes(): ChainedInvokeRow[] {
    return this.#stmt(
      `SELECT c.* FROM chained_invokes c JOIN executions e ON e.arn = c.execution_arn
       WHERE e.status = 'RUNNING' AND c.child_arn IS NULL`,
    ).all() as ChainedInvokeRow[];
  }

  setChainedInvokeChild(arn: string, operationId: string, childArn: string): void {
    this.#stmt(`UPDATE chained_invokes SET child_arn = ? WHERE execution_arn = ? AND operation_id = ?`).run(
      childArn,
      arn,
      operationId,
    );
  }

  // ---- history -------------------------------------------------------------------------------

  insertEvent(arn: string, eventId: number, data: string): void {
    this.#stmt(`INSERT INTO events (xid, event_id, data) VALUES (?, ?, ?)`).run(this.#xid(arn), eventId, data);
  }

  /**
   * The execution's history events in order. A row holds one event, or (a JSON array) the events
   * of one checkpoint under the first one's id: one insert per checkpoint on the hot path.
   */
  listEvents(arn: string): Record<string, unknown>[] {
    const rows = this.#stmt(`SELECT data FROM events WHERE xid = ? ORDER BY event_id`).all(this.#xid(arn)) as { data: string }[];
    const out: Record<string, unknown>[] = [];
    for (const { data } of rows) {
      const parsed = JSON.parse(data) as Record<string, unknown> | Record<string, unknown>[];
      if (Array.isArray(parsed)) out.push(...parsed);
      else out.push(parsed);
    }
    return out;
  }

  // ---- callbacks -----------------------------------------------------------------------------

  insertCallback(row: CallbackRow): void {
    this.#stmt(
      `INSERT INTO callbacks (callback_id, execution_arn, operation_id, status, timeout_at, heartbeat_seconds, heartbeat_deadline)
       VALUES (@callback_id, @execution_arn, @operation_id, @status, @timeout_at, @heartbeat_seconds, @heartbeat_deadline)`,
    ).run(row);
  }

  getCallback(callbackId: string): CallbackRow | undefined {
    return this.#stmt(`SELECT * FROM callbacks WHERE callback_id = ?`).get(callbackId) as CallbackRow | undefined;
  }

  getCallbackByOperation(arn: string, operationId: string): CallbackRow | undefined {
    return this.#stmt(`SELECT * FROM callbacks WHERE execution_arn = ? AND operation_id = ?`).get(arn, operationId) as
      | CallbackRow
      | undefined;
  }

  updateCallback(callbackId: string, patch: Partial<Pick<CallbackRow, "status" | "heartbeat_deadline">>): void {
    const keys = Object.keys(patch).sort();
    this.#stmt(`UPDATE callbacks SET ${keys.map((k) => `${k} = @${k}`).join(", ")} WHERE callback_id = @callback_id`).run({
      ...patch,
      callback_id: callbackId,
    });
  }

  // ---- invocations ---------------------------------------------------------------------------

  insertInvocation(row: InvocationRow): void {
    this.#stmt(
      `INSERT INTO invocations (execution_arn, seq, request_id, start_ts, end_ts, outcome, error)
       VALUES (@execution_arn, @seq, @request_id, @start_ts, @end_ts, @outcome, @error)`,
    ).run(row);
  }

  finishInvocation(arn: string, seq: number, endTs: number, outcome: string, error: string | null): void {
    this.#stmt(`UPDATE invocations SET end_ts = ?, outcome = ?, error = ? WHERE execution_arn = ? AND seq = ?`).run(
      endTs,
      outcome,
      error,
      arn,
      seq,
    );
  }

  listInvocations(arn: string): InvocationRow[] {
    return this.#stmt(`SELECT * FROM invocations WHERE execution_arn = ? ORDER BY seq`).all(arn) as InvocationRow[];
  }

  lastInvocationSeq(arn: string): number {
    const r = this.#stmt(`SELECT MAX(seq) AS s FROM invocations WHERE execution_arn = ?`).get(arn) as { s: number | null };
    return r.s ?? 0;
  }
}

export function parseOperation(row: Pick<OperationRow, "data">): WireOperation {
  return JSON.parse(row.data) as WireOperation;
}

function migrate(db: Database.Database, path: string): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new RuntimeError(
      "STORE_TOO_NEW",
      `The database ${path} has schema version ${version}, newer than this durablec understands (${MIGRATIONS.length}). Upgrade durablec.`,
    );
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

function isSqliteError(e: unknown): e is Error & { code: string } {
  return e instanceof Error && typeof (e as unknown as { code?: unknown }).code === "string" && (e as unknown as { code: string }).code.startsWith("SQLITE_");
}

function storeError(e: unknown, path: string): Error {
  if (!isSqliteError(e)) return e instanceof Error ? e : new Error(String(e));
  if (e.code === "SQLITE_NOTADB" || e.code === "SQLITE_CORRUPT") {
    return new RuntimeError("STORE_CORRUPT", `${path} is not a durablec database or is corrupt (${e.message}). Nothing was changed.`);
  }
  if (e.code === "SQLITE_BUSY" || e.code === "SQLITE_LOCKED") {
    return new RuntimeError("STORE_LOCKED", `${path} is locked by another process (${e.message}). Retry when it is released.`);
  }
  return e;
}
