/**
 * @zrec/lambda-adapter: zrec's core on AWS Lambda and Step Functions. The handlers live one per file in
 * `handlers/` (bundled to `dist/handlers/<name>.mjs`); this entry point exports what the build, the
 * deploy template and tests share.
 */
export { CONFIG_VARIABLE, checkLambdaBackends, loadHandlerConfig } from "./config.js";
export { FAILED_ERROR, HandlerError, RETRYABLE_ERROR } from "./errors.js";
export {
  ExecutionNotStarted,
  type ExecutionOrigin,
  executionName,
  executionStarter,
  STATE_MACHINE_VARIABLE,
  type StartedExecution,
} from "./execution.js";
export type { HandlerOptions } from "./runtime.js";
export {
  type Env,
  resolveZoomSecrets,
  SECRET_ID_VARIABLE,
  type SecretClients,
  ZOOM_SECRET_NAMES,
} from "./secrets.js";
export {
  type AslDefinition,
  type StateMachineOptions,
  stateMachineDefinition,
  TASK_FUNCTIONS,
  TASK_HANDLERS,
  TASK_TIMEOUT_SECONDS,
  type TaskStateName,
} from "./state-machine.js";

/** Every handler, by the name of its file in `src/handlers/` and `dist/handlers/`. */
export const HANDLER_NAMES = [
  "webhook",
  "ingest-metadata",
  "retrieve-recording",
  "finish-ingest",
  "start-ingest",
  "reindex",
  "sweep-missed",
  "purge-old",
  "rebuild-db",
  "site-builder",
] as const;
