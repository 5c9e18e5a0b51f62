import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode, ZoomApiError } from "../errors.js";
import { createZoomClient, type ZoomClientOptions } from "./api.js";

const ORIGIN = "http://127.0.0.1:9";
const account = { accountId: "acct-42", clientId: "client-id-7", clientSecret: "s3cr3t-CLIENT-value" };
const basic = Buffer.from(`${account.clientId}:${account.clientSecret}`).toString("base64");
const tokenQuery = { grant_type: "account_credentials", account_id: account.accountId };

let sleeps: number[];
let urls: string[];

function client(overrides: Partial<ZoomClientOptions> = {}) {
  return createZoomClient({
    account,
    apiBaseUrl: `${ORIGIN}/v2`,
    oauthUrl: `${ORIGIN}/oauth/token`,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    fetch: (input, init) => {
      urls.push(String(input));
      return globalThis.fetch(input, init);
    },
    ...overrides,
  });
}

function tokenEndpoint(accessToken = "tok-ONE", expiresIn = 3600) {
  return nock(ORIGIN)
    .post("/oauth/token")
    .query(tokenQuery)
    .matchHeader("authorization", `Basic ${basic}`)
    .reply(200, { access_token: accessToken, token_type: "bearer", expires_in: expiresIn, scope: "x" });
}

function api(token = "tok-ONE") {
  return nock(`${ORIGIN}/v2`).matchHeader("authorization", `Bearer ${token}`);
}

async function caught(promise: Promise<unknown>): Promise<ZoomApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ZoomApiError);
  return error as ZoomApiError;
}

