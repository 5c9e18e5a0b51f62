/**
 * The one wrapper every Step Functions task and direct-invoke handler goes through: it gives the
 * handler a log and a deadline, logs a failure once, and rethrows it under a name a Retry can match.
 */
import type { Context } from "aws-lambda";
import { HandlerError } from "./errors.js";
import { createLog } from "./log.js";
import type { Invocation } from "./runtime.js";

/** The part of Lambda's context a handler uses; tests may pass none. */
export type LambdaContext = Pick<Context, "awsRequestId" | "getRemainingTimeInMillis">;

/** Time left for aborting a multipart upload and reporting, after the deadline signal fires. */
const WIND_DOWN_MS = 10_000;
/**
 * Time a stage with a budget (RetrieveRecording) keeps after its budget ends, before the deadline
 * signal: the parts in flight are stored and checkpointed in it (4 parts of 8 MiB from a slow CDN).
 */
const BUDGET_MARGIN_MS = 60_000;

/**
 * @example
 * export const handler = taskHandler("reindex", async (document, { log }) => reindex(document, deps));
 */
export function taskHandler<I, O>(
  name: string,
  run: (input: I, invocation: Invocation) => Promise<O>,
): (input: I, context?: LambdaContext) => Promise<O> {
  return async (input, context) => {
    const log = createLog(name, context?.awsRequestId);
    const remaining = context?.getRemainingTimeInMillis();
    const signal =
      remaining === undefined ? undefined : AbortSignal.timeout(Math.max(1_000, remaining - WIND_DOWN_MS));
    try {
      const deadline =
        remaining === undefined
          ? undefined
          : Date.now() + Math.max(0, remaining - WIND_DOWN_MS - BUDGET_MARGIN_MS);
      return await run(input, {
        log,
        ...(signal ? { signal } : {}),
        ...(deadline !== undefined ? { deadline } : {}),
      });
    } catch (error) {
      const failure = new HandlerError(error);
      log("error", `${name}.failed`, { error: failure.message, error_type: failure.name });
      throw failure;
    }
  };
}
