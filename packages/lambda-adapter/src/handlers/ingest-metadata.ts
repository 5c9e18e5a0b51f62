/** Step Functions task IngestMetadata: `{ event }` in, core's IngestMetadataOutput out. */
import { type IngestMetadataInput, ingestMetadata } from "@zrec/core";
import { taskHandler } from "../handler.js";
import { type HandlerOptions, pipelineRuntime } from "../runtime.js";
import type { Env } from "../secrets.js";

export function createHandler(env: Env = process.env, options: HandlerOptions = {}) {
  const pipeline = pipelineRuntime(env, options);
  return taskHandler("ingest-metadata", async (input: IngestMetadataInput, invocation) =>
    ingestMetadata(input, await pipeline(invocation)),
  );
}

export const handler = createHandler();
