/**
 * Step Functions task FinishIngest: `{ metadata, files, execution_name }` in, FinishIngestOutput out.
 * Every file is stored by now, so the download token the starter kept under the execution's name
 * (download-token.ts) is deleted first; a failed delete leaves it to the bucket's lifecycle rule.
 */
import { type FinishIngestInput, finishIngest, messageOf } from "@zrec/core";
import { objectTokenStore } from "../download-token.js";
import { taskHandler } from "../handler.js";
import { pipelineRuntime } from "../pipeline-runtime.js";
import type { HandlerOptions } from "../runtime.js";
import type { Env } from "../secrets.js";

export type FinishIngestTaskInput = FinishIngestInput & { execution_name?: string };

export function createHandler(env: Env = process.env, options: HandlerOptions = {}) {
  const pipeline = pipelineRuntime(env, options);
  return taskHandler("finish-ingest", async (input: FinishIngestTaskInput, invocation) => {
    const deps = await pipeline(invocation);
    const { execution_name: executionName, ...rest } = input;
    if (executionName !== undefined) {
      await objectTokenStore(deps.backends.store)
        .delete(executionName)
        .catch((error: unknown) =>
          invocation.log("warn", `the stored download token was not deleted: ${messageOf(error)}`),
        );
    }
    return finishIngest(rest, deps);
  });
}

export const handler = createHandler();
