/** A database written by an earlier schema opens with its data intact after the migrations run. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { Store } from "../../runtime/index.js";
import { MIGRATIONS } from "../../runtime/store/schema.js";

const dir = mkdtempSync(join(tmpdir(), "durablec-migrations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("schema migrations", () => {
  it("moves the operations of a schema-2 database into the schema-3 table, in order", () => {
    const path = join(dir, "v2.db");
    const old = new Database(path);
    old.exec(MIGRATIONS[0]!);
    old.exec(MIGRATIONS[1]!);
    old.pragma("user_version = 2");
    old
      .prepare(
        `INSERT INTO executions (arn, name, function_name, status, input, start_ts, execution_op_id) VALUES ('arn:x', 'x', 'fn', 'RUNNING', '{}', 1, 'exec')`,
      )
      .run();
    const xid = (old.prepare(`SELECT xid FROM executions`).get() as { xid: number }).xid;
    const insert = old.prepare(`INSERT INTO operations (xid, id, seq, type, status, data, wake_at) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    // Inserted out of order: the migration keeps each execution's seq order.
    insert.run(xid, "b", 3, "WAIT", "STARTED", JSON.stringify({ Id: "b", Type: "WAIT", Status: "STARTED" }), 99);
    insert.run(xid, "exec", 1, "EXECUTION", "STARTED", JSON.stringify({ Id: "exec", Type: "EXECUTION", Status: "STARTED" }), null);
    insert.run(xid, "a", 2, "STEP", "SUCCEEDED", JSON.stringify({ Id: "a", Type: "STEP", Status: "SUCCEEDED" }), null);
    old.close();

    const store = Store.open(path);
    try {
      expect(store.db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
      expect(store.listOperations("arn:x").map((o) => o.id)).toEqual(["exec", "a", "b"]);
      expect(store.getOperation("arn:x", "a")?.status).toBe("SUCCEEDED");
      expect(store.minOperationWake("arn:x")).toBe(99);
      expect(() => store.db.prepare(`INSERT INTO operations (xid, id, seq, type, status, data) VALUES (?, 'a', 9, 'STEP', 'STARTED', '{}')`).run(xid)).toThrow(
        /UNIQUE/,
      );
    } finally {
      store.close();
    }
  });

  it("adds the error stacks table to a schema-3 database, keeping its executions and operations", () => {
    const path = join(dir, "v3.db");
    const old = new Database(path);
    for (const m of MIGRATIONS.slice(0, 3)) old.exec(m);
    old.pragma("user_version = 3");
    old.prepare(`INSERT INTO executions (arn, name, function_name, status, input, start_ts, execution_op_id) VALUES ('arn:y', 'y', 'fn', 'FAILED', '{}', 1, 'exec')`).run();
    const xid = (old.prepare(`SELECT xid FROM executions`).get() as { xid: number }).xid;
    old.prepare(`INSERT INTO operations (xid, id, seq, type, status, data) VALUES (?, 'a', 1, 'STEP', 'FAILED', '{"Id":"a"}')`).run(xid);
    old.close();

    const store = Store.open(path);
    try {
      expect(store.db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
      expect(store.listOperations("arn:y").map((o) => o.id)).toEqual(["a"]);
      expect(store.listErrorStacks("arn:y")).toEqual([]);
      store.putErrorStack("arn:y", "a", 1, '{"stack":"first"}');
      store.putErrorStack("arn:y", "a", 2, '{"stack":"second"}');
      store.putErrorStack("arn:y", "a", 1, '{"stack":"first, again"}');
      expect(store.listErrorStacks("arn:y")).toEqual([
        { operation_id: "a", attempt: 1, data: '{"stack":"first, again"}' },
        { operation_id: "a", attempt: 2, data: '{"stack":"second"}' },
      ]);
    } finally {
      store.close();
    }
  });
});
