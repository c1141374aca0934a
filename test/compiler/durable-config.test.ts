import { describe, expect, it } from "vitest";
import { fetchIdempotencyHeader, parseDurableConfig } from "../../compiler/project/config.js";

const parse = (json: unknown) => parseDurableConfig(JSON.stringify(json), "durable.config.json");

describe("durable.config.json: idempotency.fetchHeader", () => {
  it("is off by default, Idempotency-Key with true, the given header name with a string", () => {
    expect(fetchIdempotencyHeader(parse({}).config)).toBeUndefined();
    expect(fetchIdempotencyHeader(parse({ idempotency: { fetchHeader: false } }).config)).toBeUndefined();
    expect(fetchIdempotencyHeader(parse({ idempotency: { fetchHeader: true } }).config)).toBe("Idempotency-Key");
    expect(fetchIdempotencyHeader(parse({ idempotency: { fetchHeader: "X-Idempotency-Key" } }).config)).toBe("X-Idempotency-Key");
  });

  it("rejects a value that is not a boolean or a header name with DUR5002 naming the field", () => {
    const problems = [
      [1, 'idempotency.fetchHeader: expected true, false or an HTTP header name such as "Idempotency-Key"'],
      [null, 'idempotency.fetchHeader: expected true, false or an HTTP header name such as "Idempotency-Key"'],
      ["Idempotency Key", "idempotency.fetchHeader: not an HTTP header name (letters, digits and !#$%&'*+-.^_`|~, no spaces)"],
      ["", "idempotency.fetchHeader: not an HTTP header name (letters, digits and !#$%&'*+-.^_`|~, no spaces)"],
    ] as const;
    for (const [value, problem] of problems) {
      const { diagnostics, config } = parse({ idempotency: { fetchHeader: value } });
      expect(diagnostics.map((d) => d.code), JSON.stringify(value)).toEqual(["DUR5002"]);
      expect(diagnostics[0]!.data.problem, JSON.stringify(value)).toBe(problem);
      expect(fetchIdempotencyHeader(config), "an invalid file counts as the default").toBeUndefined();
    }
  });

  it("rejects unknown fields of idempotency", () => {
    const { diagnostics } = parse({ idempotency: { header: true } });
    expect(diagnostics.map((d) => `${d.code} ${d.data.problem}`)).toEqual(['DUR5002 idempotency: Unrecognized key: "header"']);
  });
});
