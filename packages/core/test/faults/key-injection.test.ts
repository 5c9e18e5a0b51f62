/**
 * Path traversal and key injection. Payload fields that become object keys (the meeting uuid that gives
 * the recording id, recording_type, file_type, file_extension) and documents given to reindex carry
 * `..`, `/`, `\`, NUL, reserved names and 10,000-character values. Each must be refused with an error
 * naming the field, or reduced to a safe name; nothing may be written outside the store root, and no
 * file may land on a metadata object's key.
 *
 * "Outside the root" is checked where it would show: the world's temp dir must hold only the store
 * root (`zrec-data`, which also holds the index and outbox), and the root only those two and folders
 * named by canonical recording ids holding safe names. On S3 (s3rver), every key in the bucket must sit
 * under the store's prefix and recording id.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { Figures } from "@zrec/test-utils/faults/figures";
import { type RunningS3rver, S3RVER_CREDENTIALS, S3RVER_REGION, startS3rver } from "@zrec/test-utils/s3rver";
import { faultMeeting } from "@zrec/test-utils/zoom-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Store } from "../../src/adapters/s3-store.js";
import { DocumentError, InputError } from "../../src/errors.js";
import { runIngest } from "../../src/pipeline/run-ingest.js";
import type { RecordingDocument } from "../../src/recording/document.js";
import { reindex } from "../../src/tasks/reindex.js";
import { attempt, type IngestWorld, openWorld } from "./ingest-world.js";

const figures = new Figures("key-injection");
const LONG = "x".repeat(10_000);
const HOSTILE = [
  "..",
  "../../../../tmp/zrec-escape",
  "..\\..\\..\\windows\\system32",
  "a/b/c",
  "/etc/passwd",
  "C:\\evil",
  "evil\u0000.mp4",
  "recording_document",
  "recording",
  "past_meeting",
  "meeting",
  ".zrec-tmp",
  "%2e%2e%2fescape",
  "\u202eexe.mp4",
  "ＡＵＤＩＯ／ｏｎｌｙ",
  "",
  " ",
  LONG,
  `${LONG}/../../x`,
];
/** A safe name as zrec makes them: `[a-z0-9_]`, a `-N` suffix, a short extension; or a metadata JSON. */
const SAFE_NAME = /^[a-z0-9_]{1,64}(-[0-9]+)?(\.metadata)?\.[a-z0-9_]{1,64}$/;
const CANONICAL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

afterAll(async () => {
  await figures.write();
});

/** Everything under the world's temp dir must be the store root and what belongs in it. */
async function outsideTheRoot(world: IngestWorld): Promise<string[]> {
  const problems: string[] = [];
  const top = await readdir(world.dir);
  if (top.join() !== path.basename(world.root)) problems.push(`beside the root: ${top.join(", ")}`);
  for (const entry of await readdir(world.root, { withFileTypes: true })) {
    if (["index.db", "index.db-wal", "index.db-shm", "outbox.jsonl", ".zrec-tmp"].includes(entry.name))
      continue;
    if (!entry.isDirectory() || !CANONICAL_ID.test(entry.name)) {
      problems.push(`in the root: ${entry.name}`);
      continue;
    }
    for (const inner of await readdir(path.join(world.root, entry.name), { withFileTypes: true })) {
      if (!inner.isFile() || !SAFE_NAME.test(inner.name))
        problems.push(`in ${entry.name}: ${JSON.stringify(inner.name)}`);
    }
  }
  return problems;
}

type EventFile = Record<string, unknown>;

async function ingestWith(world: IngestWorld, mutate: (file: EventFile, index: number) => void) {
  const meeting = world.sim.addMeeting({
    topic: "../../../etc (FOLIO) \u0000 injection",
    startTime: "2025-03-04T15:00:00Z",
    durationMinutes: 30,
    files: [
      { fileType: "MP4", size: 70_000 },
      { fileType: "M4A", size: 30_000 },
      { fileType: "CHAT", size: 2_000 },
    ],
  });
  const event = world.sim.recordingEvent(meeting.uuid) as {
    payload: { object: { recording_files: EventFile[] } };
  };
  event.payload.object.recording_files.forEach(mutate);
  return { meeting, outcome: await attempt(() => runIngest(event, world.deps)) };
}

