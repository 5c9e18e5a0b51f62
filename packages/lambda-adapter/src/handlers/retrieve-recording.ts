/**
 * Step Functions task RetrieveRecording (one per file): `{ task, download_token?, event_ts? }` in, the
 * StoredFile out, or `{ status: "incomplete", … }` when its time budget ran out first: the state machine
 * then calls it again with the same input, and the copy goes on from its checkpoint.
 */
import { type RetrieveRecordingInput, retrieveRecordingWithin } from "@zrec/core";
import { taskHandler } from "../handler.js";
import { type HandlerOptions, pipelineRuntime } from "../runtime.js";
import type { Env } from "../secrets.js";

export function createHandler(env: Env = process.env, options: HandlerOptions = {}) {
  const pipeline = pipelineRuntime(env, options);
  return taskHandler("retrieve-recording", async (input: RetrieveRecordingInput, invocation) =>
    retrieveRecordingWithin(input, await pipeline(invocation)),
  );
}

export const handler = createHandler();
