#!/usr/bin/env node
/**
 * Keeps the code in examples/<name>/README.md true: the "source" block is the example's
 * workflow.ts, the "compiled" block is what `durablec transform` prints for it today.
 *
 *   node scripts/example-readmes.mjs          rewrite the blocks
 *   node scripts/example-readmes.mjs --check  exit 1 when a README is out of date
 *
 * test/examples/readmes.test.ts runs the check, so a compiler change that alters the output
 * shows up as a failing test with this command as the fix.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const EXAMPLES = ["order-checkout", "human-approval", "batch-processing", "polling", "saga"];

/** What `durablec transform examples/<name>/workflow.ts` prints (throws on diagnostics with errors). */
export function transformed(example) {
  const file = `examples/${example}/workflow.ts`;
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "durablec.js"), "transform", file], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`durablec transform ${file} exited with ${r.status}:\n${r.stderr}`);
  return r.stdout.replace(/\n+$/, "");
}

export function source(example) {
  return readFileSync(join(ROOT, "examples", example, "workflow.ts"), "utf8").replace(/\n+$/, "");
}

const BLOCK = (kind) => new RegExp(`(<!-- begin ${kind} -->\\n\\n\`\`\`ts\\n)([\\s\\S]*?)(\`\`\`\\n\\n<!-- end ${kind} -->)`);

/** The code between `<!-- begin <kind> -->` and `<!-- end <kind> -->`. */
export function block(text, kind) {
  const m = BLOCK(kind).exec(text);
  return m ? m[2].replace(/\n$/, "") : undefined;
}

export function render(text, blocks) {
  let out = text;
  for (const [kind, code] of Object.entries(blocks)) {
    if (!BLOCK(kind).test(out)) throw new Error(`no <!-- begin ${kind} --> block`);
    out = out.replace(BLOCK(kind), (_, open, _old, close) => open + code + "\n" + close);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const example of EXAMPLES) {
    const path = join(ROOT, "examples", example, "README.md");
    const text = readFileSync(path, "utf8");
    const next = render(text, { source: source(example), compiled: transformed(example) });
    if (next === text) continue;
    stale++;
    if (check) console.error(`examples/${example}/README.md is out of date`);
    else {
      writeFileSync(path, next);
      console.log(`updated examples/${example}/README.md`);
    }
  }
  if (check && stale) {
    console.error("run: node scripts/example-readmes.mjs");
    process.exit(1);
  }
}
