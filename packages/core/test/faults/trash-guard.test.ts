/**
 * Nothing is trashed in Zoom while Zoom still holds a file of the recording that the archive does not.
 * The event alone cannot tell: a file may still be processing, a payload may lack a download_url, and
 * `recording.transcript_completed` carries only the transcript (it may be ingested while the main
 * ingest failed). Found by the SSRF suite: an event whose only file had an empty download_url archived
 * nothing and still moved the whole recording to Zoom's trash.
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

/** Each test gives the files its case needs. */
const meetingSpec = faultMeeting("Trash guard", []);

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

type ForgedFile = { id?: string; download_url: string; file_size: number; file_type: string };
type ForgedEvent = { payload: { object: { recording_files: ForgedFile[] } } };

/**
 * A forged event signed with the app's secret names the victim's file ids and points them at other
 * bytes. The download is taken from the URL Zoom's API lists for each id (with the account's OAuth
 * token), so what is archived, and then trashed, is the victim's own recording; an id the API does not
 * list still fails the ingest before anything is trashed.
 */
describe("the trash guard against a forged event", () => {
  /** The stored bytes of the victim's file `fileId`, hashed, beside what zoom-sim holds for it. */
  const storedAndExpected = async (recordingId: string, fileId: string) => {
    const document = await world?.backends.index.get(recordingId);
    const entry = document?.files.find((f) => f.zoom_file_id === fileId);
    if (!entry?.key) throw new Error(`no stored entry for ${fileId}`);
    return { stored: await world?.sha256Of(entry.key), expected: await world?.sim.expectedSha256(fileId) };
  };
  const downloadsOf = (fileId: string) =>
    world?.sim.requests.filter((r) => r.server === "api" && r.path.includes(fileId)) ?? [];
  /** A victim with an MP4 and an M4A, and its event with both entries to forge. */
  const victimWithMp4AndM4a = ({ sim }: IngestWorld) => {
    const victim = sim.addMeeting({
      ...meetingSpec,
      files: [
        { fileType: "MP4", size: 2 * MiB },
        { fileType: "M4A", size: MiB },
      ],
    });
    const event = sim.recordingEvent(victim.uuid) as ForgedEvent;
    const [mp4, m4a] = event.payload.object.recording_files;
    if (!mp4?.id || !m4a?.id) throw new Error("two files expected");
    type Listed = ForgedFile & { id: string };
    return { victim, event, mp4: mp4 as Listed, m4a: m4a as Listed };
  };

  it("archives the victim's own MP4 when its entry points at another meeting's file of the same size", async () => {
    world = await openWorld();
    const victim = world.sim.addMeeting({ ...meetingSpec, files: [{ fileType: "MP4", size: 2 * MiB }] });
    const other = world.sim.addMeeting({
      ...meetingSpec,
      topic: "Other",
      files: [{ fileType: "MP4", size: 2 * MiB }],
    });
    const event = world.sim.recordingEvent(victim.uuid) as ForgedEvent;
    const theirs = (world.sim.recordingEvent(other.uuid) as ForgedEvent).payload.object.recording_files[0];
    const mine = event.payload.object.recording_files[0];
    if (!mine?.id || !theirs?.id) throw new Error("files expected");
    mine.download_url = theirs.download_url;
    const result = await runIngest(event, world.deps);
    const { stored, expected } = await storedAndExpected(victim.recordingId, mine.id);
    expect(stored).toBe(expected);
    expect(stored).not.toBe(await world.sim.expectedSha256(theirs.id));
    expect(downloadsOf(theirs.id)).toEqual([]);
    // The API's URL is downloaded with the account's token: the event's token is for the event's URLs.
    expect(downloadsOf(mine.id).map((r) => [r.path.split("/")[2], r.authorizationKind])).toContainEqual([
      "download",
      "bearer-oauth",
    ]);
    expect(result.trashed).toBe("trashed");
  });

  it("archives the victim's own MP4 when its entry points at its own M4A (another size)", async () => {
    world = await openWorld();
    const { victim, event, mp4, m4a } = victimWithMp4AndM4a(world);
    // The victim's MP4 entry (its id, its type) with the M4A's bytes and size.
    mp4.download_url = m4a.download_url;
    mp4.file_size = m4a.file_size;
    const result = await runIngest(event, world.deps);
    for (const id of [mp4.id, m4a.id]) {
      const { stored, expected } = await storedAndExpected(victim.recordingId, id);
      expect(stored).toBe(expected);
    }
    expect(result.trashed).toBe("trashed");
  });

  it("fails the ingest and trashes nothing when a forged entry's id is not one Zoom lists", async () => {
    world = await openWorld();
    const { event, mp4, m4a } = victimWithMp4AndM4a(world);
    // Without a listed id there is no API URL to take: the event's is used, and the guard refuses it.
    mp4.id = "not-a-zoom-file-id";
    mp4.download_url = m4a.download_url;
    mp4.file_size = m4a.file_size;
    const outcome = await attempt(() => runIngest(event, world?.deps as never));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(String(outcome.error)).toMatch(/does not list/);
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
