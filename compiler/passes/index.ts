/**
 * The one place that decides the order of the rewrites. Every pass reads the unmodified program
 * (through the analyses) and adds text edits to the file's edit set; no pass calls another.
 */
import type { Pass } from "./pass-context.js";
import { rewriteConcurrency } from "./rewrite-concurrency.js";
import { rewriteDurableCallsToChildContexts } from "./rewrite-durable-calls-to-child-contexts.js";
import { rewriteEffectsToSteps } from "./rewrite-effects-to-steps.js";
import { injectIdempotencyKeys } from "./inject-idempotency-keys.js";
import { rewriteEntriesToHandlers } from "./rewrite-entries-to-handlers.js";
import { rewriteImports } from "./rewrite-imports.js";
import { rewriteIntrinsics } from "./rewrite-intrinsics.js";
import { rewriteLoopsToMap } from "./rewrite-loops-to-map.js";
import { rewriteTimersToWait } from "./rewrite-timers-to-wait.js";
import { validateInputs } from "./validate-inputs.js";
import { assertNarrowedProperties } from "./rebind-narrowed.js";

export const PASSES: readonly { name: string; run: Pass }[] = [
  { name: "rewrite-effects-to-steps", run: rewriteEffectsToSteps },
  { name: "inject-idempotency-keys", run: injectIdempotencyKeys },
  { name: "rewrite-timers-to-wait", run: rewriteTimersToWait },
  { name: "rewrite-intrinsics", run: rewriteIntrinsics },
  { name: "rewrite-durable-calls-to-child-contexts", run: rewriteDurableCallsToChildContexts },
  { name: "rewrite-loops-to-map", run: rewriteLoopsToMap },
  { name: "rewrite-concurrency", run: rewriteConcurrency },
  { name: "keep-narrowing-in-closures", run: assertNarrowedProperties },
  { name: "validate-inputs", run: validateInputs },
  { name: "rewrite-entries-to-handlers", run: rewriteEntriesToHandlers },
  // Last: it needs to know which imports the other passes used.
  { name: "rewrite-imports", run: rewriteImports },
];

export type { Pass, PassContext } from "./pass-context.js";
export { GeneratedNames } from "./pass-context.js";
