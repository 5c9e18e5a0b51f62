/**
 * Zoom's download URLs as a `ByteSource` for the ranged copy. Zoom answers a `download_url` with a 302 to
 * a signed CDN URL; this follows redirects by hand so that every hop is checked against the host allowlist
 * before anything is sent, and the token goes only to the origin it was issued for.
 */
import type { Dispatcher } from "undici";
import { DownloadRefused } from "../errors.js";
import { parseRetryAfter } from "../retry.js";
import {
  type ByteRange,
  type ByteSource,
  SourceHttpError,
  type SourceResponse,
  sourceValidator,
} from "../transfer/source.js";
import { bearerAllowed, hostAllowed } from "./host-allowlist.js";
import { get, sharedAgent } from "./undici-request.js";

export { hostAllowed } from "./host-allowlist.js";

export interface TokenProvider {
  /** The token for the download URL's own origin. */
  current(): Promise<string>;
  /** After a 401 from Zoom: a new token to try once, or undefined. */
  refresh?(): Promise<string | undefined>;
}

export interface DownloadSourceOptions {
  /** Zoom's `download_url`. May carry a signature in its query: it is never printed. */
  url: string;
  /** Sent as `Authorization: Bearer …` to the download URL's origin only. None: no header at all. */
  token?: TokenProvider;
  /** Config `zoom.allowedDownloadHosts`; checked for the URL and every redirect. */
  allowedHosts: string[];
  /** Keep-alive connection pool. Default: one Agent shared by every source in this process. */
  dispatcher?: Dispatcher;
  /** Redirects followed per request. Default 5. */
  maxRedirects?: number;
  /** Wait for a response's headers. Default 60 000 ms. */
  headersTimeoutMs?: number;
  /** Longest silence between two chunks of a body. Default 60 000 ms. */
  bodyTimeoutMs?: number;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * A `ByteSource` over one Zoom download URL. The first fetch resolves redirects and remembers the final
 * URL; later fetches (the other parts of a ranged copy) go straight there, and go back to the original
 * URL once if the remembered one stops working (its signature expired).
 *
 * @example
 * const source = createDownloadSource({
 *   url: file.download_url,
 *   token: { current: async () => downloadToken },
 *   allowedHosts: config.zoom.allowedDownloadHosts,
 * });
 * const first = await source.fetch({ start: 0, end: 8 * 1024 * 1024 - 1 });
 * console.log(source.description, first.status, first.contentRange?.total);
 */
export function createDownloadSource(options: DownloadSourceOptions): ByteSource {
  const original = parseUrl(options.url);
  const maxRedirects = options.maxRedirects ?? 5;
  const { token } = options;
  let remembered: URL | undefined;

  async function follow(
    start: URL,
    range: ByteRange | undefined,
    signal?: AbortSignal,
    tokenOverride?: string,
  ) {
    let url = start;
    let from: URL | undefined;
    for (let hop = 0; ; hop++) {
      checkAllowed(url, options.allowedHosts, from);
      const headers: Record<string, string> = {};
      if (range) headers.range = `bytes=${range.start}-${range.end}`;
      if (token && original && url.origin === original.origin) {
        if (!bearerAllowed(url)) {
          throw new DownloadRefused(
            `Refusing to send a Zoom token to ${where(url)} over plain http: tokens go only over https (or to this machine).`,
            { suggestion: "Zoom's download URLs are https; check where this one came from." },
          );
        }
        headers.authorization = `Bearer ${tokenOverride ?? (await token.current())}`;
      }
      const response = await get(options.dispatcher ?? sharedAgent(), url, {
        headers,
        headersTimeout: options.headersTimeoutMs ?? 60_000,
        bodyTimeout: options.bodyTimeoutMs ?? 60_000,
        ...(signal ? { signal } : {}),
      });
      if (!REDIRECT_STATUSES.has(response.statusCode)) return { response, url };

      await dump(response.body);
      const location = headerValue(response.headers.location);
      if (location === undefined) {
        throw new SourceHttpError(
          response.statusCode,
          `GET ${where(url)} answered ${response.statusCode} without a Location header`,
        );
      }
      if (hop >= maxRedirects) {
        throw new DownloadRefused(
          `GET ${where(start)} was redirected more than ${maxRedirects} times; gave up.`,
        );
      }
      from = url;
      url = parseUrl(location, url) ?? refuseUnreadable(url);
    }
  }

  return {
    description: original ? where(original) : "an unreadable download URL",

    async fetch(range, signal) {
      if (!original) throw new DownloadRefused("The download URL is not a valid URL; nothing was fetched.");
      let reResolved = false;
      let refreshed = false;
      let tokenOverride: string | undefined;
      for (;;) {
        const start = remembered ?? original;
        const { response, url } = await follow(start, range, signal, tokenOverride);
        const status = response.statusCode;
        if (status === 200 || status === 206) {
          remembered = url;
          return sourceResponse(status, response);
        }

        const error = httpError(status, url, response.headers);
        await dump(response.body);
        // A signed CDN URL expires: ask the original URL for a fresh one, once.
        if ((status === 401 || status === 403) && start.href !== original.href && !reResolved) {
          reResolved = true;
          remembered = undefined;
          continue;
        }
        if (status === 401 && url.origin === original.origin && token?.refresh && !refreshed) {
          refreshed = true;
          tokenOverride = await token.refresh();
          if (tokenOverride !== undefined) continue;
        }
        throw error;
      }
    },
  };
}

function checkAllowed(url: URL, allowedHosts: readonly string[], redirectedFrom?: URL): void {
  if (hostAllowed(url, allowedHosts)) return;
  const hop = redirectedFrom ? `the redirect from ${where(redirectedFrom)} to ` : "";
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new DownloadRefused(
      `Refusing ${hop}a ${url.protocol} URL: only http and https downloads are made.`,
    );
  }
  throw new DownloadRefused(
    `Refusing ${hop}host ${url.hostname || "(none)"}: it is not in zoom.allowedDownloadHosts, so nothing was sent there.`,
    { suggestion: "If this is one of your Zoom's own download hosts, add it to zoom.allowedDownloadHosts." },
  );
}