describe("payload fields that become keys", () => {
  const fields = ["recording_type", "file_extension", "file_type"] as const;
  for (const field of fields) {
    it(`${field}: every hostile value is reduced to a safe name inside the recording's folder`, async () => {
      const world = await openWorld();
      try {
        for (const value of HOSTILE) {
          const { meeting, outcome } = await ingestWith(world, (file, i) => {
            // One file keeps its real fields, so reserved names must not push it off its own key.
            if (i === 0) return;
            file[field] = value;
            if (field === "file_type") file.file_extension = value;
          });
          figures.add("badInputs");
          expect(
            outcome.ok ? "ingested" : (outcome.error as Error).message,
            JSON.stringify(value.slice(0, 40)),
          ).toBe("ingested");
          if (!outcome.ok) continue;
          for (const file of outcome.result.files) {
            const [folder, name, ...rest] = file.key.split("/");
            expect(folder).toBe(meeting.recordingId);
            expect(rest).toEqual([]);
            expect(name).toMatch(SAFE_NAME);
            expect(name).not.toMatch(/^(recording|past_meeting|meeting|recording_document)\.json$/);
          }
          // The metadata objects are still what they were: no recording file took their key.
          const document = await world.backends.store.get(`${meeting.recordingId}/recording_document.json`);
          expect(JSON.parse(Buffer.from(document ?? "").toString("utf8")).recording_id).toBe(
            meeting.recordingId,
          );
          const recordingJson = await world.backends.store.get(`${meeting.recordingId}/recording.json`);
          expect(JSON.parse(Buffer.from(recordingJson ?? "").toString("utf8")).event).toBe(
            "recording.completed",
          );
          expect(outcome.result.recording_path?.split("/")).not.toContain("..");
          figures.add("reducedToSafeNames");
        }
        expect(await outsideTheRoot(world)).toEqual([]);
      } finally {
        await world.close();
      }
    });
  }

  it("a meeting uuid that is not base64 of 16 bytes is refused, naming the field; nothing is written", async () => {
    const world = await openWorld();
    try {
      const meeting = world.sim.addMeeting(faultMeeting("uuid", [{ fileType: "M4A", size: 1_000 }]));
      for (const uuid of [
        ...HOSTILE,
        "CnIDrQSsRdi9bWp3jyJsZQ==/../..",
        "CnIDrQSsRdi9bWp3jyJsZQ==".repeat(2),
        42,
      ]) {
        const event = world.sim.recordingEvent(meeting.uuid) as { payload: { object: { uuid: unknown } } };
        event.payload.object.uuid = uuid;
        const outcome = await attempt(() => runIngest(event, world.deps));
        figures.add("badInputs");
        expect(outcome.ok).toBe(false);
        if (outcome.ok) continue;
        expect(outcome.error).toBeInstanceOf(InputError);
        expect((outcome.error as Error).message).toContain('"payload.object.uuid"');
        expect((outcome.error as Error).message.length).toBeLessThan(400);
        figures.add("refused");
      }
      expect(world.sim.requests.filter((r) => r.server === "cdn")).toEqual([]);
      expect(await outsideTheRoot(world)).toEqual([]);
    } finally {
      await world.close();
    }
  });
});

