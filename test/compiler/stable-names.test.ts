import { describe, expect, it } from "vitest";
import { assignStableNames, normalizeLabel } from "../../compiler/naming/stable-names.js";

describe("assignStableNames", () => {
  it("names operations <function>/<callee> with an ordinal from the second repeat", () => {
    const names = assignStableNames("checkout", [{ label: "price" }, { label: "payments.charge" }, { label: "price" }, { label: "sleep" }, { label: "price" }]);
    expect(names.map((n) => n.name)).toEqual(["checkout/price", "checkout/payments.charge", "checkout/price#2", "checkout/sleep", "checkout/price#3"]);
    expect(names.map((n) => n.ordinal)).toEqual([1, 1, 2, 1, 3]);
  });

  it("uses explicit step names verbatim and flags their duplicates", () => {
    const names = assignStableNames("f", [{ label: "step", explicitName: "load" }, { label: "step", explicitName: "load" }, { label: "fetch" }]);
    expect(names).toEqual([
      { name: "load", ordinal: 1, duplicateExplicit: false },
      { name: "load#2", ordinal: 2, duplicateExplicit: true },
      { name: "f/fetch", ordinal: 1, duplicateExplicit: false },
    ]);
  });

  it("does not depend on formatting or comments in the callee", () => {
    expect(normalizeLabel("payments /* x */ . charge")).toBe("payments.charge");
    expect(normalizeLabel("this.client.send")).toBe("client.send");
    expect(normalizeLabel("a\n  .b")).toBe("a.b");
  });

  it("is unaffected by operations of other callees in between", () => {
    const a = assignStableNames("f", [{ label: "x" }, { label: "x" }]).map((n) => n.name);
    const b = assignStableNames("f", [{ label: "x" }, { label: "y" }, { label: "z" }, { label: "x" }]).map((n) => n.name);
    expect([b[0], b[3]]).toEqual(a);
  });
});
