import {
  eachTestArchive,
  legacyDocument,
  newMeetingUuid,
  storeRecording,
} from "@zrec/test-utils/fixtures/tasks";
import { describe, expect, it } from "vitest";
import type { RecordingIndex } from "../ports.js";
import type { RecordingDocument } from "../recording/document.js";
import { type RebuildProgress, rebuildDb } from "./rebuild-db.js";

const archive = eachTestArchive();

const put = (key: string, text: string) =>
  archive.backends.store.put(key, text, { contentType: "application/json" });

/** A folder as the older system left it: 30 good documents, one not JSON, one without meeting_topic. */
async function layOutLegacyFolder(): Promise<{
  good: RecordingDocument[];
  notJson: string;
  noTopic: string;
}> {
  const good = Array.from({ length: 30 }, (_, i) =>
    legacyDocument({ meeting_topic: `FOLIO meeting ${i}`, start_time: `2023-05-${10 + (i % 19)}T15:00:00Z` }),
  );
  // Written as Python's json.dump(indent=4) would; the recording files beside them do not matter here.
  await Promise.all(
    good.map((document) =>
      put(`${document.recording_id}/recording_document.json`, JSON.stringify(document, null, 4)),
    ),
  );
  const notJson = `${newMeetingUuid().recordingId}/recording_document.json`;
  await put(notJson, '{"recording_id": "truncated by a crash", "password": "hunter2');
  const { meeting_topic: _topic, ...untitled } = legacyDocument();
  const noTopic = `${untitled.recording_id}/recording_document.json`;
  await put(noTopic, JSON.stringify(untitled, null, 4));
  // Not the archive's: a copy one level deeper, and another file of that name's neighbours.
  await put(`backup/${good[0]?.recording_id}/recording_document.json`, "not even json");
  await put("README.md", "# recordings");
  return { good, notJson, noTopic };
}

describe("rebuildDb", () => {
  it("indexes every good document of the older system and names the two bad ones", async () => {
    const { good, notJson, noTopic } = await layOutLegacyFolder();
    const progress: RebuildProgress[] = [];

    const report = await rebuildDb(archive, {
      batchSize: 7,
      concurrency: 4,
      onProgress: (p) => progress.push(p),
    });

    expect(report.scanned).toBe(32);
    expect(report.indexed).toBe(30);
    expect(report.bad).toHaveLength(2);
    const byKey = new Map(report.bad.map((bad) => [bad.key, bad]));
    expect(byKey.get(notJson)?.reason).toBe(`${notJson} is not valid JSON.`);
    expect(byKey.get(notJson)?.reason).not.toContain("hunter2");
    expect(byKey.get(noTopic)).toMatchObject({ field: "meeting_topic" });
    expect(byKey.get(noTopic)?.reason).toContain('"meeting_topic" is missing');

    const indexed = await archive.backends.index.list();
    expect(indexed).toHaveLength(30);
    for (const document of good)
      expect(await archive.backends.index.get(document.recording_id)).toEqual(document);
    expect(progress.at(-1)).toEqual({ scanned: 32, indexed: 30, bad: 2 });
    expect(progress.length).toBeGreaterThanOrEqual(5); // 32 documents in batches of 7
    expect(await archive.outbox()).toEqual([]);
  });

  it("writes in batches no larger than batchSize and never holds the whole archive", async () => {
    await layOutLegacyFolder();
    const batches: number[] = [];
    const index = archive.backends.index;
    const counting: RecordingIndex = Object.assign(Object.create(index), {
      putMany: async (documents: RecordingDocument[]) => {
        batches.push(documents.length);
        await index.putMany(documents);
      },
    });

    await rebuildDb({ backends: { ...archive.backends, index: counting } }, { batchSize: 10 });

    expect(batches.reduce((a, b) => a + b, 0)).toBe(30);
    expect(Math.max(...batches)).toBeLessThanOrEqual(10);
  });

  it("in a dry run validates and counts, and writes nothing", async () => {
    await layOutLegacyFolder();
    const report = await rebuildDb(archive, { dryRun: true });
    expect(report).toMatchObject({ dryRun: true, scanned: 32, indexed: 30 });
    expect(report.bad).toHaveLength(2);
    expect(await archive.backends.index.list()).toEqual([]);
  });

  it("refuses a document whose recording_id is not its folder's", async () => {
    const document = legacyDocument();
    const elsewhere = `${newMeetingUuid().recordingId}/recording_document.json`;
    await put(elsewhere, JSON.stringify(document));
    const report = await rebuildDb(archive);
    expect(report.indexed).toBe(0);
    expect(report.bad).toEqual([
      {
        key: elsewhere,
        field: "recording_id",
        reason: `${elsewhere} has recording_id ${document.recording_id}, which differs from its folder "${elsewhere.split("/")[0]}".`,
      },
    ]);
  });

  it("accepts documents zrec wrote (new optional fields) beside the older system's, and replaces stale rows", async () => {
    const legacy = legacyDocument();
    const modern = legacyDocument({
      schema_version: 1,
      ingested_at: "2025-01-01T00:00:00.000Z",
      zoom_account: "default",
      disposition: { action: "delete", after: "2026-01-01" },
    });
    await storeRecording(archive, legacy, { index: false });
    await storeRecording(archive, modern, { index: false });
    await archive.backends.index.put({ ...legacy, meeting_topic: "stale" });

    const report = await rebuildDb(archive);

    expect(report).toMatchObject({ scanned: 2, indexed: 2, bad: [] });
    expect(await archive.backends.index.get(legacy.recording_id)).toEqual(legacy);
    expect(await archive.backends.index.get(modern.recording_id)).toEqual(modern);
  });

  it("handles an empty store", async () => {
    expect(await rebuildDb(archive)).toEqual({ dryRun: false, scanned: 0, indexed: 0, bad: [] });
  });
});
