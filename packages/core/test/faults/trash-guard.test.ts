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

type ForgedEvent = {
  payload: { object: { recording_files: { download_url: string; file_size: number; file_type: string }[] } };
};

describe("the trash guard against a forged event", () => {
  it("fails the ingest and trashes nothing when a file entry points at another file's bytes", async () => {
    world = await openWorld();
    const victim = world.sim.addMeeting({
      ...meetingSpec,
      files: [
        { fileType: "MP4", size: 2 * MiB },
        { fileType: "M4A", size: MiB },
      ],
    });
    const event = world.sim.recordingEvent(victim.uuid) as ForgedEvent;
    const [mp4, m4a] = event.payload.object.recording_files;
    if (!mp4 || !m4a) throw new Error("two files expected");
    // The victim's MP4 entry (its id, its type) with the M4A's bytes and size.
    mp4.download_url = m4a.download_url;
    mp4.file_size = m4a.file_size;
    const outcome = await attempt(() => runIngest(event, world?.deps as never));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(String(outcome.error)).toMatch(/file_size/);
    expect(world.sim.trashCalls).toEqual([]);
  });

  it("fails the ingest and trashes nothing when the files are another meeting's", async () => {
    world = await openWorld();
    const victim = world.sim.addMeeting({ ...meetingSpec, files: [{ fileType: "MP4", size: 2 * MiB }] });
    const other = world.sim.addMeeting({
      ...meetingSpec,
      topic: "Other",
      files: [{ fileType: "MP4", size: MiB }],
    });
    const event = world.sim.recordingEvent(victim.uuid) as ForgedEvent;
    const theirs = (world.sim.recordingEvent(other.uuid) as ForgedEvent).payload.object.recording_files[0];
    const mine = event.payload.object.recording_files[0];
    if (!mine || !theirs) throw new Error("files expected");
    mine.download_url = theirs.download_url;
    mine.file_size = theirs.file_size;
    const outcome = await attempt(() => runIngest(event, world?.deps as never));
    expect(outcome.ok).toBe(false);
    expect(world.sim.trashCalls).toEqual([]);
  });
});

describe("the trash guard when Zoom's answer does not list the files", () => {
  const oneFile = () => {
    const meeting = world?.sim.addMeeting({ ...meetingSpec, files: [{ fileType: "M4A", size: MiB }] });
    if (!meeting) throw new Error("no world");
    return meeting;
  };
  const ingestWarnings = async (event: unknown) => {
    const warnings: string[] = [];
    const result = await runIngest(event, {
      ...(world?.deps as never as Parameters<typeof runIngest>[1]),
      onEvent: (e) => {
        if (e.type === "warning") warnings.push(e.message);
      },
    });
    return { result, warnings: warnings.join("\n") };
  };

  it("does not trash on a 200 without recording_files", async () => {
    world = await openWorld();
    const meeting = oneFile();
    meeting.listingWithoutFiles = true;
    const { result, warnings } = await ingestWarnings(world.sim.recordingEvent(meeting.uuid));
    expect(result.trashed).toBe("unknown");
    expect(warnings).toMatch(/not trashed/i);
    expect(world.sim.trashCalls).toEqual([]);
  });

  it("does not trash on an empty list while the archive holds files of the recording", async () => {
    world = await openWorld();
    const meeting = oneFile();
    const event = world.sim.recordingEvent(meeting.uuid);
    meeting.files.splice(0);
    const { result } = await ingestWarnings(event);
    expect(result.trashed).toBe("unknown");
    expect(world.sim.trashCalls).toEqual([]);
  });

  it("does not trash when the list answers 404", async () => {
    world = await openWorld();
    const meeting = oneFile();
    world.sim.injectFault({
      target: "api",
      kind: "status",
      status: 404,
      pathIncludes: "/recordings",
      // The first look (is it still at Zoom, before anything is written) answers; the guard's gets 404.
      skip: 1,
      times: 1,
    });
    const { result } = await ingestWarnings(world.sim.recordingEvent(meeting.uuid));
    expect(result.trashed).toBe("unknown");
    expect(world.sim.trashCalls).toEqual([]);
  });
});
