/**
 * The one answer to "is this failure worth another try?". The Zoom client, the ranged copy's requests,
 * `zrec serve`'s jobs and the Lambda handlers' error names all ask it; each adds only what its own
 * context knows (a copy that is stopping, a wait too long to sit out), never a second classification.
 *
 * `transient`: waiting may help (the network, throttling, a server's 5xx). `permanent`: the same input
 * meets the same answer (access refused, a missing bucket, bad input, zrec's own refusals, a bug).
 *
 * It imports only `errors.ts`: the Lambda webhook bundle has a size budget, so AWS SDK and undici errors
 * are recognised by their name, code and fields, not by their classes.
 */
import {
  CopyInProgress,
  DownloadRefused,
  ErrorCode,
  IngestRace,
  RecordingGone,
  RecordingProcessing,
  WebhookRejected,
  ZoomApiError,
  ZrecError,
} from "./errors.js";

export type RetryVerdict = "transient" | "permanent";

/**
 * Walks `cause` chains and the errors of an `AggregateError` where the error itself says nothing.
 *
 * @example
 * ```ts
 * retryVerdict(new ZoomApiError("GET /users failed: 503.", { status: 503 })); // "transient"
 * retryVerdict(new TypeError("Cannot read properties of undefined")); // "permanent"
 * ```
 */
export function retryVerdict(error: unknown): RetryVerdict {
  return verdictOf(error, 0);
}

/** Statuses a server uses for "not now": timeout, too early, too many requests, and every 5xx. */
export function statusVerdict(status: number): RetryVerdict {
  return status === 408 || status === 425 || status === 429 || status >= 500 ? "transient" : "permanent";
}

/** A chain deeper than this is taken for a loop (a cause that points back at its error). */
const MAX_DEPTH = 10;

/** Node's socket and DNS failures. */
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
]);

/**
 * A refused file or folder, and undici's errors about the request zrec built (every other `UND_ERR_*`
 * and `HPE_*`, the parser's, is about the connection or the answer, so transient).
 */
const PERMANENT_CODES = new Set([
  "EACCES",
  "EPERM",
  "EROFS",
  "UND_ERR_INVALID_ARG",
  "UND_ERR_INVALID_RETURN_VALUE",
  "UND_ERR_NOT_SUPPORTED",
  "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH",
]);

/**
 * By name: AWS throttling and busy services (some answer 400, so the name is read before the status),
 * timeouts (`AbortSignal.timeout`, the SDK's socket timeout), and the ranged copy's own request failures.
 */
const TRANSIENT_NAMES =
  /throttl|toomanyrequests|slowdown|requestlimitexceeded|provisionedthroughputexceeded|requesttimeout|serviceunavailable|internalerror|internalfailure|internalserver|^(TimeoutError|IdleTimeoutError|BodyLengthError|RangeMismatchError)$/i;

/** By name: AWS refusals and missing resources, bad requests, absent credentials, a size Zoom disagrees with. */
const PERMANENT_NAMES =
  /accessdenied|nosuch|notfound|doesnotexist|validation|invalidaccesskeyid|signaturedoesnotmatch|unrecognizedclient|expiredtoken|credentialsprovider|^SizeMismatchError$/i;

/** A bug: another run of the same code fails the same way, so it should fail fast and be seen. */
const PROGRAMMING_ERRORS = [TypeError, RangeError, SyntaxError, ReferenceError];

/** The fields by which foreign errors (AWS SDK, undici, Node) say what happened. */
interface ForeignError {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  status?: unknown;
  statusCode?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

function verdictOf(error: unknown, depth: number): RetryVerdict {
  // Only a bug throws something that is not an object.
  if (typeof error !== "object" || error === null || depth > MAX_DEPTH) return "permanent";
  if (error instanceof ZrecError) return zrecVerdict(error, depth);
  const own = foreignVerdict(error as ForeignError);
  if (own) return own;
  const nested = nestedVerdict(error, depth);
  if (nested) return nested;
  if (PROGRAMMING_ERRORS.some((type) => error instanceof type)) return "permanent";
  // Unrecognised but not a bug: zrec calls foreign code only for I/O (sockets, disks, SDKs), where an
  // unnamed failure is more often a passing one; every caller bounds its tries, so a wrong guess costs
  // time, while a wrong "permanent" leaves a recording unarchived until someone notices.
  return "transient";
}

/**
 * zrec's own errors: what zrec refused on purpose is permanent; a wrapper (a failed transfer, backend or
 * ingest) is as good as what it wraps, and one that wraps nothing is a refusal of zrec's own (no
 * download_url, a stored size Zoom does not list), which the same input meets again.
 */
function zrecVerdict(error: ZrecError, depth: number): RetryVerdict {
  // Zoom still processing, or another process copying the same file: later it will have finished.
  if (
    error instanceof RecordingProcessing ||
    error instanceof CopyInProgress ||
    error instanceof IngestRace
  ) {
    return "transient";
  }
  if (
    error.badInput ||
    error instanceof WebhookRejected ||
    error instanceof DownloadRefused ||
    error instanceof RecordingGone ||
    error.code === ErrorCode.SIZE_MISMATCH
  )
    return "permanent";
  if (error instanceof ZoomApiError && error.status !== undefined) return statusVerdict(error.status);
  return nestedVerdict(error, depth) ?? "permanent";
}

function foreignVerdict(error: ForeignError): RetryVerdict | undefined {
  const code = typeof error.code === "string" ? error.code : "";
  if (PERMANENT_CODES.has(code)) return "permanent";
  if (NETWORK_CODES.has(code) || code.startsWith("UND_ERR_") || code.startsWith("HPE_")) return "transient";
  const name = typeof error.name === "string" ? error.name : "";
  if (error.$retryable || TRANSIENT_NAMES.test(name)) return "transient";
  if (PERMANENT_NAMES.test(name)) return "permanent";
  // undici's fetch and Node's http name a lost connection only in words.
  if (error.message === "fetch failed" || error.message === "socket hang up") return "transient";
  const status = error.$metadata?.httpStatusCode ?? error.status ?? error.statusCode;
  return typeof status === "number" ? statusVerdict(status) : undefined;
}

/** An AggregateError needs all its parts, so one permanent part makes it permanent; else the cause decides. */
function nestedVerdict(error: object, depth: number): RetryVerdict | undefined {
  if (error instanceof AggregateError && error.errors.length > 0) {
    const verdicts = error.errors.map((inner: unknown) => verdictOf(inner, depth + 1));
    return verdicts.includes("permanent") ? "permanent" : "transient";
  }
  const { cause } = error as ForeignError;
  return cause === undefined ? undefined : verdictOf(cause, depth + 1);
}
