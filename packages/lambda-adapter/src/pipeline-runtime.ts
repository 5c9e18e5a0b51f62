/**
 * The backends and Zoom clients of the handlers that run pipeline stages and tasks, built once per
 * cold start (see runtime.ts), and the log lines their ingest events become.
 */
import { type IngestEvent, type PipelineDeps, zoomClientsFor } from "@zrec/core";
import { backendsRuntime } from "./backends-runtime.js";
import type { Log } from "./log.js";
import { type Invocation, type RuntimeOptions, startOnce } from "./runtime.js";
import type { Env } from "./secrets.js";

/** Backends and Zoom clients, shared by every event this container handles; deps made per event. */
export function pipelineRuntime(
  env: Env,
  options: RuntimeOptions = {},
): (invocation: Invocation) => Promise<PipelineDeps> {
  const backends = backendsRuntime(env, options);
  // The Zoom clients too, so that an account's OAuth token is reused by the events that follow.
  const opened = startOnce(async () => {
    const { config, backends: open } = await backends();
    return { config, backends: open, zoom: zoomClientsFor(config) };
  });
  return async ({ log, signal, deadline }) => ({
    ...(await opened()),
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
