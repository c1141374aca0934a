/**
 * The manifest's event schemas: what the compiler writes for an entry's event type, and that the
 * runtime's check built from it accepts and refuses exactly what the compiled entry's own zod
 * check does (same problems, same paths), input by input.
 */
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, VirtualClock, type DurableHandler } from "../../runtime/index.js";
import { inputChecker } from "../../runtime/service/input-validation.js";
import { compileTypedProject, type TypedProject } from "../runtime/typed-project.js";

let project: TypedProject;
let handlers: Record<string, DurableHandler>;

beforeAll(async () => {
  project = compileTypedProject("schema");
  handlers = (await import(pathToFileURL(project.module).href)) as Record<string, DurableHandler>;
}, 60_000);
afterAll(() => project?.cleanup());

const valid = { orderId: "o-1", amount: 20, placedAt: "2026-03-01T10:00:00.000Z", channel: "web", priority: "rush", giftWrap: null, items: [{ sku: "a", qty: 1 }], tags: {} };

/** Inputs as they arrive over JSON; each is run through both checks. */
const INPUTS: [string, unknown][] = [
  ["valid", valid],
  ["valid with optional fields, a number priority and a date in milliseconds", { ...valid, note: "gift", priority: 2, placedAt: 1767225600000, pickup: ["store-9", 3], tags: { a: "b" } }],
  ["valid with unknown keys kept", { ...valid, extra: { anything: true } }],
  ["a date that is not one", { ...valid, placedAt: "not a date" }],
  ["a missing required field and a wrong literal", { ...valid, orderId: undefined, channel: "fax" }],
  ["a literal union member of the wrong type", { ...valid, priority: 3 }],
  ["null where only booleans and null are allowed, then a string", { ...valid, giftWrap: "yes" }],
  ["array elements of the wrong shape", { ...valid, items: [{ sku: "a", qty: "1" }, { qty: 2 }] }],
  ["a record with a value of the wrong type", { ...valid, tags: { a: 1 } }],
  ["a tuple too short and an optional field of the wrong type", { ...valid, pickup: ["store-9"], note: 5 }],
  ["not an object", [1, 2]],
  ["null", null],
];

describe("entry event schemas in durable.manifest.json", () => {
  it("describes each typed event as JSON Schema, and leaves untyped events out", () => {
    const entries = project.manifest.entries;
    expect(entries.echo!.eventSchema).toBeUndefined();
    expect(entries.refund!.eventSchema).toEqual({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: { orderId: { type: "string" } },
      required: ["orderId"],
    });
    const checkout = entries.checkout!.eventSchema!;
    expect(checkout.required).toEqual(["orderId", "amount", "placedAt", "channel", "priority", "giftWrap", "items", "tags"]);
    expect(checkout.properties).toMatchObject({
      placedAt: { type: "string", format: "date-time", "x-durablec": "date" },
      note: { type: "string" },
      channel: { enum: expect.arrayContaining(["web", "phone"]) },
      priority: { anyOf: expect.arrayContaining([{ const: 1 }, { const: 2 }, { const: "rush" }]) },
      giftWrap: { anyOf: [{ type: "boolean" }, { type: "null" }] },
      items: { type: "array", items: { type: "object", properties: { sku: { type: "string" }, qty: { type: "number" } }, required: ["sku", "qty"] } },
      tags: { type: "object", additionalProperties: { type: "string" } },
      pickup: { type: "array", prefixItems: [{ type: "string" }, { type: "number" }], items: false, minItems: 2 },
    });
  });

  it.each(INPUTS)("agrees with the compiled entry's own check: %s", async (what, input) => {
    const json = JSON.parse(JSON.stringify(input)) as unknown;
    const early = inputChecker(project.manifest.entries.checkout!.eventSchema)!(json);
    expect(early.length === 0, JSON.stringify(early)).toBe(what.startsWith("valid"));

    // The compiled entry, registered without the schema: its own zod check decides.
    const rt = createRuntime({ clock: new VirtualClock() });
    try {
      rt.register("checkout", handlers.checkout!);
      const exec = await rt.execute("checkout", json);
      if (early.length === 0) {
        expect(exec.error?.ErrorType).not.toBe("InvalidEventError");
        expect(exec.status).toBe("SUCCEEDED");
      } else {
        expect(exec.status).toBe("FAILED");
        expect(exec.error?.ErrorType).toBe("InvalidEventError");
        const lines = exec.error!.ErrorMessage!.split("\n").slice(1).map((l) => l.replace(/^ {2}- /, ""));
        expect(lines).toEqual(early.map((p) => `${p.path}: ${p.message}`));
      }
    } finally {
      await rt.close();
    }
  });

  it("lists every problem of an input, with its path", () => {
    const check = inputChecker(project.manifest.entries.checkout!.eventSchema)!;
    expect(check({ ...valid, orderId: 7, placedAt: "2026-02-30T99:00:00Z", items: [{ sku: "a" }] }).map((p) => p.path)).toEqual([
      "event.orderId",
      "event.placedAt",
      "event.items[0].qty",
    ]);
  });
});
