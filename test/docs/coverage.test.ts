/**
 * Every fenced code block in README.md, examples/ and docs/ is run by a test, or says why it
 * cannot be: a block without a marker a runner honours fails here, naming file:line and the
 * markers to choose from. The only blocks that are not run are commands against a real AWS
 * account (`<!-- doc-skip: needs an AWS account -->`).
 */
import { describe, expect, it } from "vitest";
import { allCodeBlocks, type CodeBlock } from "./markdown-blocks.js";

interface Runner {
  /** Languages the runner takes, for the block after the marker and (pairs) the one after it. */
  langs: readonly (readonly string[])[];
  /** The values the marker's argument may take, when the runner only knows these. */
  args?: readonly string[];
  /** The files whose blocks the runner reads, when it does not read them all. */
  files?: RegExp;
  /** Who runs it. */
  by: string;
}

const SAMPLES = "test/docs/doc-samples.test.ts";
const CHECKS = "test/docs/doc-checks.test.ts";

/** The markers and the tests that honour them (markdown-blocks.ts describes each). */
export const RUNNERS: Record<string, Runner> = {
  "doc-test": { langs: [["ts", "sh"]], by: SAMPLES },
  "doc-output": { langs: [["text"]], by: SAMPLES },
  "doc-file": { langs: [["text", "json", "yaml", "ts"]], by: SAMPLES },
  "doc-server": { langs: [["sh"]], by: SAMPLES },
  "doc-http": { langs: [["sh"]], by: SAMPLES },
  "doc-transform": { langs: [["ts"], ["ts"]], by: CHECKS },
  "doc-diagnostics": { langs: [["ts"], ["text"]], by: CHECKS },
  "doc-compiles": { langs: [["ts"]], by: CHECKS },
  "doc-usage": { langs: [["text"]], by: CHECKS },
  "doc-config": { langs: [["json"]], by: CHECKS },
  "doc-tree": { langs: [["text"]], by: `${CHECKS} (doc-tree: dir in ${SAMPLES})` },
  "readme-sample": { langs: [["ts"]], args: ["before", "after"], files: /^README\.md$/, by: "test/docs/readme.test.ts" },
  begin: { langs: [["ts"]], args: ["source", "compiled"], files: /^examples\/[^/]+\/README\.md$/, by: "test/examples/readmes.test.ts (scripts/example-readmes.mjs)" },
  "doc-clone": { langs: [["sh"]], files: /^(README\.md|docs\/getting-started\.md)$/, by: "test/examples/demo.test.ts (in a fresh clone)" },
  "doc-skip": { langs: [["console", "sh"]], by: "nobody: the reason says why" },
};

/** Why a block may stay unrun. Nothing else qualifies: a block that can run locally runs. */
export const SKIP_REASONS = ["needs an AWS account"];

const HOW_TO_RUN = [
  "Put a marker on the line before it, so a test runs it (details in the header of test/docs/markdown-blocks.ts):",
  "  <!-- doc-test: a-unique-name -->        ```ts: runs it in the scratch project; `// > ` lines are exactly what it prints (… matches anything).",
  "                                           ```sh: runs it in the scratch project, durablec on PATH; `# > ` lines must appear in its output (… matches anything).",
  "  <!-- doc-output -->                      ```text: lines the shell sample before it must print, in order.",
  "  <!-- doc-file: path -->                  the exact content of that file once the shell samples before it ran.",
  "  <!-- doc-transform: a-unique-name -->    before two ```ts blocks: a source, then exactly what `durablec transform` prints (UPDATE_DOC_TRANSFORMS=1 writes it).",
  "  <!-- doc-diagnostics: a-unique-name -->  before a ```ts and a ```text block: a source, then exactly the diagnostics durablec reports (UPDATE_DOC_TRANSFORMS=1 writes them).",
  "  <!-- doc-compiles: a-unique-name -->     ```ts: a complete source that compiles with no diagnostic.",
  "  <!-- doc-server -->                      ```sh: long-running commands (dev, serve), started with --port 0 (doc-server: dir, in that folder); `# > ` lines they print.",
  "  <!-- doc-http -->                        ```sh: requests to localhost:7070, run against the doc-server above in the same file.",
  "  <!-- doc-usage -->                       ```text: `durablec <command> [--option …]` synopses, checked against --help.",
  "  <!-- doc-config -->                      ```json: a valid durable.config.json.",
  "  <!-- doc-tree -->                        ```text: directories and files of the repository (doc-tree: dir, of that scratch folder); a directory listed with its contents lists all its subdirectories.",
  "Only commands against AWS itself may stay unrun: <!-- doc-skip: needs an AWS account -->.",
].join("\n");

