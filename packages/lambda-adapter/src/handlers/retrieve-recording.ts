/**
 * Step Functions task RetrieveRecording (one per file): `{ task, download_token_ref?, download_token?,
 * event_ts? }` in, the StoredFile out, or `{ status: "incomplete", … }` when its time budget ran out
 * first: the state machine then calls it again with the same input, and the copy goes on from its
 * checkpoint. The token is read from the bucket by its reference (download-token.ts); an inline
 * `download_token` is what executions started by an earlier deployment carry.
 */
import { type RetrieveRecordingInput, retrieveRecordingWithin } from "@zrec/core";
import { objectTokenStore, TOKEN_REF_FIELD } from "../download-token.js";
import { taskHandler } from "../handler.js";
import { pipelineRuntime } from "../pipeline-runtime.js";
import type { HandlerOptions } from "../runtime.js";
import type { Env } from "../secrets.js";

export type RetrieveRecordingTaskInput = RetrieveRecordingInput & { [TOKEN_REF_FIELD]?: string };

export function createHandler(env: Env = process.env, options: HandlerOptions = {}) {
  const pipeline = pipelineRuntime(env, options);
  return taskHandler("retrieve-recording", async (input: RetrieveRecordingTaskInput, invocation) => {
    const deps = await pipeline(invocation);
    const { [TOKEN_REF_FIELD]: ref, ...rest } = input;
    if (ref === undefined || rest.download_token !== undefined) return retrieveRecordingWithin(rest, deps);
    const token = await objectTokenStore(deps.backends.store).get(ref);
    // Gone (a day old, removed by the lifecycle rule): the account's OAuth token downloads the file.
    if (token === undefined) invocation.log("warn", "the stored download token is gone; using OAuth");
    return retrieveRecordingWithin(token === undefined ? rest : { ...rest, download_token: token }, deps);
  });
}

export const handler = createHandler();
