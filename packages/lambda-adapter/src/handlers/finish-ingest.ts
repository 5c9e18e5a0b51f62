/** Step Functions task FinishIngest: `{ metadata, files }` in, FinishIngestOutput out. */
import { type FinishIngestInput, finishIngest } from "@zrec/core";
import { taskHandler } from "../handler.js";
import { type HandlerOptions, pipelineRuntime } from "../runtime.js";
import type { Env } from "../secrets.js";

export function createHandler(env: Env = process.env, options: HandlerOptions = {}) {
  const pipeline = pipelineRuntime(env, options);
  return taskHandler("finish-ingest", async (input: FinishIngestInput, invocation) =>
    finishIngest(input, await pipeline(invocation)),
  );
}

export const handler = createHandler();
