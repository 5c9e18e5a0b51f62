/** `zrec ingest` beyond the happy path: later transcripts, old tokens, filters, deleted meetings. */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ingestEvent, makeWorkspace, readJson, readLines, runZrec } from "@zrec/test-utils/cli";
import { useZoomSim } from "@zrec/test-utils/zoom-sim";
import { beforeAll, describe, expect, it } from "vitest";

const sim = useZoomSim();

async function ingest(
  event: unknown,
  overrides: Record<string, unknown> = {},
  ws?: Awaited<ReturnType<typeof makeWorkspace>>,
) {
  const workspace =
    ws ?? (await makeWorkspace(sim(), { ingest: { trashAfterIngest: false, partSizeMiB: 5 }, ...overrides }));
  const run = await ingestEvent(workspace, event);
  return { ws: workspace, run, result: run.code === 0 ? JSON.parse(run.stdout) : undefined };
}

describe("zrec ingest", () => {
  it("adds the files of a later recording.transcript_completed to the archived recording", async () => {
    const meeting = sim().addMeeting({
      topic: "FOLIO Sys Ops & Management SIG",
      startTime: "2023-03-12T06:58:00Z",
      durationMinutes: 45,
      files: [
        { fileType: "MP4", recordingType: "shared_screen_with_speaker_view", size: 2_000_000 },
        { fileType: "TRANSCRIPT", size: 30_000 },
      ],
    });
    // Zoom sends recording.completed before the transcript exists.
    const completed = sim().recordingEvent(meeting.uuid) as {
      payload: { object: { recording_files: { file_type: string }[] } };
    };
    completed.payload.object.recording_files = completed.payload.object.recording_files.filter(
      (f) => f.file_type !== "TRANSCRIPT",
    );
    const first = await ingest(completed, { organizations: [{ name: "FOLIO", match: ["FOLIO"] }] });
    expect(first.run.code).toBe(0);
    expect(first.result.recording_path).toBe("folio/sys-ops-management-sig/2023-03-12T02:00");

    const second = await ingest(
      sim().recordingEvent(meeting.uuid, { event: "recording.transcript_completed" }),
      {},
      first.ws,
    );
    expect(second.run.stderr).toBe("");
    expect(second.result).toMatchObject({ status: "ingested", notified: true });
    const document = await readJson(join(first.ws.dataDir, meeting.recordingId, "recording_document.json"));
    const keys = (document.files as { key: string }[]).map((f) => f.key.split("/")[1]).sort();
    expect(keys).toEqual(["audio_transcript.vtt", "shared_screen_with_speaker_view.mp4"]);
    const messages = await readLines(join(first.ws.dataDir, "outbox.jsonl"));
    expect(messages.map((m) => m.event)).toEqual(["ingested", "ingested"]);
    const row = await runZrec(["get", meeting.recordingId, "--json"], {
      cwd: first.ws.dir,
      env: first.ws.env,
    });
    expect(JSON.parse(row.stdout).files).toHaveLength(2);
  });

  it("downloads with the account's OAuth token once the event's download token has expired", async () => {
    const meeting = sim().addMeeting({
      topic: "Budget review",
      startTime: "2025-10-31T12:07:29Z",
      durationMinutes: 20,
      files: [{ fileType: "M4A", recordingType: "audio_only", size: 1_500_000 }],
    });
    const event = sim().recordingEvent(meeting.uuid, {
      downloadTokenExpiresAt: new Date(Date.now() - 60_000),
    });
    const before = sim().requests.length;
    const { run, result } = await ingest(event);
    expect(run.code).toBe(0);
    expect(result.recording_path).toBe("other/budget-review/2025-10-31T08:05");
    const downloads = sim()
      .requests.slice(before)
      .filter((r) => r.server === "api" && r.path.startsWith("/rec/"));
    expect(downloads.length).toBeGreaterThan(0);
    for (const request of downloads) expect(request.authorizationKind).toBe("bearer-oauth");
  });

  it("archives from the event's fields, with a warning, when Zoom has deleted the parent meeting", async () => {
    const meeting = sim().addMeeting({
      topic: "ReShare Dev Team: weekly sync",
      startTime: "2024-07-04T17:02:30Z",
      durationMinutes: 30,
      parentMeetingDeleted: true,
      files: [{ fileType: "CHAT", size: 2_000 }],
    });
    const ws = await makeWorkspace(sim(), { ingest: { trashAfterIngest: false } });
    const run = await ingestEvent(ws, sim().recordingEvent(meeting.uuid), []);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/parent meeting/);
    const document = await readJson(join(ws.dataDir, meeting.recordingId, "recording_document.json"));
    expect(document).toMatchObject({
      meeting_topic: "ReShare Dev Team: weekly sync",
      meeting_id: meeting.id,
    });
    expect((document.files as { key: string }[])[0]?.key).toBe(`${meeting.recordingId}/chat_file.txt`);
  });

  it("skips a meeting shorter than ingest.minimumDurationMinutes and says why", async () => {
    const meeting = sim().addMeeting({
      topic: "Quick check",
      startTime: "2025-01-01T10:00:00Z",
      durationMinutes: 2,
      files: [{ fileType: "M4A", recordingType: "audio_only", size: 10_000 }],
    });
    const { run, result, ws } = await ingest(sim().recordingEvent(meeting.uuid), {
      ingest: { minimumDurationMinutes: 5 },
    });
    expect(run.code).toBe(0);
    expect(result).toMatchObject({ status: "skipped", recording_id: meeting.recordingId });
    expect(result.reason).toMatch(/minimumDurationMinutes/);
    expect(await readLines(join(ws.dataDir, "outbox.jsonl"))).toHaveLength(0);
  });
});

