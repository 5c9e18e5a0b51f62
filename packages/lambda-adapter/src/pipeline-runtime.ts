/**
 * The backends and Zoom clients of the handlers that run pipeline stages and tasks, built once per
 * cold start (see runtime.ts), and the log lines their ingest events become.
 */
import { type IngestEvent, openPipeline, type PipelineDeps } from "@zrec/core";
import { checkLambdaBackends, loadHandlerConfig } from "./config.js";
import type { Log } from "./log.js";
import { type Invocation, type RuntimeOptions, startOnce } from "./runtime.js";
import type { Env } from "./secrets.js";

/** Backends and Zoom clients, shared by every event this container handles; deps made per event. */
export function pipelineRuntime(
  env: Env,
  options: RuntimeOptions = {},
): (invocation: Invocation) => Promise<PipelineDeps> {
  const opened = startOnce(async () => {
    const config = await loadHandlerConfig(env, options.secretClients);
    checkLambdaBackends(config);
    return openPipeline(config);
  });
  return async ({ log, signal, deadline }) => ({
    ...(await opened()).deps,
    onEvent: logIngestEvent(log),
    ...(signal ? { signal } : {}),
    ...(deadline !== undefined ? { stageDeadline: deadline } : {}),
  });
}

/** Progress of a copy comes once per part; the start and end of each file are what an operator reads. */
export function logIngestEvent(log: Log): (event: IngestEvent) => void {
  return (event) => {
    if (event.type === "file-progress") return;
    if (event.type === "warning") log("warn", event.message);
    else log("info", event.type, { ...event });
  };
}
