/**
 * `zrec ingest` end to end, as a user runs it: the built CLI, a config file, zoom-sim over real HTTP, on
 * both backends (folder + SQLite, and S3 + DynamoDB through the real SDK against s3rver and dynalite),
 * with the outbox as notifier. What was stored is read back through the backends themselves, so the
 * same assertions hold on both.
 */
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RecordingDocument } from "@zrec/core";
import {
  backendKinds,
  makeWorkspace,
  readLines,
  runZrec,
  sha256,
  snapshot,
  startBackends,
  storeSnapshot,
  type TestBackends,
  withArchive,
} from "@zrec/test-utils/cli";
import { startZoomSim } from "@zrec/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MiB = 1024 * 1024;
const PART = 5 * MiB;
// Starts with "/" so Zoom's double-encoding rule applies to every path that carries it.
const UUID = "/bmsWqJaR9KtQ5zU/Vw32A==";
const RECORDING_ID = "fdb9ac5a-a25a-47d2-ad43-9cd4fd5c37d8";
const BIG = 40 * MiB + 777;
const SEGMENT = 6 * MiB + 5;

type Sim = Awaited<ReturnType<typeof startZoomSim>>;
type Workspace = Awaited<ReturnType<typeof makeWorkspace>>;

const FILES: Record<string, number> = {
  "shared_screen_with_speaker_view.mp4": 0,
  "shared_screen_with_speaker_view-2.mp4": 1,
  "audio_only.m4a": 2,
  "timeline.vtt": 3,
  "closed_caption.vtt": 4,
};