function refuseUnreadable(from: URL): never {
  throw new DownloadRefused(
    `GET ${where(from)} redirected to a URL that cannot be read; nothing was sent there.`,
  );
}

function sourceResponse(status: 200 | 206, response: Dispatcher.ResponseData): SourceResponse {
  const contentLength = parseLength(headerValue(response.headers["content-length"]));
  const contentRange =
    status === 206 ? parseContentRange(headerValue(response.headers["content-range"])) : undefined;
  const validator = sourceValidator(
    headerValue(response.headers.etag),
    headerValue(response.headers["last-modified"]),
  );
  return {
    status,
    ...(contentLength !== undefined ? { contentLength } : {}),
    ...(contentRange !== undefined ? { contentRange } : {}),
    ...(validator !== undefined ? { validator } : {}),
    body: response.body,
    discard: () => dump(response.body),
  };
}

function httpError(status: number, url: URL, headers: Dispatcher.ResponseData["headers"]): SourceHttpError {
  const retryAfterMs = parseRetryAfter(headerValue(headers["retry-after"]));
  return new SourceHttpError(status, `GET ${where(url)} answered ${status}`, retryAfterMs);
}

/**
 * `bytes 0-99/1000` or `bytes 0-99/*`; undefined when absent or malformed.
 *
 * @example
 * parseContentRange("bytes 0-99/1000"); // { start: 0, end: 99, total: 1000 }
 */
export function parseContentRange(value: string | undefined): SourceResponse["contentRange"] {
  const match = value === undefined ? null : /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value.trim());
  if (!match) return undefined;
  const [, start, end, total] = match as unknown as [string, string, string, string];
  const range = { start: Number(start), end: Number(end) };
  if (range.end < range.start) return undefined;
  return total === "*" ? range : { ...range, total: Number(total) };
}

function parseLength(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Host and path only: the query of a download URL holds signatures and sometimes tokens. */
function where(url: URL): string {
  return `${url.host}${url.pathname}`;
}

function parseUrl(value: string, base?: URL): URL | undefined {
  try {
    return new URL(value, base);
  } catch {
    return undefined;
  }
}

/** Reads away what is left of a body (a little) or closes the connection, and never throws. */
async function dump(body: Dispatcher.ResponseData["body"]): Promise<void> {
  try {
    await body.dump();
  } catch {
    // Already consumed or destroyed: nothing left to release.
  }
}
