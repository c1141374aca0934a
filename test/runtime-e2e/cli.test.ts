import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, FLOWS, cli, inProcess, tempDir } from "./helpers.js";

// `durablec run | executions | callback` as a user types them, in a fresh directory each suite
// (so the default database .durable/state.db is used).
describe("durablec CLI", () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = tempDir()));
  afterAll(() => cleanup());
  // Through the real launcher where the wiring matters, in-process elsewhere (Node starts slowly).
  const spawned = (...args: string[]) => cli(args, { cwd: dir });
  const run = (...args: string[]) => inProcess(args, { cwd: dir });

  it("runs an execution with a real wait to completion, printing a line per operation", async () => {
    const r = await spawned("run", `${FLOWS}#greet`, "--input", '{"who":"ada"}', "--name", "g1");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^SUCCEEDED in \d+\.\d\ds\nresult: \{"hello":"hello ada","done":"HELLO ADA"\}/);
    expect(r.stderr).toMatch(/started execution g1 of greet/);
    expect(r.stderr).toMatch(/wait\s+pause\s+STARTED\s+until /);
    expect(r.stderr).toMatch(/wait\s+pause\s+SUCCEEDED/);
    expect(r.stderr).toMatch(/step\s+shout\s+SUCCEEDED/);
    // The same name and input again: the finished execution, not a second one.
    const again = await run("run", `${FLOWS}#greet`, "--input", '{"who":"ada"}', "--name", "g1", "--json");
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ name: "g1", status: "SUCCEEDED", result: { done: "HELLO ADA" } });
  });

  it("retries a failing step in-process and reports the attempts", async () => {
    const counterFile = join(dir, "flaky-counter");
    const r = await run("run", `${FLOWS}#flaky`, "--input", JSON.stringify({ counterFile }), "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).result).toEqual({ value: "ok after 3" });
    expect(r.stderr).toMatch(/step\s+call-api\s+PENDING\s+retry at .*attempt 1 failed/);
    expect(r.stderr).toMatch(/step\s+call-api\s+SUCCEEDED\s+attempt 3/);
  });

  it("exits 1 with the error when the execution fails", async () => {
    const r = await run("run", `${FLOWS}#doomed`);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAILED in .*\nerror: StepError: no such order/);
  });

  it("stops at a callback with exit 3 and the exact command to answer it, then resumes by name", async () => {
    const first = await spawned("run", `${FLOWS}#approval`, "--input", '{"orderId":"o-1"}', "--name", "a1");
    expect(first.code, first.stderr).toBe(3);
    const id = /durablec callback succeed (\S+) '<result json>'/.exec(first.stdout)?.[1];
    expect(id, first.stdout).toBeTruthy();
    expect(first.stdout).toContain("waiting for callback approve; answer it with:");
    expect(first.stdout).toContain(`durablec run '${FLOWS}#approval' --name a1`);

    const sent = await spawned("callback", "succeed", id!, '{"approved":true}');
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toBe("callback succeeded: execution a1 (running)\n");
    const twice = await spawned("callback", "succeed", id!, '{"approved":true}');
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/CALLBACK_ALREADY_COMPLETED/);

    const resumed = await spawned("run", `${FLOWS}#approval`, "--name", "a1", "--json");
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming execution a1/);
    expect(JSON.parse(resumed.stdout).result).toEqual({ order: { orderId: "o-1", reserved: true }, answer: { approved: true } });
  });

  it("fails a callback and heartbeats one from the shell", async () => {
    const first = await run("run", `${FLOWS}#approval`, "--input", '{"orderId":"o-2"}', "--name", "a2", "--json");
    expect(first.code).toBe(3);
    const id = JSON.parse(first.stdout).waitingOn.callbacks[0].callbackId as string;
    expect((await run("callback", "heartbeat", id)).code).toBe(0);
    // The error read from stdin, through the real launcher.
    const failed = await cli(["callback", "fail", id, "@-", "--json"], { cwd: dir, stdin: '{"ErrorType":"Rejected","ErrorMessage":"not today"}' });
    expect(JSON.parse(failed.stdout)).toMatchObject({ name: "a2", status: "RUNNING" });
    expect(failed.code, failed.stderr).toBe(0);
    const resumed = await run("run", `${FLOWS}#approval`, "--name", "a2");
    expect(resumed.code).toBe(1);
    expect(resumed.stdout).toMatch(/FAILED[\s\S]*not today/);
  });

  it("leaves a long wait to a worker with exit 3, then lists, shows, and stops it", async () => {
    const r = await run("run", `${FLOWS}#greet`, "--input", '{"who":"bob","waitSeconds":3600}', "--name", "long", "--wait-timeout", "1");
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/next wake-up at \d{4}-\d\d-\d\dT/);
    expect(r.stdout).toContain(`durablec worker ${FLOWS}`);

    const list = await run("executions", "list", "--json");
    expect(list.code).toBe(0);
    const names = (JSON.parse(list.stdout) as { name: string }[]).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(["g1", "a1", "a2", "long"]));
    const running = JSON.parse((await run("executions", "list", "--status", "running", "--json")).stdout) as { name: string }[];
    expect(running.map((e) => e.name)).toEqual(["long"]);
    const byFunction = JSON.parse((await run("executions", "list", "--function", "approval", "--json")).stdout) as { name: string }[];
    expect(byFunction.map((e) => e.name).sort()).toEqual(["a1", "a2"]);
    const table = await run("executions", "list");
    expect(table.stdout).toMatch(/^STATUS\s+FUNCTION\s+NAME\s+STARTED\n/);

    const show = await run("executions", "show", "long", "--json");
    const shown = JSON.parse(show.stdout);
    expect(shown).toMatchObject({ name: "long", status: "RUNNING" });
    expect(shown.operations.map((o: { Name?: string; Status: string }) => [o.Name, o.Status])).toContainEqual(["pause", "STARTED"]);
    const text = await run("executions", "show", shown.arn);
    expect(text.stdout).toMatch(/long\s+RUNNING[\s\S]*next wake:[\s\S]*wait\s+pause\s+STARTED/);

    const history = JSON.parse((await run("executions", "history", "g1", "--json")).stdout) as { EventType: string }[];
    expect(history[0]!.EventType).toBe("ExecutionStarted");
    expect(history.map((e) => e.EventType)).toEqual(expect.arrayContaining(["WaitStarted", "WaitSucceeded", "StepSucceeded"]));
    expect(history.at(-1)!.EventType).toBe("ExecutionSucceeded");

    const stop = await run("executions", "stop", "long", "--error", '{"ErrorType":"Cancelled","ErrorMessage":"no longer needed"}');
    expect(stop.code, stop.stderr).toBe(0);
    const after = JSON.parse((await run("executions", "show", "long", "--json")).stdout);
    expect(after).toMatchObject({ status: "STOPPED", error: { ErrorType: "Cancelled" } });
    const again = await run("executions", "stop", "long");
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/EXECUTION_NOT_RUNNING/);
  });

  it("prints --help for every command", async () => {
    for (const cmd of ["run", "worker", "executions", "callback", "serve"]) {
      const r = await (cmd === "worker" ? spawned : run)(cmd, "--help");
      expect(r.code, cmd).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: durablec ${cmd} `));
      expect(r.stdout).toMatch(/Exit codes:/);
    }
  });

  it("refuses bad input to every command with exit 2 (usage) or 1 (unknown id), storing nothing", async () => {
    const big = join(dir, "big.json");
    writeFileSync(big, JSON.stringify({ blob: "x".repeat(1024 * 1024 + 10) }));
    const bigText = join(dir, "big.txt");
    writeFileSync(bigText, "y".repeat(256 * 1024 + 1));
    const before = (JSON.parse((await run("executions", "list", "--json")).stdout) as unknown[]).length;
    const cases: [string[], number, RegExp][] = [
      [["run"], 2, /Expected one module/],
      [["run", join(dir, "missing.mjs")], 2, /Cannot find module/],
      [["run", join(FIXTURES, "no-handler.mjs")], 2, /does not export a durable handler/],
      [["run", FLOWS], 2, /exports 5 handlers .*pick one/],
      [["run", `${FLOWS}#nope`], 2, /has no export named nope/],
      [["run", `${join(FIXTURES, "no-handler.mjs")}#answer`], 2, /is not a function/],
      [["run", `${FLOWS}#greet`, "--input", "{bad"], 2, /--input is not valid JSON/],
      [["run", `${FLOWS}#greet`, "--input", "@" + join(dir, "nope.json")], 2, /Cannot read --input/],
      [["run", `${FLOWS}#greet`, "--input", "@" + big], 2, /PAYLOAD_TOO_LARGE/],
      [["run", `${FLOWS}#greet`, "--wait-timeout", "soon"], 2, /--wait-timeout must be an integer/],
      [["run", `${FLOWS}#greet`, "--frobnicate"], 2, /Unknown option '--frobnicate'/],
      [["run", `${FLOWS}#greet`, "--name", "bad name!"], 2, /Execution name "bad name!" is invalid/],
      [["run", `${FLOWS}#greet`, "--name", "g1", "--input", '{"who":"eve"}'], 2, /EXECUTION_NAME_CONFLICT/],
      [["worker"], 2, /Name at least one compiled module/],
      [["worker", join(FIXTURES, "no-handler.mjs")], 2, /does not export a durable handler/],
      [["worker", FLOWS, "--concurrency", "0"], 2, /--concurrency must be an integer >= 1/],
      [["worker", FLOWS, "--log", "xml"], 2, /--log must be json or pretty/],
      [["executions"], 2, /Name a subcommand/],
      [["executions", "purge"], 2, /Unknown subcommand "purge"/],
      [["executions", "show"], 2, /takes an execution ARN or name, got 0/],
      [["executions", "show", "nobody"], 1, /EXECUTION_NOT_FOUND/],
      [["executions", "show", "arn:aws:lambda:local:000000000000:function:x:$LATEST/durable-execution/n/u"], 1, /EXECUTION_NOT_FOUND/],
      [["executions", "history", "nobody"], 1, /EXECUTION_NOT_FOUND/],
      [["executions", "stop", "nobody"], 1, /EXECUTION_NOT_FOUND/],
      [["executions", "stop", "g1", "--error", "{bad"], 2, /--error is not valid JSON/],
      [["executions", "stop", "g1", "--error", "[1]"], 2, /--error must be a JSON object/],
      [["executions", "list", "--status", "DONE"], 2, /--status must be one of/],
      [["executions", "list", "--limit", "0"], 2, /--limit must be an integer >= 1/],
      [["executions", "list", "--limit", "-1"], 2, /argument is ambiguous/],
      [["callback"], 2, /Name an action/],
      [["callback", "approve", "x"], 2, /Name an action: succeed, fail or heartbeat \(got "approve"\)/],
      [["callback", "succeed"], 2, /needs a callback id/],
      [["callback", "succeed", "no-such-callback", "{}"], 1, /CALLBACK_NOT_FOUND/],
      [["callback", "heartbeat", "no-such-callback"], 1, /CALLBACK_NOT_FOUND/],
      [["callback", "fail", "no-such-callback", "{oops"], 2, /The error is not valid JSON/],
      [["callback", "fail", "no-such-callback", '{"ErrorType":7}'], 2, /ErrorType must be a string/],
      [["callback", "fail", "no-such-callback", '"just text"'], 2, /must be a JSON object/],
      [["callback", "succeed", "no-such-callback", "@" + bigText], 2, /PAYLOAD_TOO_LARGE/],
      // Ids are base64url and may start with '-': still an id, not an option.
      [["callback", "succeed", "-mXyZ_no-such-callback", "{}"], 1, /CALLBACK_NOT_FOUND: No callback -mXyZ_no-such-callback/],
      [["callback", "heartbeat", "-q", "--db", join(dir, ".durable", "state.db")], 1, /CALLBACK_NOT_FOUND: No callback -q\./],
      [["serve", "--port", "http"], 2, /--port must be an integer/],
      [["serve", "--port", "70000"], 2, /--port must be at most 65535/],
      [["serve", join(FIXTURES, "no-handler.mjs"), "--port", "0"], 2, /does not export a durable handler/],
    ];
    const results: Awaited<ReturnType<typeof run>>[] = [];
    for (const [args] of cases) results.push(await run(...args));
    cases.forEach(([args, code, message], i) => {
      const r = results[i]!;
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stderr, args.join(" ")).toMatch(message);
    });
    const after = (JSON.parse((await run("executions", "list", "--json")).stdout) as unknown[]).length;
    expect(after).toBe(before);
  });
});
