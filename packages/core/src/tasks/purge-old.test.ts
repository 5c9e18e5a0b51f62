import {
  eachTestArchive,
  legacyDocument,
  newMeetingUuid,
  storeRecording,
} from "@zrec/test-utils/fixtures/tasks";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/types.js";
import { ConfigError } from "../errors.js";
import type { RecordingDocument } from "../recording/document.js";
import { purgeOld } from "./purge-old.js";

const archive = eachTestArchive();

const configWith = (olderThanDays: number | null): Config =>
  loadConfig({ purge: { olderThanDays } }, { env: {}, baseDir: "/unused" });

/** 2025-02-01 in UTC, though still 31 January in New York: dates compare in UTC. */
const asOf = new Date("2025-01-31T20:30:00-05:00");
const LEGACY_BYTES = 2183386 + 2769300;

interface Layout {
  due: RecordingDocument;
  dueToday: RecordingDocument;
  notDue: RecordingDocument;
  keep: RecordingDocument;
  oldWithout: RecordingDocument;
  recentWithout: RecordingDocument;
  keysOf: Map<string, string[]>;
}

async function layOut(): Promise<Layout> {
  const due = legacyDocument({ disposition: { action: "delete", after: "2025-01-15" } });
  const todayId = newMeetingUuid().recordingId;
  const dueToday = legacyDocument({
    recording_id: todayId,
    disposition: { action: "delete", after: "2025-02-01" },
    start_time: "2025-01-20T15:00:00Z",
    files: [
      // A TIMELINE as Zoom sends it has no file_size, and the older system wrote no `size`: measured.
      {
        recording_type: "timeline",
        s3_url: `https://olf-zoom-recordings.s3.amazonaws.com/${todayId}/timeline.vtt`,
        etag: '"e"',
        zoom_file_size: null,
        mime_type: "text/vtt",
      },
    ],
  });
  const notDue = legacyDocument({ disposition: { action: "delete", after: "2025-02-02" } });
  const keep = legacyDocument({ disposition: { action: "keep", after: "2020-01-01" } });
  const oldWithout = legacyDocument({ start_time: "2024-12-01T10:00:00Z" });
  const recentWithout = legacyDocument({ start_time: "2025-01-25T10:00:00Z" });
  const keysOf = new Map<string, string[]>();
  for (const document of [due, dueToday, notDue, keep, oldWithout, recentWithout]) {
    keysOf.set(document.recording_id, await storeRecording(archive, document));
  }
  return { due, dueToday, notDue, keep, oldWithout, recentWithout, keysOf };
}

const todayKey = (layout: Layout) => `${layout.dueToday.recording_id}/timeline.vtt`;

