/**
 * Starting the ingest state machine. The execution's name is derived from the recording and the event,
 * so a delivery Zoom repeats maps to the execution it already started: Step Functions answers
 * ExecutionAlreadyExists (or, while it runs with the same input, the same execution), and no second
 * ingest of the same files begins.
 */
import { createHash } from "node:crypto";
import type { SFNClient } from "@aws-sdk/client-sfn";
import { ConfigError, messageOf, recordingIdFromUuid, type ZoomRecordingEvent } from "@zrec/core/webhook";
import { executionInput, type TokenStore } from "./download-token.js";
import type { Env } from "./secrets.js";

export const STATE_MACHINE_VARIABLE = "ZREC_STATE_MACHINE_ARN";

/** Why an execution is started: each origin has its own naming rule. */
export type ExecutionOrigin =
  /** A Zoom delivery: the same event always gets the same name. */
  | { kind: "webhook" }
  /** An operator asked (start-ingest): always a new execution, also after a failed one. */
  | { kind: "manual"; at: Date }
  /** A sweep found the recording missing: one execution per recording and UTC day. */
  | { kind: "sweep"; at: Date };

export interface StartedExecution {
  status: "started" | "already-started";
  recording_id: string;
  execution_name: string;
  /** Absent when Step Functions answered ExecutionAlreadyExists (it does not say which one). */
  execution_arn?: string;
}

/**
 * A name Step Functions accepts (at most 80 of `[A-Za-z0-9_-]`), readable in the console: the
 * recording id, then what started it.
 * @example
 * executionName(event, { kind: "webhook" }); // "0a7203ad-04ac-45d8-bd6d-6a778f226c65-completed-3f9c0a1b2d4e"
 */
export function executionName(event: ZoomRecordingEvent, origin: ExecutionOrigin): string {
  const recordingId = recordingIdFromUuid(event.payload.object.uuid);
  switch (origin.kind) {
    case "webhook": {
      const kind = event.event === "recording.transcript_completed" ? "transcript" : "completed";
      // What Zoom repeats on a re-delivery; the body's download_token and the signature may differ.
      const fileIds = (event.payload.object.recording_files ?? []).map(
        (f) => f.id ?? f.recording_start ?? "",
      );
      const identity = JSON.stringify([
        event.event,
        event.event_ts ?? null,
        event.payload.object.uuid,
        fileIds,
      ]);
      return `${recordingId}-${kind}-${createHash("sha256").update(identity).digest("hex").slice(0, 12)}`;
    }
    case "manual":
      return `${recordingId}-manual-${origin.at.getTime()}`;
    case "sweep":
      return `${recordingId}-sweep-${origin.at.toISOString().slice(0, 10)}`;
  }
}

export interface ExecutionStarterOptions {
  /** An SFN client (tests); default a new one, which follows AWS_REGION and AWS_ENDPOINT_URL_SFN. */
  client?: SFNClient;
  /** Give up after this long, so that a webhook still answers Zoom in time. Default none. */
  timeoutMs?: number;
  /**
   * Where an event's download_token is kept, so that the execution's input and history never hold it
   * (download-token.ts). Without one a token is left out and the files are downloaded with the
   * account's OAuth token: the sweep's events, built from Zoom's API, carry none.
   */
  tokens?: () => Promise<TokenStore>;
}

export type StartExecution = (
  event: ZoomRecordingEvent,
  origin: ExecutionOrigin,
) => Promise<StartedExecution>;

/**
 * @example
 * const start = executionStarter(process.env, { timeoutMs: 2_000 });
 * const { status } = await start(event, { kind: "webhook" }); // "started" or "already-started"
 */
export function executionStarter(env: Env, options: ExecutionStarterOptions = {}): StartExecution {
  let client = options.client;
  // Loaded as the starter is made, at a cold start's init, rather than on the first event (the
  // bundles load an SDK client on demand), whose answer Zoom waits for.
  const sdk = options.client === undefined ? import("./sdk/sfn.js") : undefined;
  sdk?.catch(() => {});
  return async (event, origin) => {
    const stateMachineArn = env[STATE_MACHINE_VARIABLE];
    if (stateMachineArn === undefined || stateMachineArn === "") {
      throw new ConfigError(
        STATE_MACHINE_VARIABLE,
        `${STATE_MACHINE_VARIABLE} is not set, so no ingest can be started.`,
        {
          suggestion: "Set it to the ARN of the ingest state machine (the template does).",
        },
      );
    }
    const { SFNClient, StartExecutionCommand } = await (sdk ?? import("./sdk/sfn.js"));
    client ??= new SFNClient({});
    const name = executionName(event, origin);
    const recordingId = recordingIdFromUuid(event.payload.object.uuid);
    const abortSignal = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
    const tokens = event.download_token !== undefined ? options.tokens : undefined;
    let stored: TokenStore | undefined;
    if (tokens !== undefined && event.download_token !== undefined) {
      // Keyed by the execution's name: a re-delivery of the same event writes the same key with a token
      // as good for the same recording, and the execution that reads it is the one this name starts.
      try {
        stored = await tokens();
        // Within the same budget as StartExecution: a slow bucket must not keep Zoom waiting.
        await untilAborted(stored.put(name, event.download_token), abortSignal);
      } catch (error) {
        throw new ExecutionNotStarted(name, error);
      }
    }
    const input = JSON.stringify(executionInput(event, stored === undefined ? undefined : name));
    try {
      const started = await client.send(
        new StartExecutionCommand({ stateMachineArn, name, input }),
        abortSignal ? { abortSignal } : {},
      );
      return {
        status: "started",
        recording_id: recordingId,
        execution_name: name,
        ...(started.executionArn ? { execution_arn: started.executionArn } : {}),
      };
    } catch (error) {
      // By name: an injected client may come from another copy of the SDK than this module's.
      if (error instanceof Error && error.name === "ExecutionAlreadyExists") {
        return { status: "already-started", recording_id: recordingId, execution_name: name };
      }
      // Not deleted: a running execution of this name (StartExecution timed out after starting it) may
      // still need it; the bucket's lifecycle rule removes it otherwise.
      throw new ExecutionNotStarted(name, error);
    }
  };
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) abort();
    signal.addEventListener("abort", abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/** StartExecution failed (unreachable, throttled, denied): the ingest has not begun. */
export class ExecutionNotStarted extends Error {
  override readonly name = "ExecutionNotStarted";
  constructor(executionName: string, cause: unknown) {
    super(`Step Functions did not start execution ${executionName}: ${messageOf(cause)}`, { cause });
  }
}
