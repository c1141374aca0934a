/**
 * `durablec/runtime`: the local durable execution service. Open a store, register
 * `withDurableExecution` handlers, start executions, send callbacks, inspect, and drive due work.
 */
export {
  DurableRuntime,
  createRuntime,
  type DurableHandler,
  type PlainFunction,
  type RegisterOptions,
  type RuntimeOptions,
  type StartOptions,
  type ExecutionDescription,
  type FaultPlan,
  type ProgressEvent,
} from "./service/runtime.js";
export { ExecutionService } from "./service/execution-service.js";
export { RealClock, VirtualClock, type Clock } from "./service/clock.js";
export {
  RuntimeError,
  type RuntimeErrorCode,
  MAX_OPERATION_PAYLOAD_BYTES,
  MAX_EXECUTION_RESULT_BYTES,
  MAX_INPUT_BYTES,
} from "./service/errors.js";
export { enableErrorStackCapture } from "./service/error-stacks.js";
export { type CapturedError, type StackFrame } from "./service/stack-frames.js";
export { type InputProblem } from "./service/input-validation.js";
export { Store, type ExecutionStatus, type ExecutionFilter } from "./store/store.js";
export {
  Worker,
  loadHandlerModules,
  registerLoaded,
  isDurableHandler,
  HandlerLoadError,
  createLogger,
  type WorkerOptions,
  type LoadedModules,
  type Logger,
  type LogFormat,
} from "./worker/index.js";
export { startServer, type ServerOptions, type RunningServer } from "./server/index.js";
export {
  explainNonDeterminism,
  findManifest,
  type ManifestLike,
  type NonDeterminismExplanation,
  type OperationSite,
} from "./versioning/explain-nondeterminism.js";