/** What is wrong with how a block is (not) run, or undefined when a test runs it. */
export function problem(block: CodeBlock): string | undefined {
  const where = `${block.file}:${block.line}`;
  const marker = block.marker;
  if (!marker) return `${where}: this \`\`\`${block.lang} block is not run by any test.\n${HOW_TO_RUN}`;
  const runner = RUNNERS[marker.kind];
  if (!runner) return `${where}: <!-- ${marker.kind} --> is not a marker any test honours.\n${HOW_TO_RUN}`;
  const langs = runner.langs[block.index]!;
  if (!langs.includes(block.lang)) return `${where}: <!-- ${marker.kind} --> runs ${langs.map((l) => `\`\`\`${l}`).join(" or ")} blocks, not \`\`\`${block.lang}.`;
  if (runner.args && !runner.args.includes(marker.arg)) return `${where}: <!-- ${marker.kind}: ${marker.arg} --> is not read by ${runner.by} (it reads ${runner.args.join(", ")}).\n${HOW_TO_RUN}`;
  if (runner.files && !runner.files.test(block.file)) return `${where}: <!-- ${marker.kind} --> is only read in other files by ${runner.by}.\n${HOW_TO_RUN}`;
  if (marker.kind === "doc-skip" && !SKIP_REASONS.includes(marker.arg)) {
    return `${where}: "${marker.arg}" is not a reason to leave a block unrun (allowed: ${SKIP_REASONS.map((r) => `"${r}"`).join(", ")}); make it run instead.\n${HOW_TO_RUN}`;
  }
  return undefined;
}

describe("every documentation code block", () => {
  const blocks = allCodeBlocks();

  it("is run by a test, or marked as needing an AWS account", () => {
    const problems = blocks.flatMap((b) => problem(b) ?? []);
    expect(problems.join("\n\n"), "documentation code blocks that no test runs").toBe("");
  });

  it("names the file, the line and the marker to add", () => {
    const block: CodeBlock = { file: "docs/x.md", line: 12, lang: "ts", code: "f();", index: 0 };
    expect(problem(block)).toMatch(/^docs\/x\.md:12: this ```ts block is not run by any test\.\n.*<!-- doc-test: a-unique-name -->/s);
    expect(problem({ ...block, lang: "console", marker: { kind: "doc-skip", arg: "too slow" } })).toMatch(/"too slow" is not a reason/);
    expect(problem({ ...block, lang: "console", marker: { kind: "doc-skip", arg: "needs an AWS account" } })).toBeUndefined();
    expect(problem({ ...block, lang: "json", marker: { kind: "doc-test", arg: "x" } })).toMatch(/runs ```ts or ```sh blocks, not ```json/);
    expect(problem({ ...block, marker: { kind: "doc-tset", arg: "x" } })).toMatch(/not a marker any test honours/);
    expect(problem({ ...block, marker: { kind: "readme-sample", arg: "middle" } })).toMatch(/is not read by test\/docs\/readme\.test\.ts/);
    expect(problem({ ...block, marker: { kind: "begin", arg: "source" } })).toMatch(/only read in other files/);
  });
});
