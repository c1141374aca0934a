/**
 * Schema migrations of the durablec store, applied in order. `PRAGMA user_version` records how
 * many have run. A shipped migration is never edited: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  /* 1: executions, operations, history, callbacks, invocations */ `
  CREATE TABLE executions (
    xid                INTEGER PRIMARY KEY,      -- compact key for the operations and events of the execution
    arn                TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    function_name      TEXT NOT NULL,
    status             TEXT NOT NULL,            -- RUNNING | SUCCEEDED | FAILED | TIMED_OUT | STOPPED
    input              TEXT NOT NULL,
    result             TEXT,
    error              TEXT,                     -- JSON ErrorObject
    start_ts           INTEGER NOT NULL,         -- ms since epoch (service clock)
    end_ts             INTEGER,
    timeout_at         INTEGER,                  -- execution timeout deadline
    execution_op_id    TEXT NOT NULL,            -- id of the EXECUTION operation
    checkpoint_token   TEXT,                     -- the one token the live invocation may use
    runnable           INTEGER NOT NULL DEFAULT 1, -- something changed that the handler must see
    wake_at            INTEGER,                  -- when the scheduler must look at it next
    lease_owner        TEXT,
    lease_expires_at   INTEGER,
    failed_invocations INTEGER NOT NULL DEFAULT 0, -- consecutive invocations that died
    next_event_id      INTEGER NOT NULL DEFAULT 1,
    next_op_seq        INTEGER NOT NULL DEFAULT 1,
    checkpoint_count   INTEGER NOT NULL DEFAULT 0,
    parent_arn         TEXT,                     -- set for executions started by a chained invoke
    parent_op_id       TEXT,
    UNIQUE (function_name, name)
  );
  CREATE INDEX executions_wake ON executions (wake_at) WHERE status = 'RUNNING';
  CREATE INDEX executions_start ON executions (start_ts);

  CREATE TABLE operations (
    xid           INTEGER NOT NULL,              -- executions.xid
    id            TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    parent_id     TEXT,
    type          TEXT NOT NULL,
    status        TEXT NOT NULL,
    data          TEXT NOT NULL,                 -- the wire Operation as JSON
    wake_at       INTEGER,                       -- wait end, retry time, callback deadline
    updated       INTEGER NOT NULL DEFAULT 0,    -- changed by the service since the last invocation
    PRIMARY KEY (xid, id)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX operations_seq ON operations (xid, seq);
  CREATE INDEX operations_wake ON operations (xid, wake_at) WHERE wake_at IS NOT NULL;
  CREATE INDEX operations_updated ON operations (xid) WHERE updated = 1;

  CREATE TABLE events (
    xid           INTEGER NOT NULL,              -- executions.xid
    event_id      INTEGER NOT NULL,
    data          TEXT NOT NULL,
    PRIMARY KEY (xid, event_id)
  ) WITHOUT ROWID;

  CREATE TABLE callbacks (
    callback_id        TEXT PRIMARY KEY,
    execution_arn      TEXT NOT NULL,
    operation_id       TEXT NOT NULL,
    status             TEXT NOT NULL,            -- STARTED | SUCCEEDED | FAILED | TIMED_OUT | CANCELLED
    timeout_at         INTEGER,
    heartbeat_seconds  INTEGER,
    heartbeat_deadline INTEGER
  );
  CREATE INDEX callbacks_execution ON callbacks (execution_arn);

  CREATE TABLE chained_invokes (
    execution_arn TEXT NOT NULL,
    operation_id  TEXT NOT NULL,
    function_name TEXT NOT NULL,
    payload       TEXT,
    child_arn     TEXT,                          -- the execution started for it, once started
    PRIMARY KEY (execution_arn, operation_id)
  ) WITHOUT ROWID;

  CREATE TABLE invocations (
    execution_arn TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    request_id    TEXT NOT NULL,
    start_ts      INTEGER NOT NULL,
    end_ts        INTEGER,
    outcome       TEXT,                          -- SUCCEEDED | FAILED | PENDING | CRASHED
    error         TEXT,
    PRIMARY KEY (execution_arn, seq)
  ) WITHOUT ROWID;
  `,
  /* 2: list and filter executions newest first without scanning the table (the dev UI's list) */ `
  CREATE INDEX executions_function_start ON executions (function_name, start_ts);
  CREATE INDEX executions_status_start ON executions (status, start_ts);
  `,
  /* 3: operations in insertion order (appends, not inserts keyed by hashed ids: fewer page writes per checkpoint) */ `
  CREATE TABLE operations_v3 (
    rid       INTEGER PRIMARY KEY,               -- insertion order
    xid       INTEGER NOT NULL,                  -- executions.xid
    id        TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    parent_id TEXT,
    type      TEXT NOT NULL,
    status    TEXT NOT NULL,
    data      TEXT NOT NULL,                     -- the wire Operation as JSON
    wake_at   INTEGER,                           -- wait end, retry time, callback deadline
    updated   INTEGER NOT NULL DEFAULT 0         -- changed by the service since the last invocation
  );
  INSERT INTO operations_v3 (xid, id, seq, parent_id, type, status, data, wake_at, updated)
    SELECT xid, id, seq, parent_id, type, status, data, wake_at, updated FROM operations ORDER BY xid, seq;
  DROP TABLE operations;
  ALTER TABLE operations_v3 RENAME TO operations;
  CREATE UNIQUE INDEX operations_id ON operations (xid, id);
  CREATE INDEX operations_wake ON operations (xid, wake_at) WHERE wake_at IS NOT NULL;
  CREATE INDEX operations_updated ON operations (xid) WHERE updated = 1;
  `,
  /* 4: the stacks of errors thrown in the handler's process, which the SDK does not send (dev UI) */ `
  CREATE TABLE error_stacks (
    xid          INTEGER NOT NULL,               -- executions.xid
    operation_id TEXT NOT NULL,                  -- the failed operation, or the EXECUTION operation for the handler's error
    attempt      INTEGER NOT NULL,               -- the step attempt that threw (1, 2, …); 0 for contexts and the handler
    data         TEXT NOT NULL,                  -- JSON: error type and message, the raw stack, frames mapped to the source
    PRIMARY KEY (xid, operation_id, attempt)
  ) WITHOUT ROWID;
  `,
];
