/**
 * The `RecordingIndex` contract of core/src/ports.ts as tests, run against every index (SQLite, DynamoDB
 * on dynalite). Schema, batching and error wording stay in each adapter's own tests.
 */
import type { RecordingDocument, RecordingIndex } from "@zrec/core";
import { describe, expect, it } from "vitest";
import { eachTest } from "./each-test.js";

/** One fresh, empty index for one test. */
export interface IndexUnderTest {
  index: RecordingIndex;
  /** Closes the index and removes what the test wrote. */
  close(): Promise<void>;
}

/** Recording `n`: a document with the older system's fields, ids that sort by `n`. */
export function indexedDocument(n: number, overrides: Partial<RecordingDocument> = {}): RecordingDocument {
  return {
    recording_id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    recording_path: `other/meeting-${n}/2024-01-01T10:00`,
    meeting_uuid: `uuid-${n}==`,
    parent_meeting_uuid: `parent-${n}==`,
    meeting_id: 8_000_000_000 + n,
    meeting_topic: `Meeting ${n}`,
    password: "",
    host_id: "host",
    organization: "other",
    start_time: `2024-01-01T${String(n % 24).padStart(2, "0")}:00:00Z`,
    end_time: "2024-01-01T23:59:00Z",
    files: [],
    ...overrides,
  };
}

/**
 * Recording `n` with what an index must carry through: unicode, a disposition, a file with a null
 * Zoom size and a stored size, a field zrec does not know yet, and an undefined one (`left_out`).
 */
export function documentWithEverything(n: number): RecordingDocument {
  return indexedDocument(n, {
    meeting_topic: "Café Über Straße — FOLIO weekly 🎥",
    recording_path: "folio/café-über-straße-weekly/2024-01-01T10:00",
    disposition: { action: "delete", after: "2025-01-31" },
    files: [
      {
        recording_type: "audio_only",
        s3_url: "https://bucket.s3.amazonaws.com/x/audio_only.m4a",
        etag: '"abc"',
        zoom_file_size: null,
        mime_type: "audio/m4a",
        size: 1234,
      },
    ],
    future_field: { nested: [1, 2, 3] },
    left_out: undefined,
  });
}

const doc = indexedDocument;
const numbers = (docs: RecordingDocument[]) => docs.map((d) => Number(d.recording_id.slice(-4)));

/**
 * Runs the contract against indexes made by `make`, one per test.
 * @example
 * describeRecordingIndex("SQLite", async () => {
 *   const index = createSqliteIndex({ path: ":memory:" });
 *   return { index, close: async () => index.close?.() };
 * });
 */
