/**
 * What the OAuth and REST halves of the Zoom client share: sending one request, turning a failed answer
 * into a `ZoomApiError` that names it (method, path, status, Zoom's message and code), and which failures
 * the client tries again at once, with the wait the server asked for.
 */
import { ErrorCode, ZoomApiError } from "../errors.js";
import { parseRetryAfter } from "../retry.js";
import { retryVerdict, statusVerdict } from "../retry-verdict.js";
import type { ZoomFetch, ZoomResponse } from "./undici-fetch.js";

export interface HttpContext {
  fetch: ZoomFetch;
  now: () => number;
  /** Longest Retry-After that is waited out; a longer one is reported instead. */
  maxRetryAfterMs: number;
  /** Per request, headers and body together. */
  timeoutMs: number;
  accountId: string;
  /** Values scrubbed from any text Zoom sends back before it goes into a message. */
  secrets: () => (string | undefined)[];
}

/** The wait a 429 or 5xx asked for, when it said. */
const askedWait = new WeakMap<Error, number>();
/** Rate limits and 5xx whose end is further away than the client waits out: reported, not waited for. */
const notWaitedOut = new WeakSet<Error>();

/**
 * Whether the client tries again now: a transient failure, unless the server asked to be left alone for
 * longer than `maxRetryAfterMs` (Zoom's daily limit). Such a failure stays transient for a later try
 * (`zrec serve`'s backoff, Step Functions' Retry).
 */
export function retriedNow(error: unknown): boolean {
  return retryVerdict(error) === "transient" && !(error instanceof Error && notWaitedOut.has(error));
}

export function retryAfterOf(error: unknown): number | undefined {
  return error instanceof Error ? askedWait.get(error) : undefined;
}

/**
 * Sends one request. A transport failure (refused, reset, timed out) becomes a `ZoomApiError` named by
 * `label` (`GET /users`), so the URL and headers never reach a message; its cause tells whether it is
 * worth another try.
 */
export async function send(
  ctx: HttpContext,
  label: string,
  url: URL,
  init: RequestInit,
): Promise<ZoomResponse> {
  try {
    return await ctx.fetch(url, { ...init, signal: AbortSignal.timeout(ctx.timeoutMs) });
  } catch (error) {
    const message = `${label} failed: could not reach Zoom (${transportReason(error)}).`;
    throw new ZoomApiError(message, { cause: error });
  }
}

export interface Failure {
  status: number;
  /** `404 Meeting does not exist (Zoom code 3001)`: status, Zoom's words and code, secrets scrubbed. */
  text: string;
  zoomCode?: number;
}

/** Reads a failed answer's body (JSON `{code, message}` from the API, `{error, reason}` from OAuth). */
export async function readFailure(ctx: HttpContext, response: ZoomResponse): Promise<Failure> {
  const raw = await response.text().catch(() => "");
  let zoomCode: number | undefined;
  let words: string | undefined;
  try {
    const body = JSON.parse(raw) as Record<string, unknown>;
    if (typeof body.code === "number") zoomCode = body.code;
    words = [body.message, body.reason, body.error].find(
      (v): v is string => typeof v === "string" && v !== "",
    );
  } catch {
    // Not JSON (a proxy's HTML page): the status text says enough, the page itself would flood the message.
  }
  words = scrub(ctx, words ?? response.statusText);
  const text = `${response.status}${words ? ` ${words}` : ""}${zoomCode !== undefined ? ` (Zoom code ${zoomCode})` : ""}`;
  return { status: response.status, text, ...(zoomCode !== undefined ? { zoomCode } : {}) };
}

/**
 * The error for a failed answer. A 429 or 5xx that asks to be left alone for longer than
 * `maxRetryAfterMs` (Zoom's daily limit names a reset hours away) is reported at once, not waited out.
 */
export async function failureError(
  ctx: HttpContext,
  label: string,
  response: ZoomResponse,
): Promise<ZoomApiError> {
  const failure = await readFailure(ctx, response);
  const { status, zoomCode } = failure;
  const details = { status, ...(zoomCode !== undefined ? { zoomCode } : {}) };
  const message = `${label} failed: ${failure.text}.`;
  if (statusVerdict(status) === "permanent") return new ZoomApiError(message, details);

  const code = status === 429 ? ErrorCode.ZOOM_RATE_LIMITED : ErrorCode.ZOOM_API;
  // One reading of the clock: a second one would put a Retry-After date off by the milliseconds between.
  const now = ctx.now();
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), now);
  const daily = /daily/i.test(response.headers.get("x-ratelimit-type") ?? "");
  if (retryAfterMs !== undefined && retryAfterMs > ctx.maxRetryAfterMs) {
    const resetAt = new Date(now + retryAfterMs).toISOString();
    if (status !== 429)
      return reportedNow(
        new ZoomApiError(`${message} Zoom asked to wait until ${resetAt}.`, { ...details, code }),
      );
    return reportedNow(
      new ZoomApiError(
        `Zoom's ${daily ? "daily " : ""}API rate limit for account ${ctx.accountId} is used up until ${resetAt} (${label}: ${failure.text}).`,
        { ...details, code, suggestion: `Run this again after ${resetAt}.` },
      ),
    );
  }
  if (daily && retryAfterMs === undefined) {
    return reportedNow(
      new ZoomApiError(
        `Zoom's daily API rate limit for account ${ctx.accountId} is used up (${label}: ${failure.text}).`,
        { ...details, code, suggestion: "Run this again tomorrow (Zoom resets daily limits at 00:00 UTC)." },
      ),
    );
  }
  const error = new ZoomApiError(message, { ...details, code });
  if (retryAfterMs !== undefined) askedWait.set(error, retryAfterMs);
  return error;
}

function reportedNow(error: ZoomApiError): ZoomApiError {
  notWaitedOut.add(error);
  return error;
}

/** Replaces every known secret in text that came from the server. */
function scrub(ctx: HttpContext, text: string): string {
  let clean = text.replace(/\s+/g, " ").trim();
  for (const secret of ctx.secrets()) {
    if (secret) clean = clean.split(secret).join("[redacted]");
  }
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

/** `ECONNREFUSED`, `timed out`…: the cause's code, never its text (it may quote the URL). */
function transportReason(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return "timed out";
  // undici's request says the code itself (ECONNREFUSED); fetch wraps it in "fetch failed".
  const own = error as { code?: unknown } | undefined;
  if (typeof own?.code === "string" && !own.code.startsWith("ABORT")) return own.code;
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === "string") return cause.code;
  return error instanceof Error ? error.name : "transport error";
}