describe("zrec ingest refuses bad input with exit 2 and one sentence", () => {
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  beforeAll(async () => {
    ws = await makeWorkspace(sim());
  });

  const oneLine = (text: string) => expect(text.trim().split("\n")).toHaveLength(1);

  it("a missing webhook file", async () => {
    const run = await runZrec(["ingest", "nope.json"], { cwd: ws.dir, env: ws.env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/nope\.json/);
    expect(run.stderr).toMatch(/does not exist/);
    oneLine(run.stderr);
  });

  it("a file that is not JSON", async () => {
    await writeFile(join(ws.dir, "broken.json"), "{ not json");
    const run = await runZrec(["ingest", "broken.json"], { cwd: ws.dir, env: ws.env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/broken\.json is not JSON/);
    oneLine(run.stderr);
  });

  it("an event that is not a recording event", async () => {
    await writeFile(
      join(ws.dir, "started.json"),
      JSON.stringify({ event: "meeting.started", payload: { object: {} } }),
    );
    const run = await runZrec(["ingest", "started.json"], { cwd: ws.dir, env: ws.env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/started\.json/);
    expect(run.stderr).toMatch(/meeting\.started/);
    oneLine(run.stderr);
  });

  it("a config with an unknown key or a wrong type names the key", async () => {
    const path = join(ws.dir, "zrec.config.json");
    const config = JSON.parse(await readFile(path, "utf8"));
    await writeFile(join(ws.dir, "typo.json"), JSON.stringify({ ...config, ingest: { partSize: 8 } }));
    await writeFile(
      join(ws.dir, "type.json"),
      JSON.stringify({ ...config, ingest: { partConcurrency: "four" } }),
    );
    await writeFile(
      join(ws.dir, "event.json"),
      JSON.stringify(
        sim().recordingEvent(
          sim().addMeeting({ topic: "x", startTime: "2025-01-01T00:00:00Z", durationMinutes: 9, files: [] })
            .uuid,
        ),
      ),
    );
    const typo = await runZrec(["ingest", "event.json", "--config", "typo.json"], {
      cwd: ws.dir,
      env: ws.env,
    });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/typo\.json/);
    expect(typo.stderr).toMatch(/ingest\.partSize/);
    const type = await runZrec(["ingest", "event.json", "--config", "type.json"], {
      cwd: ws.dir,
      env: ws.env,
    });
    expect(type.code).toBe(2);
    expect(type.stderr).toMatch(/ingest\.partConcurrency/);
  });

  it("bad usage", async () => {
    const run = await runZrec(["ingest"], { cwd: ws.dir, env: ws.env });
    expect(run.code).toBe(2);
    const unknown = await runZrec(["frobnicate"], { cwd: ws.dir, env: ws.env });
    expect(unknown.code).toBe(2);
  });
});