describe("purgeOld", () => {
  it("reports the due recordings in a dry run and changes nothing", async () => {
    const layout = await layOut();
    const keysBefore = await archive.keys();

    const report = await purgeOld(
      { backends: archive.backends, config: configWith(null) },
      { asOf, execute: false },
    );

    expect(report.asOf).toBe("2025-02-01");
    expect(report.executed).toBe(false);
    expect(report.scanned).toBe(6);
    const ids = report.candidates.map((c) => c.recording_id).sort();
    expect(ids).toEqual([layout.due.recording_id, layout.dueToday.recording_id].sort());
    const due = report.candidates.find((c) => c.recording_id === layout.due.recording_id);
    expect(due).toMatchObject({
      recording_path: layout.due.recording_path,
      meeting_topic: layout.due.meeting_topic,
      bytes: LEGACY_BYTES,
      reason: "disposition",
      detail: "disposition: delete after 2025-01-15",
      deleted: false,
    });
    const measured = report.candidates.find((c) => c.recording_id === layout.dueToday.recording_id);
    expect(measured?.bytes).toBe(`content of ${todayKey(layout)}`.length);
    expect(report.bytes).toBe(LEGACY_BYTES + (measured?.bytes ?? 0));

    expect(await archive.keys()).toEqual(keysBefore);
    expect(await archive.backends.index.list()).toHaveLength(6);
    expect(await archive.outbox()).toEqual([]);
  });

  it("deletes only what is due: every object, the row, one deleted message each", async () => {
    const layout = await layOut();
    const config = configWith(null);
    await purgeOld({ backends: archive.backends, config }, { asOf, execute: false });

    const report = await purgeOld({ backends: archive.backends, config }, { asOf, execute: true });

    expect(report).toMatchObject({ executed: true, deleted: 2, failed: 0 });
    for (const candidate of report.candidates) {
      const objects = layout.keysOf.get(candidate.recording_id)?.length;
      expect(candidate).toMatchObject({ deleted: true, objects });
    }
    const gone = [layout.due, layout.dueToday];
    const kept = [layout.notDue, layout.keep, layout.oldWithout, layout.recentWithout];
    const expectedKeys = kept.flatMap((document) => layout.keysOf.get(document.recording_id) ?? []).sort();
    expect(await archive.keys()).toEqual(expectedKeys);
    for (const document of gone)
      expect(await archive.backends.index.get(document.recording_id)).toBeUndefined();
    for (const document of kept)
      expect(await archive.backends.index.get(document.recording_id)).toEqual(document);
    const messages = await archive.outbox();
    expect(messages.map((m) => [m.event, m.recording_id]).sort()).toEqual(
      gone.map((d) => ["deleted", d.recording_id]).sort(),
    );
    expect(messages.find((m) => m.recording_id === layout.due.recording_id)?.document).toEqual(layout.due);

    const again = await purgeOld({ backends: archive.backends, config }, { asOf, execute: true });
    expect(again.candidates).toEqual([]);
    expect(await archive.outbox()).toHaveLength(2);
  });

  it("with purge.olderThanDays, also deletes old recordings without a disposition, never a kept one", async () => {
    const layout = await layOut();
    const config = configWith(30);

    const preview = await purgeOld({ backends: archive.backends, config }, { asOf, execute: false });
    const retention = preview.candidates.filter((c) => c.reason === "retention");
    expect(retention.map((c) => c.recording_id)).toEqual([layout.oldWithout.recording_id]);
    expect(retention[0]?.detail).toBe(
      "retention: started 2024-12-01, more than 30 days before 2025-02-01 (purge.olderThanDays)",
    );
    expect(preview.candidates).toHaveLength(3);
    expect(await archive.outbox()).toEqual([]);

    const report = await purgeOld({ backends: archive.backends, config }, { asOf, execute: true });
    expect(report.deleted).toBe(3);
    const left = (await archive.backends.index.list()).map((d) => d.recording_id).sort();
    expect(left).toEqual(
      [layout.notDue, layout.keep, layout.recentWithout].map((d) => d.recording_id).sort(),
    );
  });

  it("counts days strictly: exactly olderThanDays old is not yet due", async () => {
    const exactly = legacyDocument({ start_time: "2025-01-02T23:59:00Z" });
    const dayMore = legacyDocument({ start_time: "2025-01-01T00:00:00Z" });
    await storeRecording(archive, exactly);
    await storeRecording(archive, dayMore);
    const report = await purgeOld(
      { backends: archive.backends, config: configWith(30) },
      { asOf, execute: false },
    );
    expect(report.candidates.map((c) => c.recording_id)).toEqual([dayMore.recording_id]);
  });

  it("finishes a purge that was interrupted after some objects were deleted", async () => {
    const layout = await layOut();
    const id = layout.due.recording_id;
    await archive.backends.store.delete(`${id}/audio_only.m4a`);
    await archive.backends.store.delete(`${id}/recording.json`);
    await archive.backends.store.delete(`${id}/meeting.json`);

    const report = await purgeOld(
      { backends: archive.backends, config: configWith(null) },
      { asOf, execute: true },
    );

    expect(report.candidates.find((c) => c.recording_id === id)).toMatchObject({ deleted: true, objects: 4 });
    expect((await archive.keys()).filter((key) => key.startsWith(`${id}/`))).toEqual([]);
  });

  it("reports a recording whose objects cannot be deleted, keeps its document, row and silence", async () => {
    const layout = await layOut();
    const failing = `${layout.due.recording_id}/meeting.json`;
    const store = archive.backends.store;
    const backends = {
      ...archive.backends,
      store: Object.assign(Object.create(store), {
        delete: async (key: string) => {
          if (key === failing) throw new Error(`disk says no to ${key}`);
          await store.delete(key);
        },
      }),
    };

    const report = await purgeOld({ backends, config: configWith(null) }, { asOf, execute: true });

    expect(report).toMatchObject({ deleted: 1, failed: 1 });
    expect(report.candidates.find((c) => c.recording_id === layout.due.recording_id)).toMatchObject({
      deleted: false,
      error: `disk says no to ${failing}`,
    });
    expect(await store.head(`${layout.due.recording_id}/recording_document.json`)).toBeDefined();
    expect(await archive.backends.index.get(layout.due.recording_id)).toEqual(layout.due);
    expect((await archive.outbox()).map((m) => m.recording_id)).toEqual([layout.dueToday.recording_id]);
  });
});

describe("purge.olderThanDays configuration", () => {
  it("defaults to null (off)", () => {
    expect(loadConfig({}, { env: {} }).purge).toEqual({ olderThanDays: null });
  });

  it.each([0, -3, 2.5, "30", true])("refuses %j, naming the key", (value) => {
    const error = (() => {
      try {
        return loadConfig({ purge: { olderThanDays: value } }, { env: {}, source: "zrec.config.json" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe("purge.olderThanDays");
    expect((error as Error).message).toContain(
      "purge.olderThanDays must be a whole number of days, 1 or more",
    );
  });
});
