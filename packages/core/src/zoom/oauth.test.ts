import { describe, expect, it } from "vitest";
import { ErrorCode, ZoomApiError } from "../errors.js";
import { createZoomClient } from "./api.js";
import type { HttpContext } from "./http.js";
import { createTokenCache } from "./oauth.js";

const account = { accountId: "acct-1", clientId: "cid", clientSecret: "csecret" };

/** A token endpoint that answers from a queue and counts requests; each answer waits for a tick. */
function fakeOAuth(answers: (() => Response)[]) {
  const requests: { url: string; authorization: string | null }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    requests.push({ url: String(input), authorization: new Headers(init?.headers).get("authorization") });
    await new Promise((resolve) => setTimeout(resolve, 1));
    const next = answers.shift();
    if (!next) throw new Error("unexpected request");
    return next();
  };
  return { fetch, requests };
}

const token =
  (value: string, expiresIn = 3600) =>
  () =>
    Response.json({ access_token: value, expires_in: expiresIn });

function cache(fetch: typeof globalThis.fetch, now = () => 0) {
  const http: HttpContext = {
    fetch,
    now,
    maxRetryAfterMs: 60_000,
    timeoutMs: 5_000,
    accountId: account.accountId,
    secrets: () => [account.clientSecret],
  };
  return createTokenCache({ account, oauthUrl: "http://127.0.0.1:9/oauth/token", http });
}

describe("createTokenCache", () => {
  it("posts account credentials with Basic auth and nothing secret in the URL", async () => {
    const oauth = fakeOAuth([token("t1")]);
    expect(await cache(oauth.fetch).get()).toBe("t1");
    expect(oauth.requests).toEqual([
      {
        url: "http://127.0.0.1:9/oauth/token?grant_type=account_credentials&account_id=acct-1",
        authorization: `Basic ${Buffer.from("cid:csecret").toString("base64")}`,
      },
    ]);
  });

  it("replaces a stale token once, however many callers report it", async () => {
    const oauth = fakeOAuth([token("t1"), token("t2")]);
    const tokens = cache(oauth.fetch);
    const first = await tokens.get();
    const again = await Promise.all([tokens.get({ stale: first }), tokens.get({ stale: first })]);
    expect(again).toEqual(["t2", "t2"]);
    expect(await tokens.get({ stale: first })).toBe("t2");
    expect(oauth.requests).toHaveLength(2);
  });

  it("a forced refresh shares a request already under way", async () => {
    const oauth = fakeOAuth([token("t1")]);
    const tokens = cache(oauth.fetch);
    expect(await Promise.all([tokens.get(), tokens.get({ forceRefresh: true })])).toEqual(["t1", "t1"]);
    expect(oauth.requests).toHaveLength(1);
  });

  it("keeps a short-lived token for half its life", async () => {
    let now = 0;
    const oauth = fakeOAuth([token("t1", 60), token("t2", 60)]);
    const tokens = cache(oauth.fetch, () => now);
    await tokens.get();
    now = 29_999;
    expect(await tokens.get()).toBe("t1");
    now = 30_000;
    expect(await tokens.get()).toBe("t2");
  });

  it("refuses an answer without access_token", async () => {
    const oauth = fakeOAuth([() => Response.json({ error: "nope" })]);
    await expect(cache(oauth.fetch).get()).rejects.toThrow(
      "POST /oauth/token answered 200 without an access_token",
    );
  });

  it("a failed request is not cached: the next caller tries again", async () => {
    const oauth = fakeOAuth([() => new Response("down", { status: 503 }), token("t1")]);
    const tokens = cache(oauth.fetch);
    await expect(tokens.get()).rejects.toBeInstanceOf(ZoomApiError);
    expect(await tokens.get()).toBe("t1");
  });
});

describe("ZoomClient.accessToken", () => {
  it("retries the token endpoint's 5xx and reports 401 as ZOOM_AUTH", async () => {
    const sleeps: number[] = [];
    const ok = fakeOAuth([() => new Response("", { status: 502 }), token("t1")]);
    const options = {
      account,
      apiBaseUrl: "http://127.0.0.1:9/v2",
      oauthUrl: "http://127.0.0.1:9/oauth/token",
    };
    const sleep = async (ms: number) => {
      sleeps.push(ms);
    };
    expect(await createZoomClient({ ...options, fetch: ok.fetch, sleep }).accessToken()).toBe("t1");
    expect(sleeps).toHaveLength(1);

    const refused = fakeOAuth([
      () => Response.json({ reason: "Invalid client_id or client_secret" }, { status: 401 }),
    ]);
    const error = await createZoomClient({ ...options, fetch: refused.fetch, sleep })
      .accessToken()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.ZOOM_AUTH, status: 401 });
    expect((error as Error).message).not.toContain("csecret");
    expect(refused.requests).toHaveLength(1);
  });
});