beforeEach(() => {
  sleeps = [];
  urls = [];
  nock.disableNetConnect();
});

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("OAuth token", () => {
  it("is requested once and shared by concurrent and later calls", async () => {
    const oauth = tokenEndpoint();
    const meetings = api()
      .get("/meetings/123")
      .times(4)
      .reply(200, { id: 123, uuid: "u", host_id: "h", topic: "t" });
    const zoom = client();
    const tokens = await Promise.all([zoom.accessToken(), zoom.accessToken(), zoom.getMeeting(123)]);
    await zoom.getMeeting(123);
    await Promise.all([zoom.getMeeting("123"), zoom.getMeeting(123)]);
    expect(tokens[0]).toBe("tok-ONE");
    oauth.done();
    meetings.done();
  });

  it("is fetched again once it is within 60 s of expiring", async () => {
    let now = 1_000_000;
    const zoom = client({ now: () => now });
    tokenEndpoint("tok-ONE", 3600);
    expect(await zoom.accessToken()).toBe("tok-ONE");
    now += 3600_000 - 60_000 - 1;
    expect(await zoom.accessToken()).toBe("tok-ONE");
    tokenEndpoint("tok-TWO", 3600);
    now += 1;
    expect(await zoom.accessToken()).toBe("tok-TWO");
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("forceRefresh asks for a new token", async () => {
    const zoom = client();
    tokenEndpoint("tok-ONE");
    await zoom.accessToken();
    tokenEndpoint("tok-TWO");
    expect(await zoom.accessToken({ forceRefresh: true })).toBe("tok-TWO");
  });

  it("reports refused credentials as ZOOM_AUTH naming the account, never the secret", async () => {
    nock(ORIGIN)
      .post("/oauth/token")
      .query(tokenQuery)
      .reply(400, { reason: "Invalid client_id or client_secret", error: "invalid_client" });
    const error = await caught(client().getPastMeeting("abc"));
    expect(error.code).toBe(ErrorCode.ZOOM_AUTH);
    expect(error.status).toBe(400);
    expect(error.message).toBe(
      "Zoom refused the credentials of account acct-42 (POST /oauth/token: 400 Invalid client_id or client_secret).",
    );
    expect(sleeps).toEqual([]);
  });
});

describe("401 from the API", () => {
  it("refreshes the token once and repeats the request", async () => {
    tokenEndpoint("tok-ONE");
    api("tok-ONE").get("/past_meetings/abc").reply(401, { code: 124, message: "Invalid access token." });
    tokenEndpoint("tok-TWO");
    api("tok-TWO").get("/past_meetings/abc").reply(200, { uuid: "abc", id: 1 });
    const zoom = client();
    expect(await zoom.getPastMeeting("abc")).toEqual({ uuid: "abc", id: 1 });
    expect(await zoom.accessToken()).toBe("tok-TWO");
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("a second 401 is ZOOM_AUTH", async () => {
    tokenEndpoint("tok-ONE");
    api("tok-ONE").get("/users").query(true).reply(401, { code: 124, message: "Invalid access token." });
    tokenEndpoint("tok-TWO");
    api("tok-TWO").get("/users").query(true).reply(401, { code: 124, message: "Invalid access token." });
    const error = await caught(client().listUsers()[Symbol.asyncIterator]().next());
    expect(error.code).toBe(ErrorCode.ZOOM_AUTH);
    expect(error.status).toBe(401);
    expect(error.zoomCode).toBe(124);
    expect(error.message).toBe(
      "Zoom refused the credentials of account acct-42 (GET /users: 401 Invalid access token. (Zoom code 124)).",
    );
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe("retries", () => {
  it("waits as long as a 429's Retry-After asks, then succeeds", async () => {
    tokenEndpoint();
    api().get("/meetings/5").reply(429, { code: 429, message: "Too many requests" }, { "Retry-After": "7" });
    api().get("/meetings/5").reply(200, { id: 5 });
    expect(await client().getMeeting(5)).toEqual({ id: 5 });
    expect(sleeps).toEqual([7000]);
  });

  it("does not wait out a daily limit: ZOOM_RATE_LIMITED names the reset", async () => {
    const now = Date.parse("2025-03-01T10:00:00Z");
    tokenEndpoint();
    api()
      .get("/meetings/5")
      .reply(
        429,
        { code: 429, message: "You have reached the maximum daily rate limit" },
        {
          "Retry-After": new Date("2025-03-02T00:00:00Z").toUTCString(),
        },
      );
    const error = await caught(client({ now: () => now }).getMeeting(5));
    expect(error.code).toBe(ErrorCode.ZOOM_RATE_LIMITED);
    expect(error.status).toBe(429);
    expect(error.message).toContain("account acct-42 is used up until 2025-03-02T00:00:00.000Z");
    expect(error.message).toContain("GET /meetings/5: 429");
    expect(sleeps).toEqual([]);
  });

  it("retries 503 twice then succeeds", async () => {
    tokenEndpoint();
    api().get("/meetings/5").times(2).reply(503, "<html>busy</html>");
    api().get("/meetings/5").reply(200, { id: 5 });
    expect(await client().getMeeting(5)).toEqual({ id: 5 });
    expect(sleeps).toHaveLength(2);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("gives up after the policy's attempts with the last error", async () => {
    tokenEndpoint();
    const scope = api().get("/meetings/5").times(3).reply(500, { code: 500, message: "Internal error" });
    const error = await caught(client({ retry: { attempts: 3 } }).getMeeting(5));
    expect(error.code).toBe(ErrorCode.ZOOM_API);
    expect(error.status).toBe(500);
    expect(error.message).toBe("GET /meetings/5 failed: 500 Internal error (Zoom code 500).");
    expect(sleeps).toHaveLength(2);
    scope.done();
  });

  it("retries a transport error", async () => {
    tokenEndpoint();
    api().get("/meetings/5").replyWithError({ code: "ECONNRESET", message: "socket hang up" });
    api().get("/meetings/5").reply(200, { id: 5 });
    expect(await client().getMeeting(5)).toEqual({ id: 5 });
    expect(sleeps).toHaveLength(1);
  });

  it("does not retry a 404 and names the request", async () => {
    tokenEndpoint();
    api().get("/past_meetings/abc").reply(404, { code: 3001, message: "Meeting does not exist: abc." });
    const error = await caught(client().getPastMeeting("abc"));
    expect(error.message).toBe(
      "GET /past_meetings/abc failed: 404 Meeting does not exist: abc. (Zoom code 3001).",
    );
    expect(error.status).toBe(404);
    expect(error.zoomCode).toBe(3001);
    expect(sleeps).toEqual([]);
  });
});

describe("paths and lists", () => {
  it("encodes a uuid that starts with / or contains // twice, any other once", async () => {
    tokenEndpoint();
    const scope = api()
      .get("/past_meetings/%252Fabc%252F%252Fdef%253D%253D")
      .reply(200, { uuid: "/abc//def==", id: 1 })
      .get("/meetings/ab%252F%252Fcd/recordings")
      .reply(200, { uuid: "ab//cd", id: 2, topic: "t" })
      .get("/past_meetings/CnIDrQSsRdi9bWp3jyJsZQ%3D%3D")
      .reply(200, { uuid: "CnIDrQSsRdi9bWp3jyJsZQ==", id: 3 })
      .get("/past_meetings/a%2Fb")
      .reply(200, { uuid: "a/b", id: 4 });
    const zoom = client();
    await zoom.getPastMeeting("/abc//def==");
    await zoom.getMeetingRecordings("ab//cd");
    await zoom.getPastMeeting("CnIDrQSsRdi9bWp3jyJsZQ==");
    await zoom.getPastMeeting("a/b");
    scope.done();
    expect(urls).toContain(`${ORIGIN}/v2/past_meetings/%252Fabc%252F%252Fdef%253D%253D`);
  });

  it("refuses a uuid that would move the request to another endpoint", async () => {
    await expect(client().trashRecordings("..")).rejects.toMatchObject({ code: ErrorCode.INPUT_INVALID });
    await expect(client().getPastMeeting("")).rejects.toMatchObject({ code: ErrorCode.INPUT_INVALID });
    expect(urls).toEqual([]);
  });

  it("follows next_page_token over three pages of users", async () => {
    tokenEndpoint();
    const scope = api()
      .get("/users")
      .query({ page_size: "300", status: "active" })
      .reply(200, { users: [{ id: "u1" }, { id: "u2" }], next_page_token: "p2" })
      .get("/users")
      .query({ page_size: "300", status: "active", next_page_token: "p2" })
      .reply(200, { users: [{ id: "u3" }], next_page_token: "p3" })
      .get("/users")
      .query({ page_size: "300", status: "active", next_page_token: "p3" })
      .reply(200, { users: [{ id: "u4" }], next_page_token: "" });
    const ids: string[] = [];
    for await (const user of client().listUsers()) ids.push(user.id);
    expect(ids).toEqual(["u1", "u2", "u3", "u4"]);
    scope.done();
  });

  it("lists recordings one calendar month per request, following pages", async () => {
    tokenEndpoint();
    const meeting = (uuid: string) => ({ uuid, id: 1, topic: uuid });
    const scope = api()
      .get("/users/me/recordings")
      .query({ from: "2024-01-01", to: "2024-01-31", page_size: "300" })
      .reply(200, { meetings: [meeting("jan")], next_page_token: "" })
      .get("/users/me/recordings")
      .query({ from: "2024-02-01", to: "2024-02-29", page_size: "300" })
      .reply(200, { meetings: [meeting("feb1")], next_page_token: "more" })
      .get("/users/me/recordings")
      .query({ from: "2024-02-01", to: "2024-02-29", page_size: "300", next_page_token: "more" })
      .reply(200, { meetings: [meeting("feb2"), meeting("jan")], next_page_token: "" })
      .get("/users/me/recordings")
      .query({ from: "2024-03-01", to: "2024-03-15", page_size: "300" })
      .reply(200, { meetings: [meeting("mar")] });
    const window = { from: new Date("2024-01-01T00:00:00Z"), to: new Date("2024-03-15T23:59:59Z") };
    const seen: string[] = [];
    for await (const m of client().listRecordings("me", window)) seen.push(m.uuid);
    expect(seen).toEqual(["jan", "feb1", "feb2", "mar"]);
    scope.done();
  });
});

describe("trashRecordings", () => {
  it("moves to trash (never deletes) and answers trashed on 204", async () => {
    tokenEndpoint();
    const scope = api().delete("/meetings/abc%3D%3D/recordings").query({ action: "trash" }).reply(204);
    expect(await client().trashRecordings("abc==")).toBe("trashed");
    scope.done();
    expect(urls.some((u) => u.includes("action=delete"))).toBe(false);
  });

  /** Zoom answers the trashing of meeting "abc"'s recordings with a 404 carrying `body`. */
  function trashNotFound(body: { code: number; message: string }): void {
    tokenEndpoint();
    api().delete("/meetings/abc/recordings").query({ action: "trash" }).reply(404, body);
  }

  it("treats 404 with Zoom code 3301 as already gone", async () => {
    trashNotFound({ code: 3301, message: "This recording does not exist." });
    expect(await client().trashRecordings("abc")).toBe("already-gone");
  });

  it("any other 404 is an error", async () => {
    trashNotFound({ code: 3001, message: "Nope" });
    const error = await caught(client().trashRecordings("abc"));
    expect(error.zoomCode).toBe(3001);
  });
});

describe("secrets", () => {
  it("never puts the client secret or a token in a URL or an error message", async () => {
    const errors: ZoomApiError[] = [];
    tokenEndpoint("tok-ONE");
    api("tok-ONE").get("/meetings/1").reply(401, { code: 124, message: "Invalid access token tok-ONE" });
    tokenEndpoint("tok-TWO");
    api("tok-TWO")
      .get("/meetings/1")
      .reply(401, { code: 124, message: `Token tok-TWO refused for ${basic}` });
    const zoom = client({ retry: { attempts: 2 } });
    errors.push(await caught(zoom.getMeeting(1)));
    api("tok-TWO")
      .get("/meetings/2")
      .times(2)
      .reply(500, { message: `secret is ${account.clientSecret}` });
    errors.push(await caught(zoom.getMeeting(2)));
    api("tok-TWO").get("/meetings/3").reply(400, { code: 300, message: "Bad tok-TWO" });
    errors.push(await caught(zoom.getMeeting(3)));
    api("tok-TWO").get("/meetings/4").times(2).replyWithError({ code: "ECONNREFUSED" });
    errors.push(await caught(zoom.getMeeting(4)));
    nock(ORIGIN)
      .post("/oauth/token")
      .query(true)
      .reply(401, { reason: `bad ${account.clientSecret}` });
    errors.push(await caught(zoom.accessToken({ forceRefresh: true })));

    const forbidden = [account.clientSecret, basic, "tok-ONE", "tok-TWO"];
    const texts = [...urls, ...errors.flatMap((e) => [e.message, e.suggestion ?? "", JSON.stringify(e)])];
    for (const text of texts) for (const secret of forbidden) expect(text).not.toContain(secret);
    expect(errors[1]?.message).toContain("[redacted]");
  });
});
