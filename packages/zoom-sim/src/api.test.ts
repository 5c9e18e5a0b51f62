import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startZoomSim, type ZoomSim } from "./server.js";
import { accessToken, api, basic, type Json } from "./test-support.js";
import type { SimFileSpec } from "./types.js";

const SLASHED = "/bmsWqJaR9KtQ5zU/Vw32A==";
const DOUBLE_SLASH = "ab//cdefghijklmnopqrsA==";
const PLAIN = "CnIDrQSsRdi9bWp3jyJsZQ==";
const twice = (uuid: string) => encodeURIComponent(encodeURIComponent(uuid));
const once = (uuid: string) => encodeURIComponent(uuid);

describe("zoom-sim API", () => {
  let sim: ZoomSim;
  let token: string;

  beforeAll(async () => {
    sim = await startZoomSim({
      accounts: [
        { accountId: "acct-1", clientId: "client-1", clientSecret: "secret-1" },
        { accountId: "acct-2", clientId: "client-2", clientSecret: "secret-2" },
      ],
    });
    sim.addUser({ id: "host-1", email: "host@example.org" });
    for (const [uuid, day] of [
      [SLASHED, "2024-07-04"],
      [DOUBLE_SLASH, "2024-07-20"],
      [PLAIN, "2024-08-15"],
    ] as const) {
      sim.addMeeting({
        uuid,
        id: 7816381929,
        topic: "OLF weekly",
        hostId: "host-1",
        startTime: `${day}T17:02:30Z`,
        durationMinutes: 62,
        password: "pw",
        files: [
          { fileType: "MP4", size: 1000 },
          { fileType: "TIMELINE", size: 10 },
        ],
      });
    }
    token = await accessToken(sim);
  });

  afterAll(() => sim.close());

  it("issues an access token for good credentials, like Zoom's Server-to-Server OAuth", async () => {
    const account = sim.accounts[0] ?? { accountId: "", clientId: "", clientSecret: "" };
    const response = await fetch(`${sim.oauthUrl}?grant_type=account_credentials&account_id=acct-1`, {
      method: "POST",
      headers: { Authorization: basic(account) },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    expect(body).toMatchObject({ token_type: "bearer", expires_in: 3600 });
    expect(typeof body.access_token).toBe("string");
    expect(typeof body.scope).toBe("string");
    expect(sim.requests.at(-1)).toMatchObject({ server: "api", authorizationKind: "basic", status: 200 });
  });

  it("refuses bad credentials and a foreign account id", async () => {
    const bad = await fetch(`${sim.oauthUrl}?grant_type=account_credentials&account_id=acct-1`, {
      method: "POST",
      headers: { Authorization: basic({ accountId: "acct-1", clientId: "client-1", clientSecret: "nope" }) },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      reason: "Invalid client_id or client_secret",
      error: "invalid_client",
    });
    const foreign = await fetch(`${sim.oauthUrl}?grant_type=account_credentials&account_id=acct-2`, {
      method: "POST",
      headers: {
        Authorization: basic({ accountId: "acct-1", clientId: "client-1", clientSecret: "secret-1" }),
      },
    });
    expect(foreign.status).toBe(400);
  });

  it("requires a valid, unexpired bearer token on every /v2 route", async () => {
    const none = await fetch(`${sim.apiBaseUrl}/users`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ code: 124, message: "Invalid access token." });
    expect((await api(sim, "made-up", "/users")).status).toBe(401);
    const query = await fetch(`${sim.apiBaseUrl}/users?access_token=${token}`);
    expect(query.status).toBe(400);
    expect(JSON.stringify(sim.requests.at(-1))).not.toContain(token);

    const short = await startZoomSim({ tokenTtlSeconds: 3600 });
    try {
      const soon = await accessToken(short);
      expect((await api(short, soon, "/users")).status).toBe(200);
      short.expireAccessTokens();
      const expired = await api(short, soon, "/users");
      expect(expired.status).toBe(401);
      expect(expired.json).toEqual({ code: 124, message: "Access token is expired." });
    } finally {
      await short.close();
    }
  });

  it("answers a past meeting and the parent meeting in Zoom's shapes", async () => {
    const past = await api(sim, token, `/past_meetings/${once(PLAIN)}`);
    expect(past.status).toBe(200);
    expect(past.json).toMatchObject({
      uuid: PLAIN,
      id: 7816381929,
      host_id: "host-1",
      topic: "OLF weekly",
      start_time: "2024-08-15T17:02:30Z",
      end_time: "2024-08-15T18:04:30Z",
      duration: 62,
      user_email: "host@example.org",
    });
    for (const key of ["total_minutes", "participants_count", "type", "user_name"])
      expect(past.json).toHaveProperty(key);

    const meeting = await api(sim, token, "/meetings/7816381929");
    expect(meeting.status).toBe(200);
    expect(meeting.json).toMatchObject({
      id: 7816381929,
      host_id: "host-1",
      topic: "OLF weekly",
      password: "pw",
    });
    expect(meeting.json.uuid).not.toBe(PLAIN);
    for (const key of ["type", "start_time", "duration", "timezone", "agenda", "settings"]) {
      expect(meeting.json).toHaveProperty(key);
    }
    expect((await api(sim, token, "/meetings/123")).json).toMatchObject({ code: 3001 });
  });

  it("decodes uuids as Zoom does: twice for a leading / or a //, once otherwise", async () => {
    expect((await api(sim, token, `/past_meetings/${twice(SLASHED)}`)).json.uuid).toBe(SLASHED);
    expect((await api(sim, token, `/meetings/${twice(DOUBLE_SLASH)}/recordings`)).json.uuid).toBe(
      DOUBLE_SLASH,
    );
    expect((await api(sim, token, `/meetings/${once(PLAIN)}/recordings`)).json.uuid).toBe(PLAIN);

    const wrongOnce = await api(sim, token, `/past_meetings/${once(SLASHED)}`);
    expect(wrongOnce.status).toBe(404);
    expect(wrongOnce.json).toEqual({ code: 3001, message: `Meeting does not exist: ${SLASHED}.` });
    expect((await api(sim, token, `/past_meetings/${twice(PLAIN)}`)).status).toBe(404);
    expect((await api(sim, token, `/meetings/${once(DOUBLE_SLASH)}/recordings`)).status).toBe(404);
  });

  it("hides one account's meetings from another account's token", async () => {
    const other = await accessToken(sim, sim.accounts[1]);
    expect((await api(sim, other, `/meetings/${once(PLAIN)}/recordings`)).status).toBe(404);
    expect((await api(sim, other, "/users")).json.total_records).toBe(0);
  });

  it("pages users with next_page_token, honouring a small page_size", async () => {
    for (const id of ["u-a", "u-b", "u-c", "u-d"]) sim.addUser({ id });
    sim.addUser({ id: "u-gone", status: "inactive" });
    const seen: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await api(sim, token, `/users?page_size=2&status=active&next_page_token=${pageToken}`);
      expect(page.status).toBe(200);
      expect(page.json).toMatchObject({ page_size: 2, total_records: 5 });
      seen.push(...(page.json.users as { id: string }[]).map((user) => user.id));
      pageToken = page.json.next_page_token;
      pages += 1;
    } while (pageToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(["host-1", "u-a", "u-b", "u-c", "u-d"]);
    expect((await api(sim, token, "/users?next_page_token=bogus")).status).toBe(400);
    expect((await api(sim, token, "/users?page_size=1000")).json.page_size).toBe(300);
  });

  it("lists a host's recordings by UTC start date, clamping a window longer than a month", async () => {
    const clamped = await api(sim, token, "/users/host-1/recordings?from=2024-07-01&to=2024-09-30");
    expect(clamped.status).toBe(200);
    expect(clamped.json).toMatchObject({ from: "2024-07-01", to: "2024-08-01", total_records: 2 });
    expect(sim.requests.at(-1)?.note).toMatch(/window clamped: to 2024-09-30 -> 2024-08-01/);

    const first = await api(sim, token, "/users/host-1/recordings?from=2024-07-15&to=2024-08-15&page_size=1");
    expect(first.json).toMatchObject({ total_records: 2, page_size: 1 });
    expect(first.json.meetings).toHaveLength(1);
    const second = await api(
      sim,
      token,
      `/users/host-1/recordings?from=2024-07-15&to=2024-08-15&page_size=1&next_page_token=${first.json.next_page_token}`,
    );
    const uuids = [...first.json.meetings, ...second.json.meetings].map((m: { uuid: string }) => m.uuid);
    expect(uuids.sort()).toEqual([DOUBLE_SLASH, PLAIN].sort());
    expect(second.json.next_page_token).toBe("");
    expect(
      (await api(sim, token, "/users/nobody/recordings?from=2024-07-01&to=2024-07-02")).json,
    ).toMatchObject({
      code: 1001,
    });
  });

  /** A meeting to trash or delete, apart from the listed ones. */
  const meetingToRemove = (uuid: string, startTime: string, files: SimFileSpec[]) =>
    sim.addMeeting({ uuid, topic: "to remove", hostId: "host-1", startTime, durationMinutes: 5, files });

  it("trashes recordings once: 204, then 404 code 3301 for the recordings and their downloads", async () => {
    const meeting = meetingToRemove("//trashMe0123456789abcQ==", "2024-09-01T10:00:00Z", [
      { fileType: "M4A", size: 10 },
    ]);
    const encoded = `/meetings/${twice(meeting.uuid)}/recordings`;
    const trash = await api(sim, token, `${encoded}?action=trash`, { method: "DELETE" });
    expect(trash.status).toBe(204);
    const gone = await api(sim, token, encoded);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ code: 3301, message: "This recording does not exist." });
    expect((await api(sim, token, `${encoded}?action=trash`, { method: "DELETE" })).json.code).toBe(3301);
    const download = await fetch(meeting.files[0]?.downloadUrl ?? "", {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(download.status).toBe(404);
    expect(sim.trashCalls.filter((call) => call.uuid === meeting.uuid)).toEqual([
      { uuid: meeting.uuid, action: "trash", status: 204 },
      { uuid: meeting.uuid, action: "trash", status: 404 },
    ]);
    // The past meeting outlives its recordings.
    expect((await api(sim, token, `/meetings/${meeting.id}`)).status).toBe(200);
  });

  it("records a permanent deletion as such", async () => {
    const meeting = meetingToRemove("deleteMe0123456789abcQ==", "2024-09-02T10:00:00Z", []);
    const response = await api(sim, token, `/meetings/${once(meeting.uuid)}/recordings?action=delete`, {
      method: "DELETE",
    });
    expect(response.status).toBe(204);
    expect(sim.trashCalls.at(-1)).toEqual({ uuid: meeting.uuid, action: "delete", status: 204 });
  });

  it("leaves id, status, file_size and recording_type out for CC and TIMELINE files, as Zoom does", async () => {
    const recording = (await api(sim, token, `/meetings/${once(PLAIN)}/recordings`)).json;
    const [mp4, timeline] = recording.recording_files as Record<string, unknown>[];
    expect(Object.keys(mp4 ?? {})).toEqual(
      expect.arrayContaining(["id", "status", "file_size", "recording_type"]),
    );
    for (const key of ["id", "status", "file_size", "recording_type"])
      expect(timeline).not.toHaveProperty(key);
    expect(timeline).toMatchObject({ file_type: "TIMELINE", file_extension: "JSON" });
    expect(typeof timeline?.download_url).toBe("string");
  });
});
