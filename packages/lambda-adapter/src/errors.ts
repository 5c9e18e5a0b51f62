/**
 * How a failed handler reports to Step Functions. Lambda turns a thrown error's `name` into the
 * `errorType` a state's Retry matches, so every error leaves a handler as one of two names, after core's
 * one verdict (`retryVerdict`): worth another try later, or not. The zrec error code stays in the
 * message for the operator.
 */
import { retryVerdict, ZrecError } from "@zrec/core/webhook";

/** Retry with backoff: the network, throttling, a 5xx of Zoom or of an AWS service. */
export const RETRYABLE_ERROR = "zrec.Retryable";
/**
 * Another try gives the same answer: bad input or configuration, access denied, a 4xx, an ingest that
 * is incomplete, a bug.
 */
export const FAILED_ERROR = "zrec.Failed";

/** The error a handler throws to Lambda: a stable `name`, one sentence, the original as `cause`. */
export class HandlerError extends Error {
  override readonly name: typeof RETRYABLE_ERROR | typeof FAILED_ERROR;
  constructor(error: unknown) {
    const code = error instanceof ZrecError ? error.code : error instanceof Error ? error.name : "Error";
    super(`${code}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    this.name = retryVerdict(error) === "transient" ? RETRYABLE_ERROR : FAILED_ERROR;
  }
}