export function describeRecordingIndex(name: string, make: () => Promise<IndexUnderTest>): void {
  describe(`RecordingIndex contract: ${name}`, () => {
    let index: RecordingIndex;

    eachTest(make, (made) => {
      index = made.index;
    });

    it("round-trips a document, unicode and fields it does not know included; an undefined field is left out", async () => {
      const document = documentWithEverything(1);
      await index.put(document);
      const { left_out: _, ...stored } = document;
      expect(await index.get(document.recording_id)).toEqual(stored);
      expect(await index.get("not-there")).toBeUndefined();
    });

    it("keeps one row per recording_id, the last one written", async () => {
      await index.put(doc(1));
      await index.put(doc(1, { meeting_topic: "Renamed" }));
      await index.putMany([doc(1, { meeting_topic: "Renamed again" }), doc(1, { meeting_topic: "Last" })]);
      const all = await index.list();
      expect(all).toHaveLength(1);
      expect(all[0]?.meeting_topic).toBe("Last");
    });

    it("replaceIf writes only over the revision it was given, and says whether it did", async () => {
      const first = doc(1, { ingested_at: "2024-01-01T10:00:00.000Z" });
      expect(await index.replaceIf(first, undefined)).toBe(true);
      // A second writer that also read "no row" lost: nothing of it is written.
      expect(await index.replaceIf(doc(1, { meeting_topic: "Lost" }), undefined)).toBe(false);
      const read = await index.get(first.recording_id);
      expect(read).toEqual(first);

      const second = doc(1, { ingested_at: "2024-01-01T10:00:01.000Z", meeting_topic: "Merged" });
      expect(await index.replaceIf(second, read)).toBe(true);
      // Read before `second` was written: stale, so refused, whatever it carries.
      expect(await index.replaceIf(doc(1, { meeting_topic: "Stale" }), read)).toBe(false);
      const trashed = { ...second, zoom_trashed_at: "2024-01-01T10:00:02.000Z" };
      expect(await index.replaceIf(trashed, second)).toBe(true);
      expect(await index.replaceIf({ ...second, meeting_topic: "Stale too" }, second)).toBe(false);
      expect(await index.get(first.recording_id)).toEqual(trashed);
      // A document of the older system, without ingested_at, is a revision too.
      const legacy = doc(2);
      await index.put(legacy);
      expect(await index.replaceIf(doc(2, { ingested_at: "2024-01-02T00:00:00.000Z" }), legacy)).toBe(true);
    });

    it("writes many documents in one putMany", async () => {
      const documents = Array.from({ length: 120 }, (_, i) => doc(i));
      await index.putMany(documents);
      expect(await index.list()).toHaveLength(120);
      expect(await index.get(documents[119]?.recording_id ?? "")).toEqual(documents[119]);
      await index.putMany([]);
    });

    it("lists newest first, filtered by organization, start time, topic and limit", async () => {
      await index.putMany([
        doc(1, {
          organization: "folio",
          meeting_topic: "FOLIO Sys Ops SIG",
          start_time: "2024-03-01T15:00:00Z",
        }),
        doc(2, {
          organization: "folio",
          meeting_topic: "FOLIO Café planning",
          start_time: "2024-05-01T15:00:00Z",
        }),
        doc(3, { organization: "olf", meeting_topic: "OLF board", start_time: "2024-04-01T15:00:00Z" }),
        doc(4, {
          organization: "other",
          meeting_topic: "100% CAFÉ_talk",
          start_time: "2023-12-31T23:00:00Z",
        }),
      ]);
      expect(numbers(await index.list())).toEqual([2, 3, 1, 4]);
      expect(numbers(await index.list({}))).toEqual([2, 3, 1, 4]);
      expect(numbers(await index.list({ organization: "folio" }))).toEqual([2, 1]);
      expect(numbers(await index.list({ organization: "nobody" }))).toEqual([]);
      expect(numbers(await index.list({ since: "2024-04-01" }))).toEqual([2, 3]);
      expect(numbers(await index.list({ since: "2024-04-01T15:00:00Z" }))).toEqual([2, 3]);
      expect(numbers(await index.list({ topic: "café" }))).toEqual([2, 4]);
      expect(numbers(await index.list({ topic: "sys ops" }))).toEqual([1]);
      // Characters SQL's LIKE would read as patterns are plain text here.
      expect(numbers(await index.list({ topic: "%" }))).toEqual([4]);
      expect(numbers(await index.list({ topic: "_" }))).toEqual([4]);
      expect(numbers(await index.list({ limit: 2 }))).toEqual([2, 3]);
      expect(numbers(await index.list({ limit: 0 }))).toEqual([]);
      expect(
        numbers(await index.list({ organization: "folio", since: "2024-04-01", topic: "CAFÉ", limit: 5 })),
      ).toEqual([2]);
    });

    it("breaks ties of start time by recording_id", async () => {
      const same = "2024-06-01T12:00:00Z";
      await index.putMany([203, 201, 202].map((n) => doc(n, { organization: "folio", start_time: same })));
      expect(numbers(await index.list())).toEqual([201, 202, 203]);
      expect(numbers(await index.list({ organization: "folio", limit: 2 }))).toEqual([201, 202]);
    });

    it("deletes a row, and deleting a missing one is fine", async () => {
      await index.put(doc(1));
      await index.put(doc(2));
      await index.delete(doc(1).recording_id);
      await index.delete(doc(1).recording_id);
      expect(await index.get(doc(1).recording_id)).toBeUndefined();
      expect(numbers(await index.list())).toEqual([2]);
    });

    it("names itself, and closing twice is fine", async () => {
      expect(index.description).toMatch(/\S/);
      await index.close?.();
      await index.close?.();
    });
  });
}
