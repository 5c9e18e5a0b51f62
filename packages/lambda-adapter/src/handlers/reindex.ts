/** An edited recording document in (as `zrec get --output` wrote it): stored, indexed, announced again. */
import { reindex } from "@zrec/core";
import { taskHandler } from "../handler.js";
import { pipelineRuntime } from "../pipeline-runtime.js";
import type { HandlerOptions } from "../runtime.js";
import type { Env } from "../secrets.js";

export function createHandler(env: Env = process.env, options: HandlerOptions = {}) {
  const pipeline = pipelineRuntime(env, options);
  return taskHandler("reindex", async (document: unknown, invocation) =>
    reindex(document, await pipeline(invocation), { source: "the recording document" }),
  );
}

export const handler = createHandler();
