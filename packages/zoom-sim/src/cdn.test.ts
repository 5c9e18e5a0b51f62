import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ZoomSim } from "./server.js";
import { cdnUrl, MiB, readAll, simWithMeeting } from "./test-support.js";
import type { SimFile, SimMeeting } from "./types.js";

describe("zoom-sim downloads and CDN", () => {
  let sim: ZoomSim;
  let token: string;
  let file: SimFile;
  let meetingUuid: string;

  beforeAll(async () => {
    let meeting: SimMeeting;
    ({ sim, meeting, token } = await simWithMeeting("downloads", [{ fileType: "MP4", size: 5 * MiB + 123 }]));
    meetingUuid = meeting.uuid;
    file = meeting.files[0] as SimFile;
  });

  afterAll(() => sim.close());

  it("redirects a download URL to a signed, expiring CDN URL on another host", async () => {
    const location = await cdnUrl(file.downloadUrl, token);
    const url = new URL(location);
    expect(url.origin).toBe(sim.cdnOrigin);
    expect(url.origin).not.toBe(new URL(file.downloadUrl).origin);
    expect(url.searchParams.get("sig")).toBeTruthy();
    expect(Number(url.searchParams.get("expires"))).toBeGreaterThan(Date.now() / 1000 + 590);
    expect(location).not.toContain(token);
  });

  it("accepts the event's download token, refuses an expired one, no token, and a token in the query", async () => {
    const event = sim.recordingEvent(meetingUuid) as {
      download_token: string;
      payload: { object: { recording_files: { download_url: string }[] } };
    };
    const webhookUrl = event.payload.object.recording_files[0]?.download_url ?? "";
    await cdnUrl(webhookUrl, event.download_token);
    expect(sim.requests.at(-1)?.authorizationKind).toBe("bearer-download-token");

    const stale = sim.recordingEvent(meetingUuid, {
      downloadTokenExpiresAt: new Date(Date.now() - 1000),
    }) as {
      download_token: string;
    };
    const expired = await fetch(webhookUrl, {
      headers: { Authorization: `Bearer ${stale.download_token}` },
      redirect: "manual",
    });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ code: 124, message: "Access token is expired." });
    expect((await fetch(webhookUrl, { redirect: "manual" })).status).toBe(401);
    const inQuery = await fetch(`${webhookUrl}?access_token=${event.download_token}`, { redirect: "manual" });
    expect(inQuery.status).toBe(400);
    expect(sim.requests.at(-1)?.query).toEqual({ access_token: "[redacted]" });

    const other = sim.addMeeting({
      topic: "other",
      startTime: "2024-07-05T00:00:00Z",
      durationMinutes: 1,
      files: [],
    });
    const foreign = sim.recordingEvent(other.uuid) as { download_token: string };
    const wrongMeeting = await fetch(webhookUrl, {
      headers: { Authorization: `Bearer ${foreign.download_token}` },
      redirect: "manual",
    });
    expect(wrongMeeting.status).toBe(401);
  });

  it("serves the deterministic content: whole body equals fileBytes and expectedSha256", async () => {
    const response = await fetch(await cdnUrl(file.downloadUrl, token));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe(String(file.size));
    expect(response.headers.get("accept-ranges")).toBe("bytes");
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(sim.fileBytes(file.id, 0, file.size))).toBe(true);
    expect(createHash("sha256").update(body).digest("hex")).toBe(await sim.expectedSha256(file.id));
  });

  it("answers Range requests with 206 and Content-Range, and 416 past the end", async () => {
    const url = await cdnUrl(file.downloadUrl, token);
    const ranged = await fetch(url, { headers: { Range: "bytes=1000-1999999" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe(`bytes 1000-1999999/${file.size}`);
    expect(ranged.headers.get("content-length")).toBe("1999000");
    expect(Buffer.from(await ranged.arrayBuffer()).equals(sim.fileBytes(file.id, 1000, 2_000_000))).toBe(
      true,
    );

    const open = await fetch(url, { headers: { Range: `bytes=${file.size - 10}-` } });
    expect(open.status).toBe(206);
    expect(open.headers.get("content-range")).toBe(`bytes ${file.size - 10}-${file.size - 1}/${file.size}`);
    expect(
      Buffer.from(await open.arrayBuffer()).equals(sim.fileBytes(file.id, file.size - 10, file.size)),
    ).toBe(true);

    const clipped = await fetch(url, { headers: { Range: `bytes=0-${file.size + 5000}` } });
    expect(clipped.headers.get("content-range")).toBe(`bytes 0-${file.size - 1}/${file.size}`);
    await clipped.arrayBuffer();

    const beyond = await fetch(url, { headers: { Range: `bytes=${file.size}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${file.size}`);
    await beyond.arrayBuffer();
  });

  it("answers HEAD with the headers of a GET and no body", async () => {
    const url = await cdnUrl(file.downloadUrl, token);
    const head = await fetch(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(file.size));
    expect(head.headers.get("accept-ranges")).toBe("bytes");
    const headRange = await fetch(url, { method: "HEAD", headers: { Range: "bytes=0-9" } });
    expect(headRange.status).toBe(206);
    expect(headRange.headers.get("content-range")).toBe(`bytes 0-9/${file.size}`);
    expect(sim.requests.at(-1)).toMatchObject({
      server: "cdn",
      method: "HEAD",
      bytesSent: 0,
      range: "bytes=0-9",
    });
  });

  it("refuses any request carrying an Authorization header, and logs the leak", async () => {
    const url = await cdnUrl(file.downloadUrl, token);
    const leaked = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    expect(leaked.status).toBe(400);
    const entry = sim.requests.at(-1);
    expect(entry).toMatchObject({
      server: "cdn",
      hasAuthorization: true,
      authorizationKind: "bearer-oauth",
      status: 400,
    });
    expect(entry?.note).toMatch(/Authorization/);
    expect(JSON.stringify(sim.requests)).not.toContain(token);
  });

  it("refuses a bad or expired signature with 403", async () => {
    const url = new URL(await cdnUrl(file.downloadUrl, token));
    url.searchParams.set("sig", "forged");
    expect((await fetch(url)).status).toBe(403);
    const valid = await cdnUrl(file.downloadUrl, token);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 11 * 60_000 });
    try {
      const late = await fetch(valid);
      expect(late.status).toBe(403);
      expect(sim.requests.at(-1)?.note).toMatch(/expired/);
    } finally {
      vi.useRealTimers();
    }
  });

  it("paces bodies to the bandwidth cap: 4 MiB at 8 MiB/s takes about half a second", async () => {
    const url = await cdnUrl(file.downloadUrl, token);
    sim.setBandwidth(8 * MiB);
    try {
      const started = performance.now();
      const { bytes } = await readAll(await fetch(url, { headers: { Range: `bytes=0-${4 * MiB - 1}` } }));
      const seconds = (performance.now() - started) / 1000;
      expect(bytes.length).toBe(4 * MiB);
      expect(seconds).toBeGreaterThan(0.45);
      // A ceiling, not a speed claim: a loaded CI machine may take longer.
      expect(seconds).toBeLessThan(2);
    } finally {
      sim.setBandwidth(undefined);
    }
  });
});