describe("reindex with crafted documents", () => {
  let world: IngestWorld;
  let document: RecordingDocument;

  beforeAll(async () => {
    world = await openWorld();
    const { outcome } = await ingestWith(world, () => {});
    if (!outcome.ok) throw outcome.error;
    document = (await world.backends.index.get(outcome.result.recording_id)) as RecordingDocument;
  });
  afterAll(async () => {
    await world?.close();
  });

  it("refuses a recording_id that is not a canonical UUID, naming the field, and writes nothing", async () => {
    const before = await world.keys();
    for (const id of [...HOSTILE, document.recording_id.toUpperCase(), `${document.recording_id}/..`]) {
      const outcome = await attempt(
        () => reindex({ ...document, recording_id: id }, { backends: world.backends }) as never,
      );
      figures.add("badInputs");
      expect(outcome.ok).toBe(false);
      if (outcome.ok) continue;
      expect(outcome.error).toBeInstanceOf(DocumentError);
      expect((outcome.error as DocumentError).field).toBe("recording_id");
      figures.add("refused");
    }
    expect(await world.keys()).toEqual(before);
    expect(await outsideTheRoot(world)).toEqual([]);
  });

  it("keeps crafted file keys as data only: no write outside the folder, and no file steered onto a metadata key", async () => {
    const id = document.recording_id;
    const crafted = HOSTILE.map((value, i) => ({
      ...document.files[0],
      recording_type: value,
      key: i % 2 === 0 ? `${id}/${value}` : value,
      s3_url: `https://evil.example/${value}`,
      zoom_file_id: `crafted-${i}`,
    })) as RecordingDocument["files"];
    const reserved = ["recording", "recording_document", "meeting", "past_meeting"].map((name) => ({
      ...document.files[1],
      key: `${id}/${name}.json`,
      zoom_file_id: document.files[1]?.zoom_file_id,
    })) as RecordingDocument["files"];
    const edited = { ...document, files: [...document.files, ...crafted, ...reserved] };
    await reindex(edited, { backends: world.backends });
    figures.add("badInputs", crafted.length + reserved.length);
    expect(await outsideTheRoot(world)).toEqual([]);

    // The same event again: every file keeps a safe name of its own, none lands on a metadata key.
    const event = JSON.parse(
      Buffer.from((await world.backends.store.get(`${id}/recording.json`)) ?? "").toString("utf8"),
    );
    const meeting = world.sim.meeting(event.payload.object.uuid);
    if (!meeting) throw new Error("meeting gone");
    const again = await attempt(() => runIngest(world.sim.recordingEvent(meeting.uuid), world.deps));
    expect(again.ok ? "ok" : (again.error as Error).message).toBe("ok");
    if (!again.ok) return;
    for (const file of again.result.files) {
      expect(file.key.split("/")[1]).toMatch(SAFE_NAME);
      expect(file.key).not.toMatch(/\/(recording|past_meeting|meeting|recording_document)\.json$/);
    }
    const recordingJson = JSON.parse(
      Buffer.from((await world.backends.store.get(`${id}/recording.json`)) ?? "").toString("utf8"),
    );
    expect(recordingJson.event).toBe("recording.completed");
    expect(await outsideTheRoot(world)).toEqual([]);
  });
});

describe("on S3, every key stays under the prefix and the recording's folder", () => {
  let s3: RunningS3rver;
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ["keys"] });
  });
  afterAll(async () => {
    await s3?.close();
  });

  it("hostile recording types and extensions", async () => {
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: S3RVER_REGION,
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    const store = createS3Store({ client, bucket: "keys", prefix: "archive", checksums: false });
    const world = await openWorld({ store });
    try {
      for (const [i, value] of HOSTILE.entries()) {
        const { outcome } = await ingestWith(world, (file, j) => {
          if (j === 0) return;
          file.recording_type = value;
          file.file_extension = HOSTILE[(i + 3) % HOSTILE.length];
          file.file_type = "WEIRD";
        });
        figures.add("badInputs");
        expect(outcome.ok ? "ok" : (outcome.error as Error).message).toBe("ok");
      }
      const raw = new S3Client({
        endpoint: s3.endpoint,
        region: S3RVER_REGION,
        forcePathStyle: true,
        credentials: S3RVER_CREDENTIALS,
      });
      const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
      const listed = await raw.send(new ListObjectsV2Command({ Bucket: "keys" }));
      raw.destroy();
      for (const object of listed.Contents ?? []) {
        const [prefix, id, name, ...rest] = (object.Key ?? "").split("/");
        expect(prefix).toBe("archive");
        expect(id).toMatch(CANONICAL_ID);
        expect(rest).toEqual([]);
        expect(name).toMatch(/^[a-z0-9_]{1,64}(-[0-9]+)?(\.metadata)?\.[a-z0-9_]{1,64}$/);
      }
      expect((listed.Contents ?? []).length).toBeGreaterThan(0);
    } finally {
      await world.close();
      client.destroy();
    }
  });
});
