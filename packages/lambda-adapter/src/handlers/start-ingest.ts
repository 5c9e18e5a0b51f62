/**
 * The manual path (`aws lambda invoke --payload file://webhook.json`): a recording event in, an
 * execution started. Always a new execution, so an ingest that failed can be run again.
 */
import { parseRecordingEvent } from "@zrec/core";
import { executionStarter } from "../execution.js";
import { taskHandler } from "../handler.js";
import type { HandlerOptions } from "../runtime.js";
import type { Env } from "../secrets.js";

export function createHandler(env: Env = process.env, options: HandlerOptions = {}) {
  const start = executionStarter(env, options.sfn ? { client: options.sfn } : {});
  const now = options.now ?? (() => new Date());
  return taskHandler("start-ingest", async (input: unknown) =>
    start(parseRecordingEvent(input, "the event"), { kind: "manual", at: now() }),
  );
}

export const handler = createHandler();
