/**
 * Zoom's REST API, as far as zrec uses it: one account's client with a shared OAuth token, retries that
 * honour Retry-After, pagination, month-sized recording windows and the double-encoding of odd uuids.
 */
import type { ZoomAccount } from "../config/types.js";
import { ErrorCode, InputError, ZoomApiError } from "../errors.js";
import { defaultRetryPolicy, type RetryPolicy, withRetry } from "../retry.js";
import { failureError, type HttpContext, readFailure, retriedNow, retryAfterOf, send } from "./http.js";
import { encodeMeetingUuidForPath } from "./ids.js";
import { createTokenCache } from "./oauth.js";
import { monthWindows, PAGE_SIZE, pages } from "./paging.js";
import { rateLimiterFor } from "./rate-limit.js";
import type { ZoomMeeting, ZoomMeetingRecordings, ZoomPastMeeting, ZoomUser } from "./types.js";
import { undiciFetch, type ZoomFetch } from "./undici-fetch.js";

/** Zoom's code for "This recording does not exist": trashing it again is success for us. */
const RECORDING_NOT_FOUND = 3301;

export interface ZoomClientOptions {
  account: ZoomAccount;
  /** Config `zoom.apiBaseUrl`, e.g. `https://api.zoom.us/v2`. */
  apiBaseUrl: string;
  /** Config `zoom.oauthUrl`, e.g. `https://zoom.us/oauth/token`. */
  oauthUrl: string;
  /** Default {@link undiciFetch}, on the downloads' undici; tests give `globalThis.fetch` (nock's). */
  fetch?: ZoomFetch;
  /** Default `defaultRetryPolicy` (5 tries, 250 ms doubling). */
  retry?: Partial<RetryPolicy>;
  /** Injected in tests to avoid real waits. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Longest Retry-After waited out, in full, before another try. A longer one (Zoom's daily limit names a
   * reset hours away) fails at once with `ZOOM_RATE_LIMITED`. Default 60 000.
   */
  maxRetryAfterMs?: number;
  /** Default `Date.now`. */
  now?: () => number;
  /** Per request, headers and body. Default 30 000. */
  timeoutMs?: number;
  /** Config `zoom.maxRequestsPerSecond`: the account's shared token bucket. Default unlimited. */
  maxRequestsPerSecond?: number;
}

export interface ZoomClient {
  /** A valid Server-to-Server OAuth token (cached until 60 s before `expires_in`). */
  accessToken(options?: { forceRefresh?: boolean }): Promise<string>;
  /** GET /past_meetings/{uuid}. */
  getPastMeeting(uuid: string): Promise<ZoomPastMeeting>;
  /** GET /meetings/{id}: the parent (scheduled) meeting. */
  getMeeting(meetingId: number | string): Promise<ZoomMeeting>;
  /** GET /past_webinars/{uuid}: a webinar instance, the same shape as a past meeting. */
  getPastWebinar(uuid: string): Promise<ZoomPastMeeting>;
  /** GET /webinars/{id}: the parent webinar, the same fields zrec reads of a meeting. */
  getWebinar(webinarId: number | string): Promise<ZoomMeeting>;
  /** GET /meetings/{uuid}/recordings. */
  getMeetingRecordings(uuid: string): Promise<ZoomMeetingRecordings>;
  /** GET /users, every page. `status` defaults to `active`. */
  listUsers(options?: { status?: "active" | "inactive" | "pending" }): AsyncIterable<ZoomUser>;
  /**
   * GET /users/{userId}/recordings for every UTC day from `window.from` to `window.to`, both inclusive,
   * one calendar month per request, every page; a meeting is yielded once.
   */
  listRecordings(userId: string, window: { from: Date; to: Date }): AsyncIterable<ZoomMeetingRecordings>;
  /**
   * GET /accounts/me/recordings: every user's recordings in one listing, one calendar month per request,
   * every page. Zoom reaches only the last six months this way, and refuses it to an app without the
   * scope (`isScopeRefusal`).
   */
  listAccountRecordings(window: { from: Date; to: Date }): AsyncIterable<ZoomMeetingRecordings>;
  /** Moves a meeting's recordings to Zoom's trash (never deletes them for good). */
  trashRecordings(uuid: string): Promise<"trashed" | "already-gone">;
  /** REST requests sent so far (every try counts), for the sweep's report and benchmarks. */
  requestCount(): number;
  /** The scopes the current token grants, fetching a token first if none is cached. */
  grantedScopes(): Promise<string[] | undefined>;
}

