/**
 * `zrec ingest` end to end, as a user runs it: the built CLI, a config file, zoom-sim over real HTTP,
 * the embedded default (folder, SQLite, outbox).
 */
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startZoomSim } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeWorkspace, readJson, readLines, runZrec, sha256File, snapshot } from "./support.js";

const MiB = 1024 * 1024;
// Starts with "/" so Zoom's double-encoding rule applies to every path that carries it.
const UUID = "/bmsWqJaR9KtQ5zU/Vw32A==";
const RECORDING_ID = "fdb9ac5a-a25a-47d2-ad43-9cd4fd5c37d8";

type Sim = Awaited<ReturnType<typeof startZoomSim>>;

describe("zrec ingest", () => {
  let sim: Sim;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let meeting: ReturnType<Sim["addMeeting"]>;
  let first: Awaited<ReturnType<typeof runZrec>>;

  beforeAll(async () => {
    sim = await startZoomSim();
    sim.addUser({ id: "host-1", email: "host@example.org" });
    meeting = sim.addMeeting({
      uuid: UUID,
      topic: "(OLF) Board meeting",
      hostId: "host-1",
      startTime: "2024-07-04T17:02:30Z",
      durationMinutes: 62,
      password: "s3cret-pass",
      files: [
        {
          fileType: "MP4",
          recordingType: "shared_screen_with_speaker_view",
          size: 105 * MiB + 777,
          recordingStart: "2024-07-04T17:03:00Z",
        },
        {
          fileType: "MP4",
          recordingType: "shared_screen_with_speaker_view",
          size: 6 * MiB + 5,
          recordingStart: "2024-07-04T17:40:00Z",
        },
        {
          fileType: "M4A",
          recordingType: "audio_only",
          size: 3 * MiB + 1,
          recordingStart: "2024-07-04T17:03:00Z",
        },
        { fileType: "TIMELINE", size: 20_000, recordingStart: "2024-07-04T17:03:00Z" },
        { fileType: "CC", size: 9_000, recordingStart: "2024-07-04T17:03:00Z" },
      ],
    });
    const big = meeting.files[0];
    if (!big) throw new Error("no big file");
    // Every kind of trouble Zoom's CDN gives, on the 100 MiB+ file: each must be retried alone.
    sim.injectFault({
      target: "cdn",
      fileId: big.id,
      kind: "drop",
      afterBytes: MiB,
      onlyRanged: true,
      skip: 2,
    });
    sim.injectFault({
      target: "cdn",
      fileId: big.id,
      kind: "status",
      status: 503,
      onlyRanged: true,
      skip: 4,
    });
    sim.injectFault({
      target: "cdn",
      fileId: big.id,
      kind: "status",
      status: 429,
      retryAfter: "1",
      onlyRanged: true,
      skip: 6,
    });

    ws = await makeWorkspace(sim);
    await writeFile(join(ws.dir, "webhook.json"), JSON.stringify(sim.recordingEvent(UUID)));
    first = await runZrec(["ingest", "webhook.json", "--json"], { cwd: ws.dir, env: ws.env });
  });

  afterAll(async () => {
    await sim?.close();
  });

  it("archives the recording and prints the result as JSON", () => {
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result).toMatchObject({
      status: "ingested",
      recording_id: RECORDING_ID,
      notified: true,
      trashed: "trashed",
    });
    expect(result.recording_path).toBe("olf/board-meeting/2024-07-04T13:05");
  });

  it("stores every file byte-identical, both segments of one type, and the sizeless timeline", async () => {
    const folder = join(ws.dataDir, RECORDING_ID);
    const expected: Record<string, string> = {
      "shared_screen_with_speaker_view.mp4": meeting.files[0]?.id ?? "",
      "shared_screen_with_speaker_view-2.mp4": meeting.files[1]?.id ?? "",
      "audio_only.m4a": meeting.files[2]?.id ?? "",
      "timeline.vtt": meeting.files[3]?.id ?? "",
      "closed_caption.vtt": meeting.files[4]?.id ?? "",
    };
    for (const [name, fileId] of Object.entries(expected)) {
      expect(await sha256File(join(folder, name)), name).toBe(await sim.expectedSha256(fileId));
    }
    // The injected drop, 503 and 429 each hit a ranged request of the big file and were retried.
    expect(sim.requests.filter((r) => r.fault !== undefined)).toHaveLength(3);
  });

  it("writes the metadata objects and the document in the legacy layout", async () => {
    const folder = join(ws.dataDir, RECORDING_ID);
    const names = (await readdir(folder)).sort();
    expect(names).toEqual(
      [
        "audio_only.json",
        "audio_only.m4a",
        "closed_caption.json",
        "closed_caption.vtt",
        "meeting.json",
        "past_meeting.json",
        "recording.json",
        "recording_document.json",
        "shared_screen_with_speaker_view-2.json",
        "shared_screen_with_speaker_view-2.mp4",
        "shared_screen_with_speaker_view.json",
        "shared_screen_with_speaker_view.mp4",
        "timeline.json",
        "timeline.vtt",
      ].sort(),
    );
    const event = await readJson(join(folder, "recording.json"));
    expect(event.event).toBe("recording.completed");
    expect(event).not.toHaveProperty("download_token");
    const document = await readJson(join(folder, "recording_document.json"));
    expect(document).toMatchObject({
      recording_id: RECORDING_ID,
      recording_path: "olf/board-meeting/2024-07-04T13:05",
      meeting_uuid: UUID,
      meeting_topic: "(OLF) Board meeting",
      organization: "OLF",
      password: "s3cret-pass",
      host_id: "host-1",
      start_time: "2024-07-04T17:02:30Z",
    });
    expect(typeof document.parent_meeting_uuid).toBe("string");
    expect(typeof document.meeting_id).toBe("number");
    expect(typeof document.end_time).toBe("string");
    const files = document.files as Record<string, unknown>[];
    expect(files).toHaveLength(5);
    const timeline = files.find((f) => f.recording_type === "timeline");
    expect(timeline).toMatchObject({ zoom_file_size: null, size: 20_000, mime_type: "text/vtt" });
    for (const file of files) {
      expect(Object.keys(file)).toEqual(
        expect.arrayContaining(["recording_type", "s3_url", "etag", "zoom_file_size", "mime_type"]),
      );
    }
  });

  it("writes the index row and exactly one outbox message", async () => {
    const got = await runZrec(["get", RECORDING_ID, "--json"], { cwd: ws.dir, env: ws.env });
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual(
      await readJson(join(ws.dataDir, RECORDING_ID, "recording_document.json")),
    );
    const messages = await readLines(join(ws.dataDir, "outbox.jsonl"));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ event: "ingested", recording_id: RECORDING_ID });
  });

  it("trashes once, with the double-encoded uuid, after every file was stored", () => {
    const trash = sim.requests.filter((r) => r.method === "DELETE");
    expect(trash).toHaveLength(1);
    expect(trash[0]?.rawPath).toContain(encodeURIComponent(encodeURIComponent(UUID)));
    expect(trash[0]?.query.action).toBe("trash");
    const lastDownload = Math.max(...sim.requests.flatMap((r, i) => (r.server === "cdn" ? [i] : [])));
    expect(sim.requests.indexOf(trash[0] as (typeof sim.requests)[number])).toBeGreaterThan(lastDownload);
  });

  it("changes nothing when the same webhook is ingested again", async () => {
    // SQLite's own bytes change on any open (WAL checkpoints); what must not change is its rows.
    const files = async () =>
      Object.entries(await snapshot(ws.dataDir)).filter(([name]) => !name.startsWith("index.db"));
    const rows = async () => (await runZrec(["list", "--json"], { cwd: ws.dir, env: ws.env })).stdout;
    const [filesBefore, rowsBefore] = [await files(), await rows()];
    const requestsBefore = sim.requests.length;
    const again = await runZrec(["ingest", "webhook.json", "--json"], { cwd: ws.dir, env: ws.env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: "ingested", notified: false });
    expect(await files()).toEqual(filesBefore);
    expect(await rows()).toEqual(rowsBefore);
    expect(JSON.parse(rowsBefore)).toHaveLength(1);
    const newRequests = sim.requests.slice(requestsBefore);
    expect(newRequests.filter((r) => r.server === "cdn")).toHaveLength(0);
    expect(newRequests.filter((r) => r.method === "DELETE")).toHaveLength(0);
    expect(await readLines(join(ws.dataDir, "outbox.jsonl"))).toHaveLength(1);
  });

  it("never lets a secret or token into output, stored files or the outbox", async () => {
    const event = sim.recordingEvent(UUID) as { download_token: string };
    const secrets = [ws.env.ZOOM_CLIENT_SECRET, event.download_token, ...sim.issuedAccessTokens()];
    const verbose = await runZrec(["ingest", "webhook.json", "--verbose"], { cwd: ws.dir, env: ws.env });
    const haystacks = [first.stdout, first.stderr, verbose.stdout, verbose.stderr];
    for (const rel of Object.keys(await snapshot(ws.dataDir))) {
      if (rel.endsWith(".json") || rel.endsWith(".jsonl"))
        haystacks.push(await readFile(join(ws.dataDir, rel), "utf8"));
    }
    for (const secret of secrets) {
      expect(secret && secret.length > 8).toBe(true);
      for (const text of haystacks) expect(text.includes(secret as string)).toBe(false);
    }
    for (const request of sim.requests) expect(Object.keys(request.query)).not.toContain("access_token");
  });
});

