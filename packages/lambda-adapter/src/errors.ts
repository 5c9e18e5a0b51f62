/**
 * How a failed handler reports to Step Functions. Lambda turns a thrown error's `name` into the
 * `errorType` a state's Retry matches, so every error leaves a handler as one of two names: worth
 * another try later, or not. The zrec error code stays in the message for the operator.
 */
import { BackendError, TransferError, ZoomApiError, ZrecError } from "@zrec/core/webhook";

/** Retry with backoff: the network, throttling, a 5xx of Zoom or of an AWS service. */
export const RETRYABLE_ERROR = "zrec.Retryable";
/** Another try gives the same answer: bad input or configuration, a 4xx, an ingest that is incomplete. */
export const FAILED_ERROR = "zrec.Failed";

/** The error a handler throws to Lambda: a stable `name`, one sentence, the original as `cause`. */
export class HandlerError extends Error {
  override readonly name: typeof RETRYABLE_ERROR | typeof FAILED_ERROR;
  constructor(error: unknown) {
    const code = error instanceof ZrecError ? error.code : error instanceof Error ? error.name : "Error";
    super(`${code}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    this.name = isRetryable(error) ? RETRYABLE_ERROR : FAILED_ERROR;
  }
}

/** AWS SDK errors that a later try may not meet (their own retries already ran out). */
const THROTTLING = /throttl|toomanyrequests|slowdown|requestlimitexceeded|provisionedthroughputexceeded/i;
/** Node's socket errors, and undici's (`fetch failed`, `UND_ERR_*`). */
const NETWORK_CODES = /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|UND_ERR_\w+)$/;

/**
 * Whether the failure may pass by itself. Unknown errors are not retried: a bug fails fast instead of
 * running the same code three more times.
 * @example
 * isRetryable(new ZoomApiError("Zoom answered 503", { status: 503 })); // true
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ZoomApiError) {
    return error.status === undefined || error.status === 429 || error.status >= 500;
  }
  // Zoom's CDN failed after the ranged copy's own retries: a later try often succeeds.
  if (error instanceof TransferError) return true;
  if (error instanceof BackendError) return error.cause === undefined || isRetryable(error.cause);
  if (error instanceof ZrecError) return false;
  if (!(error instanceof Error)) return false;
  const aws = error as Error & {
    $retryable?: unknown;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
    code?: unknown;
  };
  if (aws.$retryable || aws.$fault === "server" || THROTTLING.test(aws.name)) return true;
  const status = aws.$metadata?.httpStatusCode;
  if (status !== undefined) return status === 429 || status >= 500;
  if (typeof aws.code === "string" && NETWORK_CODES.test(aws.code)) return true;
  if (error.name === "TimeoutError" || error.message === "fetch failed") return true;
  return error.cause !== undefined && isRetryable(error.cause);
}
