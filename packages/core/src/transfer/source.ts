/**
 * Where the ranged copy reads from. `zoom/download.ts` implements it for Zoom's download URLs (auth,
 * redirects, host allowlist); tests and benchmarks may implement it over any HTTP server.
 */

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive (as in an HTTP Range header). */
  end: number;
}

export interface SourceResponse {
  /** 206 when the range was honoured; 200 when the server sent the whole body instead. */
  status: 200 | 206;
  /** Content-Length of this response, when the server sent one. */
  contentLength?: number;
  /** Parsed Content-Range of a 206 (`bytes start-end/total`; total undefined for `*`). */
  contentRange?: { start: number; end: number; total?: number };
  body: AsyncIterable<Uint8Array>;
  /**
   * Which version of the resource answered, when the server said: its ETag, else its Last-Modified
   * (see {@link sourceValidator}). A resumed copy goes on only with parts of the same version.
   */
  validator?: string;
  /** Releases the connection when the body will not be read to the end. */
  discard(): Promise<void>;
}

export interface ByteSource {
  /** Safe to print: no token, no query string. */
  readonly description: string;
  /**
   * GETs the resource, asking for `range` when given. Resolves once headers arrived with 200 or 206.
   * Rejects with a `SourceHttpError` for any other status (`retryVerdict` reads its status),
   * with `DownloadRefused` for a URL that must not be fetched, and with the transport error otherwise.
   */
  fetch(range: ByteRange | undefined, signal?: AbortSignal): Promise<SourceResponse>;
}

/** A non-2xx answer from a download server. */
export class SourceHttpError extends Error {
  readonly status: number;
  /** Milliseconds the server asked us to wait (Retry-After), when it said. */
  readonly retryAfterMs?: number;
  constructor(status: number, message: string, retryAfterMs?: number) {
    super(message);
    this.name = "SourceHttpError";
    this.status = status;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/** A response's version from its ETag and Last-Modified headers; undefined when it sent neither. */
export function sourceValidator(
  etag: string | undefined,
  lastModified: string | undefined,
): string | undefined {
  if (etag !== undefined && etag !== "") return `etag ${etag}`;
  if (lastModified !== undefined && lastModified !== "") return `modified ${lastModified}`;
  return undefined;
}
