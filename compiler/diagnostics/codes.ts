/**
 * The registry of durablec diagnostics, like TypeScript's `diagnosticMessages.json`.
 * Bands: 1xxx determinism and effects, 2xxx naming and manifest, 3xxx loops and concurrency,
 * 4xxx idempotency, semantics and serialization, 5xxx configuration and CLI, 9xxx internal.
 * A shipped code is never reused. Every code has a section in docs/diagnostics.md.
 * Messages use `{placeholder}`s filled from a diagnostic's `data`.
 */
export type DiagnosticCategory = "error" | "warning" | "info";

export interface DiagnosticDefinition {
  readonly code: string;
  readonly category: DiagnosticCategory;
  readonly message: string;
}

function define<const T extends Record<string, DiagnosticDefinition>>(defs: T): T {
  return defs;
}

export const Codes = define({
  NondeterminismOutsideStep: {
    code: "DUR1001",
    category: "error",
    message:
      "Call to '{callee}' outside a step: it returns a different value when the handler is replayed, so the execution can take another path than the one recorded. Move it into 'context.step(...)'.",
  },
  ModuleStateInDurableCode: {
    code: "DUR1002",
    category: "error",
    message:
      "Durable code {access} module-level mutable variable '{name}': module state is not checkpointed and differs between invocations, so replay can diverge. Pass the value as a parameter or return it from a step.",
  },
  TimerCallbackInDurableCode: {
    code: "DUR1003",
    category: "error",
    message:
      "'{callee}' with a callback in durable code: the callback is lost when the execution suspends and never fires after replay. Use 'await sleep(...)' from \"durablec\" instead.",
  },
  DurableOperationInStep: {
    code: "DUR1004",
    category: "error",
    message:
      "Durable operation '{callee}' inside a step body: steps cannot nest, the SDK fails the execution with a context usage error. Move the operation out of the step, or put both in a durable function, which becomes a child context.",
  },
  CapturedAssignmentInStep: {
    code: "DUR1005",
    category: "error",
    message:
      "Assignment to '{name}', declared outside this step body: the step does not run again on replay, so the assignment is lost and '{name}' keeps its old value. Return the value from the step instead.",
  },
  ParentContextInChild: {
    code: "DUR1006",
    category: "error",
    message:
      "Context '{name}' used inside {where}: operations must use the innermost context ('{inner}'); the SDK fails the execution with a context usage error.",
  },
  EffectInNestedFunction: {
    code: "DUR1007",
    category: "warning",
    message:
      "Call to '{callee}' inside a nested function in durable code is not checkpointed: it runs again on every replay. Move it to the durable function's body, or into a step.",
  },
  DurableOperationInNestedFunction: {
    code: "DUR1008",
    category: "error",
    message:
      "Durable operation '{callee}' inside a nested function: only operations in the durable function's own body can be compiled. Move it to the body of a durable function.",
  },
  EffectOutsideStep: {
    code: "DUR1009",
    category: "warning",
    message:
      "Awaited call to '{callee}' outside a step: it performs I/O and runs again on every replay. Wrap it in 'context.step(...)'.",
  },
  DynamicStepName: {
    code: "DUR2001",
    category: "error",
    message:
      "The name passed to 'step()' is not a string literal: operation names must be identical on every replay, and the manifest needs them at compile time. Use a string literal.",
  },
  DuplicateStepName: {
    code: "DUR2002",
    category: "warning",
    message:
      "Step name '{name}' is used more than once in '{function}': the occurrences are told apart only by position, so logs and the manifest are ambiguous. The compiler names this one '{unique}'.",
  },
  LoopKeptSequential: {
    code: "DUR3001",
    category: "info",
    message:
      "Loop in '{function}' kept as a sequential loop: {reason}. Its operations run one after another in the parent context, which is replay-safe; to run it as 'context.map', make the iterations independent.",
  },
  InvalidLoopAnnotation: {
    code: "DUR3002",
    category: "warning",
    message: "Ignored '@durable {problem}': the annotation is not understood, so the loop keeps its default concurrency and failure policy.",
  },
  NotAsync: {
    code: "DUR4001",
    category: "error",
    message:
      "Durable function '{name}' is not async: durable operations suspend and resume the function, which needs 'async'. Add 'async'.",
  },
  EntryTooManyParameters: {
    code: "DUR4002",
    category: "error",
    message:
      "Entry '{name}' takes {count} parameters: an entry receives one event. Combine the parameters into one object.",
  },
  CallbackWithoutTimeout: {
    code: "DUR4003",
    category: "error",
    message:
      "'{callee}' without a 'timeout': if the external system never answers, the execution waits forever. Pass '{ timeout: \"24h\" }' (or any Duration).",
  },
  UnserializableResult: {
    code: "DUR4004",
    category: "error",
    message:
      "The result of '{operation}' cannot be checkpointed: {path} is {kind}, which JSON cannot represent, so replay would return something else. Return plain data from the operation.",
  },
  LossyResult: {
    code: "DUR4005",
    category: "warning",
    message:
      "The result of '{operation}' holds {path}: {kind}, which the JSON checkpoint does not round-trip (it comes back as {becomes} on replay). Convert it to plain data.",
  },
  UnsupportedDurableForm: {
    code: "DUR4006",
    category: "error",
    message:
      "\"use durable\" on {form}: {why}. {instead}",
  },
  DurableCallerNotDurable: {
    code: "DUR4007",
    category: "error",
    message:
      "'{name}' is a durable function without an export, so it can only be called from durable code (it receives the durable context); it is called here from ordinary code.",
  },
  EntryCalledFromOrdinaryCode: {
    code: "DUR4008",
    category: "error",
    message:
      "Call to entry '{name}' from ordinary code: after compilation '{name}' is a Lambda handler ('withDurableExecution'), so this call would invoke the handler instead of the function. Call it from durable code (it becomes a child context); keep tests that call the source out of the build's tsconfig.",
  },
  IdempotencyKeyPathNotFound: {
    code: "DUR4020",
    category: "error",
    message:
      "'@idempotencyKey {path}' on '{callee}' names no parameter of it (parameters: {parameters}): the compiler cannot tell where the key goes, so retries could repeat the effect. Name a parameter ('key') or a property path in one ('options.idempotencyKey').",
  },
  InvalidDurableAnnotation: {
    code: "DUR4021",
    category: "error",
    message:
      "Invalid annotation '{annotation}': {problem}. Write '@retry <attempts> [<initial delay>]' (e.g. '@retry 5 10s'), '@noRetry' or '@atMostOnce'.",
  },
  ConflictingStepAnnotations: {
    code: "DUR4022",
    category: "error",
    message:
      "'{callee}' is annotated both {first} and {second}: an at-most-once effect is never started twice, so it cannot be retried. Keep one of them.",
  },
  UntypedResult: {
    code: "DUR4023",
    category: "warning",
    message:
      "The result of '{operation}' is typed '{type}': the compiler cannot check that it survives the JSON checkpoint, nor emit a codec for dates, maps, sets or bigints in it. Give '{operation}' a precise return type.",
  },
  UnvalidatedInput: {
    code: "DUR4024",
    category: "warning",
    message:
      "{what} cannot be validated at run time: {path} is {kind}, which no JSON value can be. It is accepted as is; give it a data type.",
  },
  ConfigNotFound: {
    code: "DUR5001",
    category: "error",
    message: "Cannot read '{path}': {reason}.",
  },
  InvalidConfig: {
    code: "DUR5002",
    category: "error",
    message: "Invalid durable.config.json: {problem}.",
  },
  DurableInJavaScript: {
    code: "DUR5003",
    category: "error",
    message:
      "\"use durable\" in a JavaScript file: the compiler needs TypeScript's types to classify calls. Rename the file to '.ts'.",
  },
  UsageError: {
    code: "DUR5004",
    category: "error",
    message: "{problem}",
  },
  OutputNotWritten: {
    code: "DUR5005",
    category: "error",
    message: "Cannot write the build's outputs: {problem}. Nothing was changed in the output directory.",
  },
  InternalError: {
    code: "DUR9001",
    category: "error",
    message: "Internal compiler error: {problem}. Please report this with the input file.",
  },
  OutputDoesNotTypeCheck: {
    code: "DUR9002",
    category: "error",
    message: "Internal compiler error: the compiled output does not type-check: {problem}. Please report this with the input file.",
  },
});

export type CodeKey = keyof typeof Codes;

/** Every definition, keyed by `DURnnnn`. */
export const CodesByNumber: ReadonlyMap<string, DiagnosticDefinition> = new Map(
  Object.values(Codes).map((d) => [d.code, d]),
);
