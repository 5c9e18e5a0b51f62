/**
 * The manual path (`aws lambda invoke --payload file://webhook.json`): a recording event in, an
 * execution started. Always a new execution, so an ingest that failed can be run again.
 */
import { parseRecordingEvent } from "@zrec/core/webhook";
import { executionStarter } from "../execution.js";
import { taskHandler } from "../handler.js";
import { configRuntime, type HandlerOptions, tokenStoreRuntime } from "../runtime.js";
import type { Env } from "../secrets.js";

export function createHandler(env: Env = process.env, options: HandlerOptions = {}) {
  // An operator's event file may still hold its download_token: it is kept out of the history too.
  const tokens = tokenStoreRuntime(configRuntime(env, options));
  const start = executionStarter(env, { tokens, ...(options.sfn ? { client: options.sfn } : {}) });
  const now = options.now ?? (() => new Date());
  return taskHandler("start-ingest", async (input: unknown) =>
    start(parseRecordingEvent(input, "the event"), { kind: "manual", at: now() }),
  );
}

export const handler = createHandler();
