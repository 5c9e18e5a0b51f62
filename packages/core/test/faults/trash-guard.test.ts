/**
 * Nothing is trashed in Zoom while Zoom still holds a file of the recording that the archive does not.
 * The event alone cannot tell: a file may still be processing, a payload may lack a download_url, and
 * `recording.transcript_completed` carries only the transcript (it may be ingested while the main
 * ingest failed). Found by the SSRF suite: an event whose only file had an empty download_url archived
 * nothing and still moved the whole recording to Zoom's trash.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runIngest } from "../../src/pipeline/run-ingest.js";
import { attempt, type IngestWorld, MiB, openWorld } from "./ingest-world.js";

let world: IngestWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const meetingSpec = {
  topic: "Trash guard",
  startTime: "2025-03-04T15:00:00Z",
  durationMinutes: 30,
};

describe("the trash guard", () => {
  it("keeps a recording in Zoom when an event's only file has no download_url", async () => {
    world = await openWorld();
    const meeting = world.sim.addMeeting({ ...meetingSpec, files: [{ fileType: "MP4", size: MiB }] });
    const event = world.sim.recordingEvent(meeting.uuid) as {
      payload: { object: { recording_files: { download_url?: string }[] } };
    };
    for (const file of event.payload.object.recording_files) file.download_url = "";
    const outcome = await attempt(() => runIngest(event, world?.deps as never));
    expect(world.sim.trashCalls).toEqual([]);
    if (outcome.ok) expect(outcome.result.trashed).toBe("incomplete");
  });

  it("keeps a recording in Zoom while one of its files is still processing", async () => {
    world = await openWorld();
    const meeting = world.sim.addMeeting({
      ...meetingSpec,
      files: [
        { fileType: "M4A", size: MiB },
        { fileType: "MP4", size: 2 * MiB, status: "processing" },
      ],
    });
    const warnings: string[] = [];
    const result = await runIngest(world.sim.recordingEvent(meeting.uuid), {
      ...world.deps,
      onEvent: (e) => {
        if (e.type === "warning") warnings.push(e.message);
      },
    });
    expect(result.files).toHaveLength(1);
    expect(result.trashed).toBe("incomplete");
    expect(world.sim.trashCalls).toEqual([]);
    expect(warnings.join("\n")).toMatch(/not trashed.*1 file/i);
  });

  it("does not trash the recording when its transcript is ingested before the main files", async () => {
    world = await openWorld();
    const meeting = world.sim.addMeeting({
      ...meetingSpec,
      files: [
        { fileType: "MP4", size: 2 * MiB },
        { fileType: "TRANSCRIPT", size: 20_000 },
      ],
    });
    const transcript = world.sim.recordingEvent(meeting.uuid, { event: "recording.transcript_completed" });
    const early = await runIngest(transcript, world.deps);
    expect(early.trashed).toBe("incomplete");
    expect(world.sim.trashCalls).toEqual([]);
    // The main event completes the archive; then, and only then, the recording goes to the trash.
    const main = await runIngest(world.sim.recordingEvent(meeting.uuid), world.deps);
    expect(main.trashed).toBe("trashed");
    expect(world.sim.trashCalls).toHaveLength(1);
    const document = await world.backends.index.get(meeting.recordingId);
    expect(document?.files.map((f) => f.recording_type).sort()).toEqual([
      "audio_transcript",
      "shared_screen_with_speaker_view",
    ]);
  });

  it("trashes a recording whose every file is archived, CC and TIMELINE (no Zoom id) included", async () => {
    world = await openWorld();
    const meeting = world.sim.addMeeting({
      ...meetingSpec,
      files: [
        { fileType: "MP4", size: 2 * MiB },
        { fileType: "MP4", size: MiB },
        { fileType: "TIMELINE", size: 5_000 },
        { fileType: "CC", size: 5_000 },
      ],
    });
    const result = await runIngest(world.sim.recordingEvent(meeting.uuid), world.deps);
    expect(result.trashed).toBe("trashed");
    expect(world.sim.trashCalls).toHaveLength(1);
  });
});
