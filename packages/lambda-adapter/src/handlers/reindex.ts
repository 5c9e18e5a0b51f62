/** An edited recording document in (as `zrec get --output` wrote it): stored, indexed, announced again. */
import { reindex } from "@zrec/core/archive";
import { backendsRuntime } from "../backends-runtime.js";
import { taskHandler } from "../handler.js";
import type { HandlerOptions } from "../runtime.js";
import type { Env } from "../secrets.js";

export function createHandler(env: Env = process.env, options: HandlerOptions = {}) {
  const opened = backendsRuntime(env, options);
  return taskHandler("reindex", async (document: unknown) =>
    reindex(document, await opened(), { source: "the recording document" }),
  );
}

export const handler = createHandler();
