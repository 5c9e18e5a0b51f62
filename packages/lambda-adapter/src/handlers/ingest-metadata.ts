/**
 * Step Functions task IngestMetadata: `{ event }` in, core's IngestMetadataOutput out. The event is the
 * execution's input, whose `download_token_ref` (download-token.ts) is no part of it and is not stored.
 */
import { type IngestMetadataInput, ingestMetadata } from "@zrec/core";
import { withoutTokenRef } from "../download-token.js";
import { taskHandler } from "../handler.js";
import { pipelineRuntime } from "../pipeline-runtime.js";
import type { HandlerOptions } from "../runtime.js";
import type { Env } from "../secrets.js";

export function createHandler(env: Env = process.env, options: HandlerOptions = {}) {
  const pipeline = pipelineRuntime(env, options);
  return taskHandler("ingest-metadata", async (input: IngestMetadataInput, invocation) =>
    ingestMetadata({ ...input, event: withoutTokenRef(input?.event) }, await pipeline(invocation)),
  );
}

export const handler = createHandler();
