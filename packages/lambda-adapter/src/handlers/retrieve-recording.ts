/** Step Functions task RetrieveRecording (one per file): `{ task, download_token?, event_ts? }` in, StoredFile out. */
import { type RetrieveRecordingInput, retrieveRecording } from "@zrec/core";
import { taskHandler } from "../handler.js";
import { type HandlerOptions, pipelineRuntime } from "../runtime.js";
import type { Env } from "../secrets.js";

export function createHandler(env: Env = process.env, options: HandlerOptions = {}) {
  const pipeline = pipelineRuntime(env, options);
  return taskHandler("retrieve-recording", async (input: RetrieveRecordingInput, invocation) =>
    retrieveRecording(input, await pipeline(invocation)),
  );
}

export const handler = createHandler();
