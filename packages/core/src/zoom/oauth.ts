/**
 * Server-to-Server OAuth: one account's access token, fetched once and shared by every caller until
 * shortly before it expires. The client secret goes only into the Basic header of the token request.
 */
import type { ZoomAccount } from "../config/types.js";
import { ErrorCode, ZoomApiError } from "../errors.js";
import { failureError, type HttpContext, readFailure, send } from "./http.js";

/** A token is replaced this long before Zoom says it expires, so no request starts with a dying one. */
const EXPIRY_MARGIN_MS = 60_000;

export interface TokenCache {
  /**
   * A valid access token: the cached one, or a new one when it is missing, expired or `forceRefresh`.
   * `stale` is a token the API just refused: it is replaced unless another caller replaced it already.
   * Concurrent callers share one token request. Not retried here: the caller's retry loop does that.
   */
  get(options?: { forceRefresh?: boolean; stale?: string }): Promise<string>;
  /** The cached token, for scrubbing messages. */
  peek(): string | undefined;
  /** The scopes Zoom said the last token grants (its `scope`, space-separated); undefined before one. */
  scopes(): string[] | undefined;
}

export function createTokenCache(options: {
  account: ZoomAccount;
  oauthUrl: string;
  http: HttpContext;
}): TokenCache {
  const { account, http } = options;
  let cached: { token: string; expiresAt: number } | undefined;
  let granted: string[] | undefined;
  let inFlight: Promise<string> | undefined;

  async function requestToken(): Promise<string> {
    const url = new URL(options.oauthUrl);
    url.searchParams.set("grant_type", "account_credentials");
    url.searchParams.set("account_id", account.accountId);
    const label = `POST ${url.pathname}`;
    const basic = Buffer.from(`${account.clientId}:${account.clientSecret}`).toString("base64");
    const response = await send(http, label, url, {
      method: "POST",
      headers: { authorization: `Basic ${basic}`, accept: "application/json" },
    });
    if (response.status === 400 || response.status === 401) {
      const failure = await readFailure(http, response);
      throw new ZoomApiError(
        `Zoom refused the credentials of account ${account.accountId} (${label}: ${failure.text}).`,
        {
          code: ErrorCode.ZOOM_AUTH,
          status: failure.status,
          ...(failure.zoomCode !== undefined ? { zoomCode: failure.zoomCode } : {}),
          suggestion:
            "Check the account's accountId, clientId and clientSecret, and that its Zoom app is activated.",
        },
      );
    }
    if (!response.ok) throw await failureError(http, label, response);

    const body = (await response.json().catch(() => undefined)) as
      | { access_token?: unknown; expires_in?: unknown; scope?: unknown }
      | undefined;
    if (
      typeof body?.access_token !== "string" ||
      body.access_token === "" ||
      typeof body.expires_in !== "number"
    ) {
      throw new ZoomApiError(`${label} answered ${response.status} without an access_token and expires_in.`, {
        status: response.status,
      });
    }
    const lifetimeMs = body.expires_in * 1000;
    // A token that lives less than twice the margin is kept for half its life rather than not at all.
    const keepMs = Math.max(lifetimeMs - EXPIRY_MARGIN_MS, lifetimeMs / 2);
    cached = { token: body.access_token, expiresAt: http.now() + keepMs };
    if (typeof body.scope === "string") granted = body.scope.split(/\s+/).filter((scope) => scope !== "");
    return body.access_token;
  }

  return {
    get({ forceRefresh = false, stale } = {}) {
      if (cached !== undefined && cached.token === stale) cached = undefined;
      if (cached && !forceRefresh && http.now() < cached.expiresAt) return Promise.resolve(cached.token);
      // A request already under way started after whatever made the caller doubt its token: share it.
      inFlight ??= requestToken().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    peek: () => cached?.token,
    scopes: () => granted,
  };
}
