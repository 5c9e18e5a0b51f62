import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startZoomSim, type ZoomSim } from "./server.js";
import type { SimMeeting } from "./types.js";

type Json = Record<string, unknown>;
const keys = (value: unknown) => Object.keys(value as Json).sort();

describe("zoom-sim webhook events", () => {
  let sim: ZoomSim;
  let fixture: Json;
  let meeting: SimMeeting;

  beforeAll(async () => {
    // A recording.completed event as real Zoom delivered it.
    fixture = JSON.parse(
      await readFile(new URL("../fixtures/zoom-recording-completed.json", import.meta.url), "utf8"),
    );
    sim = await startZoomSim({ webhookSecretToken: "test-secret" });
    sim.addUser({ id: "OU54QJ6tRoGM55Rlt8YiQg", email: "host@example.org" });
    meeting = sim.addMeeting({
      uuid: "CnIDrQSsRdi9bWp3jyJsZQ==",
      id: 7816381929,
      topic: "OLF Tech Coordinator's Personal Meeting Room",
      type: 4,
      startTime: "2022-01-23T15:31:56Z",
      durationMinutes: 2,
      password: "+6gCkMFr",
      files: [
        {
          fileType: "M4A",
          size: 2_183_386,
          recordingStart: "2022-01-23T15:32:05Z",
          recordingEnd: "2022-01-23T15:34:28Z",
        },
        {
          fileType: "MP4",
          size: 2_769_300,
          recordingStart: "2022-01-23T15:32:05Z",
          recordingEnd: "2022-01-23T15:34:28Z",
        },
        { fileType: "TIMELINE", size: 1_000 },
        { fileType: "TRANSCRIPT", size: 2_000 },
      ],
    });
  });

  afterAll(() => sim.close());

  it("names the meeting by the canonical UUID of its Zoom uuid", () => {
    expect(meeting.recordingId).toBe("0a7203ad-04ac-45d8-bd6d-6a778f226c65");
  });

  it("has the fixture's shape: the same keys at every level, a download token, Zoom's values", () => {
    const event = sim.recordingEvent(meeting.uuid) as Json & { payload: Json & { object: Json } };
    const real = fixture as typeof event;
    expect(keys(event)).toEqual(keys(real));
    expect(keys(event.payload)).toEqual(keys(real.payload));
    expect(keys(event.payload.object)).toEqual(keys(real.payload.object));
    const files = event.payload.object.recording_files as Json[];
    const realFiles = real.payload.object.recording_files as Json[];
    expect(keys(files[0])).toEqual(keys(realFiles[0]));
    expect(keys(files[1])).toEqual(keys(realFiles[1]));
    expect(files[0]).toMatchObject({
      file_type: "M4A",
      file_size: 2_183_386,
      recording_type: "audio_only",
      status: "completed",
    });
    expect(files[0]?.meeting_id).toBe(meeting.uuid);
    expect(String(files[0]?.download_url)).toContain("/rec/webhook_download/");
    expect(event.payload.object).toMatchObject({
      uuid: "CnIDrQSsRdi9bWp3jyJsZQ==",
      id: 7816381929,
      topic: "OLF Tech Coordinator's Personal Meeting Room",
      host_id: "OU54QJ6tRoGM55Rlt8YiQg",
      host_email: "host@example.org",
      recording_count: 4,
      total_size: 2_183_386 + 2_769_300 + 1_000 + 2_000,
    });
    expect(event.event).toBe("recording.completed");
    expect(String(event.download_token).split(".")).toHaveLength(3);
    // A timeline file arrives without the fields Zoom leaves out.
    for (const key of ["id", "status", "file_size", "recording_type"])
      expect(files[2]).not.toHaveProperty(key);
  });

  it("builds transcript_completed with only the transcript, and can leave the download token out", () => {
    const event = sim.recordingEvent(meeting.uuid, {
      event: "recording.transcript_completed",
      withDownloadToken: false,
    }) as Json & {
      payload: { object: { recording_files: Json[] } };
    };
    expect(event.event).toBe("recording.transcript_completed");
    expect(event.payload.object.recording_files.map((file) => file.file_type)).toEqual(["TRANSCRIPT"]);
    expect(event).not.toHaveProperty("download_token");
  });

  it("gives the same default download token when the event is built twice", () => {
    const a = sim.recordingEvent(meeting.uuid) as { download_token: string };
    const b = sim.recordingEvent(meeting.uuid) as { download_token: string };
    expect(a.download_token).toBe(b.download_token);
  });

  it("signs webhooks as Zoom does: v0=hex(HMAC-SHA256(secret, v0:{timestamp}:{body}))", () => {
    const body = sim.recordingEvent(meeting.uuid);
    const signed = sim.signedWebhook(body, { timestamp: 1_700_000_000 });
    expect(JSON.parse(signed.rawBody)).toEqual(body);
    expect(signed.headers["x-zm-request-timestamp"]).toBe("1700000000");
    const expected = createHmac("sha256", "test-secret")
      .update(`v0:1700000000:${signed.rawBody}`)
      .digest("hex");
    expect(signed.headers["x-zm-signature"]).toBe(`v0=${expected}`);
    const now = Number(sim.signedWebhook(body).headers["x-zm-request-timestamp"]);
    expect(Math.abs(now - Date.now() / 1000)).toBeLessThan(5);
  });

  it("builds the url_validation challenge", () => {
    expect(sim.urlValidationEvent("abc")).toMatchObject({
      event: "endpoint.url_validation",
      payload: { plainToken: "abc" },
    });
  });
});