describe.each(backendKinds)("zrec ingest on the %s backends", (kind) => {
  let sim: Sim;
  let backends: TestBackends;
  let ws: Workspace;
  let meeting: ReturnType<Sim["addMeeting"]>;
  let first: Awaited<ReturnType<typeof runZrec>>;
  const archive = <T>(use: Parameters<typeof withArchive<T>>[2]) => withArchive(backends, ws, use);
  const document = () =>
    archive(async ({ store }) => {
      const bytes = await store.get(`${RECORDING_ID}/recording_document.json`);
      return JSON.parse(Buffer.from(bytes ?? "null").toString("utf8")) as RecordingDocument;
    });

  beforeAll(async () => {
    [sim, backends] = await Promise.all([startZoomSim(), startBackends(kind)]);
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
          size: BIG,
          recordingStart: "2024-07-04T17:03:00Z",
        },
        {
          fileType: "MP4",
          recordingType: "shared_screen_with_speaker_view",
          size: SEGMENT,
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
    // Every kind of trouble Zoom's CDN gives, on the 9-part file: each must be retried alone.
    const fileId = big.id;
    sim.injectFault({ target: "cdn", fileId, kind: "drop", afterBytes: MiB, onlyRanged: true, skip: 2 });
    sim.injectFault({ target: "cdn", fileId, kind: "status", status: 503, onlyRanged: true, skip: 4 });
    sim.injectFault({
      target: "cdn",
      fileId,
      kind: "status",
      status: 429,
      retryAfter: "1",
      onlyRanged: true,
      skip: 6,
    });

    ws = await makeWorkspace(sim, {}, backends);
    await writeFile(join(ws.dir, "webhook.json"), JSON.stringify(sim.recordingEvent(UUID)));
    first = await runZrec(["ingest", "webhook.json", "--json"], { cwd: ws.dir, env: ws.env });
  });

  afterAll(async () => {
    await sim?.close();
    await backends?.close();
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
    const hashes = await archive(async ({ store }) => {
      const found: Record<string, string | undefined> = {};
      for (const name of Object.keys(FILES)) {
        const bytes = await store.get(`${RECORDING_ID}/${name}`);
        found[name] = bytes && sha256(bytes);
      }
      return found;
    });
    for (const [name, index] of Object.entries(FILES)) {
      expect(hashes[name], name).toBe(await sim.expectedSha256(meeting.files[index]?.id ?? ""));
    }
    // The injected drop, 503 and 429 each hit a ranged request of the big file and were retried.
    expect(sim.requests.filter((r) => r.fault !== undefined)).toHaveLength(3);
  });

  it("copies a file over one part as a multipart upload, and a smaller one in a single put", async () => {
    const files = (await document()).files;
    const etagOf = (name: string) => files.find((f) => f.key === `${RECORDING_ID}/${name}`)?.etag;
    expect(etagOf("shared_screen_with_speaker_view.mp4")).toMatch(new RegExp(`-${Math.ceil(BIG / PART)}"$`));
    expect(etagOf("shared_screen_with_speaker_view-2.mp4")).toMatch(/-2"$/);
    expect(etagOf("audio_only.m4a")).not.toMatch(/-\d+"$/);
    if (kind === "aws") {
      // The ETag is S3's own, as its CompleteMultipartUpload made it.
      const head = await archive(({ store }) =>
        store.head(`${RECORDING_ID}/shared_screen_with_speaker_view.mp4`),
      );
      expect(head?.etag).toBe(etagOf("shared_screen_with_speaker_view.mp4"));
      expect(head?.size).toBe(BIG);
    }
  });

  it("writes the metadata objects and the document in the legacy layout", async () => {
    const { keys, event } = await archive(async ({ store }) => {
      const listed: string[] = [];
      for await (const key of store.list(`${RECORDING_ID}/`)) listed.push(key.slice(RECORDING_ID.length + 1));
      const raw = await store.get(`${RECORDING_ID}/recording.json`);
      return { keys: listed, event: JSON.parse(Buffer.from(raw ?? "null").toString("utf8")) };
    });
    expect(keys.sort()).toEqual(
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
    expect(event.event).toBe("recording.completed");
    expect(event).not.toHaveProperty("download_token");
    const doc = (await document()) as unknown as Record<string, unknown>;
    expect(doc).toMatchObject({
      recording_id: RECORDING_ID,
      recording_path: "olf/board-meeting/2024-07-04T13:05",
      meeting_uuid: UUID,
      meeting_topic: "(OLF) Board meeting",
      organization: "OLF",
      password: "s3cret-pass",
      host_id: "host-1",
      start_time: "2024-07-04T17:02:30Z",
    });
    expect(typeof doc.parent_meeting_uuid).toBe("string");
    expect(typeof doc.meeting_id).toBe("number");
    expect(typeof doc.end_time).toBe("string");
    const files = doc.files as Record<string, unknown>[];
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
    expect(JSON.parse(got.stdout)).toEqual(await document());
    const messages = await readLines(join(ws.dataDir, "outbox.jsonl"));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ event: "ingested", recording_id: RECORDING_ID });
  });

  it.runIf(kind === "aws")("writes the DynamoDB item in the older system's shape", async () => {
    const index = backends.config.index as { endpoint: string; table: string };
    const item = await rawDynamoDbItem(index.endpoint, index.table, RECORDING_ID);
    expect(item.recording_id).toEqual({ S: RECORDING_ID });
    expect(item.meeting_id).toEqual({ N: expect.stringMatching(/^\d+$/) });
    expect(item.recording_path).toEqual({ S: "olf/board-meeting/2024-07-04T13:05" });
    expect(item.start_time).toEqual({ S: "2024-07-04T17:02:30Z" });
    expect(item.password).toEqual({ S: "s3cret-pass" });
    const files = item.files as { L: { M: Record<string, Record<string, unknown>> }[] };
    const stored = (await document()).files;
    expect(files.L).toHaveLength(stored.length);
    for (const [i, entry] of files.L.entries()) {
      const file = stored[i];
      expect(entry.M.recording_type).toEqual({ S: file?.recording_type });
      expect(entry.M.s3_url).toEqual({ S: file?.s3_url });
      expect(entry.M.etag).toEqual({ S: file?.etag });
      expect(entry.M.mime_type).toEqual({ S: file?.mime_type });
      // Zoom gives no size for timelines and captions: NULL there, as the older system stored None.
      const size = file?.zoom_file_size;
      expect(entry.M.zoom_file_size).toEqual(size === null ? { NULL: true } : { N: String(size) });
    }
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
    const objects = () => archive(({ store }) => storeSnapshot(store));
    const rows = async () => (await runZrec(["list", "--json"], { cwd: ws.dir, env: ws.env })).stdout;
    const [filesBefore, objectsBefore, rowsBefore] = [await files(), await objects(), await rows()];
    const requestsBefore = sim.requests.length;
    const again = await runZrec(["ingest", "webhook.json", "--json"], { cwd: ws.dir, env: ws.env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: "ingested", notified: false });
    expect(await files()).toEqual(filesBefore);
    expect(await objects()).toEqual(objectsBefore);
    expect(await rows()).toEqual(rowsBefore);
    expect(JSON.parse(rowsBefore)).toHaveLength(1);
    const newRequests = sim.requests.slice(requestsBefore);
    expect(newRequests.filter((r) => r.server === "cdn")).toHaveLength(0);
    expect(newRequests.filter((r) => r.method === "DELETE")).toHaveLength(0);
    expect(await readLines(join(ws.dataDir, "outbox.jsonl"))).toHaveLength(1);
    expect(await backends.pendingUploads()).toEqual([]);
  });

  it("never lets a secret or token into output, stored objects or the outbox", async () => {
    const event = sim.recordingEvent(UUID) as { download_token: string };
    const secrets = [ws.env.ZOOM_CLIENT_SECRET, event.download_token, ...sim.issuedAccessTokens()];
    const verbose = await runZrec(["ingest", "webhook.json", "--verbose"], { cwd: ws.dir, env: ws.env });
    const haystacks = [first.stdout, first.stderr, verbose.stdout, verbose.stderr];
    haystacks.push(await readFile(join(ws.dataDir, "outbox.jsonl"), "utf8"));
    await archive(async ({ store }) => {
      for await (const key of store.list("")) {
        if (key.endsWith(".json")) haystacks.push(Buffer.from((await store.get(key)) ?? "").toString("utf8"));
      }
    });
    for (const secret of secrets) {
      expect(secret && secret.length > 8).toBe(true);
      for (const text of haystacks) expect(text.includes(secret as string)).toBe(false);
    }
    for (const request of sim.requests) expect(Object.keys(request.query)).not.toContain("access_token");
  });
});

describe.each(backendKinds)("zrec ingest on the %s backends when a file cannot be fetched", (kind) => {
  it("leaves no upload and no object for it, writes no document, trashes nothing, exits 1", async () => {
    const [sim, backends] = await Promise.all([startZoomSim(), startBackends(kind)]);
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
      // The first Range request (which learns the size and starts the multipart upload) gets through;
      // every later one fails for good, so the upload has begun and must be aborted.
      sim.injectFault({
        target: "cdn",
        fileId: meeting.files[0]?.id,
        kind: "status",
        status: 500,
        skip: 1,
        times: Number.POSITIVE_INFINITY,
      });
      const ws = await makeWorkspace(sim, { ingest: { trashAfterIngest: true, partSizeMiB: 5 } }, backends);
      await writeFile(join(ws.dir, "webhook.json"), JSON.stringify(sim.recordingEvent(meeting.uuid)));
      const run = await runZrec(["ingest", "webhook.json"], { cwd: ws.dir, env: ws.env });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/shared_screen_with_speaker_view\.mp4/);
      expect(run.stderr.trim().split("\n").length).toBeLessThanOrEqual(2);
      expect(sim.requests.filter((r) => r.server === "cdn" && r.status === 206).length).toBeGreaterThan(0);

      const left = await withArchive(backends, ws, async ({ store, index }) => ({
        video: await store.head(`${meeting.recordingId}/shared_screen_with_speaker_view.mp4`),
        document: await store.head(`${meeting.recordingId}/recording_document.json`),
        row: await index.get(meeting.recordingId),
      }));
      expect(left).toEqual({ video: undefined, document: undefined, row: undefined });
      expect(await backends.pendingUploads()).toEqual([]);
      expect(sim.trashCalls).toHaveLength(0);
      expect(await readLines(join(ws.dataDir, "outbox.jsonl"))).toHaveLength(0);
      // A folder's multipart upload is a temp file; an aborted one leaves none.
      const tmp = join(ws.dataDir, ".zrec-tmp");
      expect(existsSync(tmp) ? await readdir(tmp) : []).toEqual([]);
    } finally {
      await sim.close();
      await backends.close();
    }
  });
});

/**
 * The item exactly as DynamoDB holds it (typed attribute values), asked over DynamoDB's JSON protocol:
 * what the older system's readers see, with no SDK marshalling in between. dynalite checks that a
 * request is signed in form, not the signature.
 */
async function rawDynamoDbItem(endpoint: string, table: string, id: string) {
  const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "DynamoDB_20120810.GetItem",
      "x-amz-date": date,
      authorization: `AWS4-HMAC-SHA256 Credential=test/${date.slice(0, 8)}/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`,
    },
    body: JSON.stringify({ TableName: table, Key: { recording_id: { S: id } }, ConsistentRead: true }),
  });
  const body = (await response.json()) as { Item?: Record<string, Record<string, unknown>> };
  if (!response.ok || !body.Item)
    throw new Error(`GetItem answered ${response.status}: ${JSON.stringify(body)}`);
  return body.Item;
}
