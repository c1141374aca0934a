/**
 * An entry's event schema (the JSON Schema of durable.manifest.json, see docs/dev-ui.md) as the
 * start form shows it: a TypeScript-like outline of the expected input, and an example input to
 * start from.
 */
export interface EventSchema {
  type?: string;
  format?: string;
  const?: string | number | boolean;
  enum?: string[];
  anyOf?: EventSchema[];
  not?: EventSchema;
  items?: EventSchema | false;
  prefixItems?: EventSchema[];
  properties?: Record<string, EventSchema>;
  required?: string[];
  additionalProperties?: EventSchema;
  "x-durablec"?: string;
  "x-durablec-optional"?: boolean;
}

const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));

/** `{ orderId: string; placedAt: Date (ISO 8601 string); note?: string }`, indented. */
export function shapeText(s: EventSchema, indent = ""): string {
  const x = s["x-durablec"];
  if (x === "date") return "Date (an ISO 8601 string)";
  if (x === "bigint") return "bigint (a string of digits)";
  if (x === "any") return "any (not checked)";
  if (x === "undefined") return "undefined";
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (s.anyOf) return s.anyOf.map((m) => shapeText(m, indent)).join(" | ");
  if (s.not) return "never";
  switch (s.type) {
    case "string":
    case "number":
    case "boolean":
    case "null":
      return s.type;
    case "array":
      if (s.prefixItems) return `[${s.prefixItems.map((m) => shapeText(m, indent)).join(", ")}]`;
      return s.items ? `${wrap(shapeText(s.items, indent), s.items)}[]` : "unknown[]";
    case "object": {
      if (!s.properties && s.additionalProperties) return `Record<string, ${shapeText(s.additionalProperties, indent)}>`;
      const required = new Set(s.required ?? []);
      const inner = indent + "  ";
      const lines = Object.entries(s.properties ?? {}).map(([k, p]) => `${inner}${key(k)}${required.has(k) ? "" : "?"}: ${shapeText(p, inner)};`);
      return lines.length ? `{\n${lines.join("\n")}\n${indent}}` : "{}";
    }
  }
  return "unknown";
}

const wrap = (text: string, s: EventSchema) => (s.anyOf || s.enum ? `(${text})` : text);

/** A value of the schema with every property filled in: a starting point to edit. */
export function exampleOf(s: EventSchema): unknown {
  const x = s["x-durablec"];
  if (x === "date") return new Date().toISOString();
  if (x === "bigint") return "0";
  if (x === "any" || x === "undefined") return null;
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.anyOf) return exampleOf(s.anyOf.find((m) => m.type !== "null") ?? s.anyOf[0]!);
  switch (s.type) {
    case "string":
      return "";
    case "number":
      return 0;
    case "boolean":
      return false;
    case "array":
      if (s.prefixItems) return s.prefixItems.map(exampleOf);
      return s.items ? [exampleOf(s.items)] : [];
    case "object":
      if (!s.properties && s.additionalProperties) return {};
      return Object.fromEntries(Object.entries(s.properties ?? {}).filter(([, p]) => p["x-durablec"] !== "undefined").map(([k, p]) => [k, exampleOf(p)]));
  }
  return null;
}
