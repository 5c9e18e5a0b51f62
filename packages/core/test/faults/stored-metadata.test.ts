/**
 * What an ingest stores and how it reads what is stored: no credential-bearing field of Zoom's meeting
 * objects (start_url holds the host's ZAK), one recording id per meeting whatever the uuid's spelling,
 * and a legacy document with a malformed `%` escape in an s3_url re-ingested without a throw.
 */
import { faultMeeting } from "@zrec/test-utils/zoom-sim";
import { afterEach, describe, expect, it } from "vitest";
import { runIngest } from "../../src/pipeline/run-ingest.js";
import { attempt, type IngestWorld, MiB, openWorld } from "./ingest-world.js";

let world: IngestWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const spec = faultMeeting("Stored metadata", [{ fileType: "M4A", size: MiB }]);

describe("stored metadata", () => {
  it("keeps no start_url (the host's ZAK) in meeting.json", async () => {
    world = await openWorld();
    const meeting = world.sim.addMeeting(spec);
    await runIngest(world.sim.recordingEvent(meeting.uuid), world.deps);
    const stored = await world.backends.store.get(`${meeting.recordingId}/meeting.json`);
    const text = Buffer.from(stored ?? new Uint8Array()).toString("utf8");
    expect(JSON.parse(text).topic).toBe("Stored metadata");
    expect(text).not.toMatch(/start_url|zak=/);
  });

  it("refuses an event whose uuid is a non-canonical spelling, and stores the url-safe one canonically", async () => {
    world = await openWorld();
    const meeting = world.sim.addMeeting(spec);
    const event = world.sim.recordingEvent(meeting.uuid) as { payload: { object: { uuid: string } } };
    const bytes = Buffer.from(meeting.uuid, "base64");
    // The same 16 bytes with stray bits in the last character: refused, nothing stored.
    const last = bytes.toString("base64").slice(21, 22);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const stray = alphabet[alphabet.indexOf(last) + 1] ?? "B";
    event.payload.object.uuid = `${bytes.toString("base64").slice(0, 21)}${stray}==`;
    const refused = await attempt(() => runIngest(event, world?.deps as never));
    expect(refused.ok).toBe(false);
    expect((await world.keys()).filter((key) => key.startsWith(meeting.recordingId))).toEqual([]);

    event.payload.object.uuid = bytes.toString("base64url");
    const result = await runIngest(event, world.deps);
    expect(result.recording_id).toBe(meeting.recordingId);
    const document = await world.backends.index.get(meeting.recordingId);
    expect(document?.meeting_uuid).toBe(bytes.toString("base64"));
  });

  it("re-ingests a recording whose legacy document has a malformed % escape in an s3_url", async () => {
    world = await openWorld();
    const meeting = world.sim.addMeeting(spec);
    const first = await runIngest(world.sim.recordingEvent(meeting.uuid), world.deps);
    const document = await world.backends.index.get(first.recording_id);
    if (!document) throw new Error("no document");
    const legacy = {
      ...document,
      files: [
        ...document.files,
        {
          recording_type: "chat_file",
          s3_url: `https://bucket.s3.amazonaws.com/${first.recording_id}/chat%E0%A4%A.txt`,
          etag: '"x"',
          zoom_file_size: 10,
          mime_type: "text/plain",
        },
      ],
    };
    await world.backends.index.put(legacy);
    const again = await attempt(() =>
      runIngest(world?.sim.recordingEvent(meeting.uuid), world?.deps as never),
    );
    expect(again.ok).toBe(true);
    const files = (await world.backends.index.get(first.recording_id))?.files ?? [];
    expect(files.map((f) => f.recording_type).sort()).toEqual(["audio_only", "chat_file"]);
  });
});