/** Zoom's code for a token without a scope the endpoint needs. */
const MISSING_SCOPE = 4711;

/** True for Zoom's answer to an app whose token lacks the endpoint's scope. */
export function isScopeRefusal(error: unknown): boolean {
  return (
    error instanceof ZoomApiError &&
    (error.zoomCode === MISSING_SCOPE || (error.status === 403 && error.code !== ErrorCode.ZOOM_AUTH))
  );
}

/**
 * A client for one Zoom account. Tokens live only in the Authorization header; errors name the request
 * (method, path, status, Zoom's message and code) and never a secret.
 *
 * @example
 * const zoom = createZoomClient({
 *   account: config.zoom.accounts.default,
 *   apiBaseUrl: config.zoom.apiBaseUrl,
 *   oauthUrl: config.zoom.oauthUrl,
 * });
 * const past = await zoom.getPastMeeting("CnIDrQSsRdi9bWp3jyJsZQ==");
 * for await (const meeting of zoom.listRecordings("me", { from: new Date("2024-01-01"), to: new Date() })) {
 *   console.log(meeting.topic);
 * }
 */
export function createZoomClient(options: ZoomClientOptions): ZoomClient {
  const { account } = options;
  const base = options.apiBaseUrl.replace(/\/+$/, "");
  const basic = Buffer.from(`${account.clientId}:${account.clientSecret}`).toString("base64");
  const http: HttpContext = {
    fetch: options.fetch ?? undiciFetch,
    now: options.now ?? Date.now,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
    timeoutMs: options.timeoutMs ?? 30_000,
    accountId: account.accountId,
    secrets: () => [account.clientSecret, basic, tokens.peek()],
  };
  const tokens = createTokenCache({ account, oauthUrl: options.oauthUrl, http });
  const limiter =
    options.maxRequestsPerSecond === undefined
      ? undefined
      : rateLimiterFor(account.accountId, options.maxRequestsPerSecond);
  let requests = 0;
  const policy = { ...defaultRetryPolicy, ...options.retry };

  const retrying = <T>(task: () => Promise<T>): Promise<T> =>
    withRetry(task, {
      ...policy,
      maxRetryAfterMs: http.maxRetryAfterMs,
      retryable: retriedNow,
      retryAfterMs: retryAfterOf,
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });

  async function call(method: string, path: string, query: Record<string, string | undefined> = {}) {
    const url = new URL(`${base}${path}`);
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) url.searchParams.set(name, value);
    const label = `${method} ${path}`;
    const init = (token: string): RequestInit => ({
      method,
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
    });
    // Once per call, not per try: a token refused right after a refresh will not get better.
    let refreshed = false;
    const sendOne = async (token: string) => {
      await limiter?.take();
      requests += 1;
      return send(http, label, url, init(token));
    };
    return retrying(async (): Promise<unknown> => {
      let token = await tokens.get();
      let response = await sendOne(token);
      if (response.status === 401 && !refreshed) {
        refreshed = true;
        await response.body?.cancel();
        token = await tokens.get({ stale: token });
        response = await sendOne(token);
      }
      if (response.status === 401) {
        const failure = await readFailure(http, response);
        throw new ZoomApiError(
          `Zoom refused the credentials of account ${account.accountId} (${label}: ${failure.text}).`,
          {
            code: ErrorCode.ZOOM_AUTH,
            status: 401,
            ...(failure.zoomCode !== undefined ? { zoomCode: failure.zoomCode } : {}),
            suggestion: "Check the account's credentials and that its Zoom app has the scopes zrec needs.",
          },
        );
      }
      if (!response.ok) throw await failureError(http, label, response);
      const text = response.status === 204 ? "" : await response.text();
      if (text === "") return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new ZoomApiError(`${label} answered ${response.status} with a body that is not JSON.`, {
          status: response.status,
        });
      }
    });
  }

  async function getObject<T>(path: string): Promise<T> {
    const body = await call("GET", path);
    if (typeof body !== "object" || body === null) {
      throw new ZoomApiError(`GET ${path} answered without the JSON object it should have.`);
    }
    return body as T;
  }

  async function* recordingsOf(userId: string | undefined, window: { from: Date; to: Date }) {
    const windows = monthWindows(window.from, window.to);
    const path =
      userId === undefined ? "/accounts/me/recordings" : `/users/${segment(userId, "user id")}/recordings`;
    // Zoom decides which window a meeting falls in by its own clock: one on a boundary may come twice.
    const seen = new Set<string>();
    for (const { from, to } of windows) {
      const meetings = pages(async (next) => {
        const query = { from, to, page_size: String(PAGE_SIZE), next_page_token: next };
        const body = (await call("GET", path, query)) as
          | { meetings?: ZoomMeetingRecordings[]; next_page_token?: string }
          | undefined;
        return { items: body?.meetings ?? [], next: body?.next_page_token };
      });
      for await (const meeting of meetings) {
        if (seen.has(meeting.uuid)) continue;
        seen.add(meeting.uuid);
        yield meeting;
      }
    }
  }

  return {
    accessToken: ({ forceRefresh = false } = {}) => retrying(() => tokens.get({ forceRefresh })),
    getPastMeeting: async (uuid) => getObject(`/past_meetings/${uuidSegment(uuid)}`),
    getMeeting: async (meetingId) => getObject(`/meetings/${segment(String(meetingId), "meeting id")}`),
    getPastWebinar: async (uuid) => getObject(`/past_webinars/${uuidSegment(uuid)}`),
    getWebinar: async (webinarId) => getObject(`/webinars/${segment(String(webinarId), "webinar id")}`),
    getMeetingRecordings: async (uuid) => getObject(`/meetings/${uuidSegment(uuid)}/recordings`),
    listUsers: ({ status = "active" } = {}) =>
      pages(async (next) => {
        const query = { page_size: String(PAGE_SIZE), status, next_page_token: next };
        const body = (await call("GET", "/users", query)) as
          | { users?: ZoomUser[]; next_page_token?: string }
          | undefined;
        return { items: body?.users ?? [], next: body?.next_page_token };
      }),
    listRecordings: recordingsOf,
    listAccountRecordings: (window) => recordingsOf(undefined, window),
    requestCount: () => requests,
    async grantedScopes() {
      await retrying(() => tokens.get());
      return tokens.scopes();
    },
    async trashRecordings(uuid) {
      try {
        await call("DELETE", `/meetings/${uuidSegment(uuid)}/recordings`, { action: "trash" });
        return "trashed";
      } catch (error) {
        if (error instanceof ZoomApiError && error.status === 404 && error.zoomCode === RECORDING_NOT_FOUND) {
          return "already-gone";
        }
        throw error;
      }
    },
  };
}

function uuidSegment(uuid: string): string {
  return checked(encodeMeetingUuidForPath(uuid), uuid, "meeting uuid");
}

function segment(value: string, what: string): string {
  return checked(encodeURIComponent(value), value, what);
}

/** `.` and `..` survive encoding and would move the request to another endpoint (`/meetings/../users`). */
function checked(encoded: string, raw: string, what: string): string {
  if (raw === "" || /^(\.|%2e){1,2}$/i.test(encoded)) {
    throw new InputError(`${JSON.stringify(raw)} is not a Zoom ${what}.`);
  }
  return encoded;
}
