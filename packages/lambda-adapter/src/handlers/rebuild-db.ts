/** Rebuilds the index from the documents in the bucket. Options: `{ "dryRun": true }` only counts. */
import { rebuildDb } from "@zrec/core/archive";
import { backendsRuntime } from "../backends-runtime.js";
import { taskHandler } from "../handler.js";
import { booleanOption, optionsOf } from "../input.js";
import type { HandlerOptions } from "../runtime.js";
import type { Env } from "../secrets.js";

export function createHandler(env: Env = process.env, options: HandlerOptions = {}) {
  const opened = backendsRuntime(env, options);
  return taskHandler("rebuild-db", async (input: unknown, invocation) => {
    const dryRun = booleanOption(optionsOf(input, "rebuild-db"), "dryRun", false);
    const deps = await opened();
    const report = await rebuildDb(deps, {
      dryRun,
      onProgress: (progress) => invocation.log("info", "progress", { ...progress }),
    });
    if (report.bad.length > 0) invocation.log("warn", `${report.bad.length} documents were skipped as bad`);
    return report;
  });
}

export const handler = createHandler();