describe("zrec ingest when a file cannot be fetched", () => {
  it("stores no final object for it, writes no document, trashes nothing, exits 1", async () => {
    const sim = await startZoomSim();
    try {
      sim.addUser({ id: "host-2" });
      const meeting = sim.addMeeting({
        topic: "FOLIO weekly",
        hostId: "host-2",
        startTime: "2025-02-03T15:00:00Z",
        durationMinutes: 30,
        files: [
          { fileType: "MP4", recordingType: "shared_screen_with_speaker_view", size: 12 * MiB },
          { fileType: "M4A", recordingType: "audio_only", size: MiB },
        ],
      });
      const broken = meeting.files[0];
      sim.injectFault({
        target: "cdn",
        fileId: broken?.id,
        kind: "status",
        status: 500,
        times: Number.POSITIVE_INFINITY,
      });
      const ws = await makeWorkspace(sim, { ingest: { trashAfterIngest: true, partSizeMiB: 5 } });
      await writeFile(join(ws.dir, "webhook.json"), JSON.stringify(sim.recordingEvent(meeting.uuid)));
      const run = await runZrec(["ingest", "webhook.json"], { cwd: ws.dir, env: ws.env });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/shared_screen_with_speaker_view\.mp4/);
      expect(run.stderr.trim().split("\n").length).toBeLessThanOrEqual(2);
      const folder = join(ws.dataDir, meeting.recordingId);
      expect(existsSync(join(folder, "shared_screen_with_speaker_view.mp4"))).toBe(false);
      expect(existsSync(join(folder, "recording_document.json"))).toBe(false);
      expect(sim.trashCalls).toHaveLength(0);
      expect(await readLines(join(ws.dataDir, "outbox.jsonl"))).toHaveLength(0);
      const tmp = join(ws.dataDir, ".zrec-tmp");
      expect(existsSync(tmp) ? await readdir(tmp) : []).toEqual([]);
    } finally {
      await sim.close();
    }
  });
});
