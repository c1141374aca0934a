export { Worker, type WorkerOptions, type StopResult } from "./worker.js";
export { loadHandlerModules, registerLoaded, isDurableHandler, parseModuleSpec, HandlerLoadError, type LoadedHandler, type LoadedModules } from "./load-handlers.js";
export {
  createLogger,
  formatOperationLine,
  displayName,
  operationFields,
  parseExecutionArn,
  progressLog,
  progressLogger,
  OperationTracker,
  type LogFormat,
  type LogLevel,
  type Logger,
  type LogFields,
} from "./log.js";
