import { eachTestArchive, legacyDocument, storeRecording } from "@zrec/test-utils/fixtures/tasks";
import { describe, expect, it } from "vitest";
import { DocumentError, NotFoundError } from "../errors.js";
import { reindex } from "./reindex.js";

const archive = eachTestArchive();

const readStored = async (key: string) => {
  const bytes = await archive.backends.store.get(key);
  return bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8");
};

describe("reindex", () => {
  it("writes an edited document to the store and the index, and notifies once", async () => {
    const original = legacyDocument();
    await storeRecording(archive, original);
    const edited = {
      ...original,
      meeting_topic: "OLF Board meeting",
      disposition: { action: "delete", after: "2026-01-31" },
    };

    const result = await reindex(JSON.parse(JSON.stringify(edited)), archive, { source: "edited.json" });

    const key = `${original.recording_id}/recording_document.json`;
    expect(result).toEqual({ recording_id: original.recording_id, document_key: key, notified: true });
    expect(await readStored(key)).toBe(`${JSON.stringify(edited, null, 2)}\n`);
    expect(await archive.backends.index.get(original.recording_id)).toEqual(edited);
    const messages = await archive.outbox();
    expect(messages.map((m) => [m.event, m.recording_id])).toEqual([["reindexed", original.recording_id]]);
    expect(messages[0]?.document.meeting_topic).toBe("OLF Board meeting");
  });

  it("with notify false, updates store and index and sends nothing", async () => {
    const original = legacyDocument();
    await storeRecording(archive, original);
    const result = await reindex({ ...original, meeting_topic: "Renamed" }, archive, { notify: false });
    expect(result.notified).toBe(false);
    expect((await archive.backends.index.get(original.recording_id))?.meeting_topic).toBe("Renamed");
    expect(await archive.outbox()).toEqual([]);
  });

  it("refuses a document missing a field, naming it, and writes nothing", async () => {
    const original = legacyDocument();
    await storeRecording(archive, original);
    const key = `${original.recording_id}/recording_document.json`;
    const before = await readStored(key);
    const { meeting_topic: _topic, ...broken } = { ...original, recording_path: "changed/path" };

    const error = await reindex(broken, archive, { source: "edited.json" }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DocumentError);
    expect((error as DocumentError).field).toBe("meeting_topic");
    expect((error as DocumentError).message).toContain("edited.json");
    expect((error as DocumentError).message).toContain('"meeting_topic" is missing');
    expect(await readStored(key)).toBe(before);
    expect(await archive.backends.index.get(original.recording_id)).toEqual(original);
    expect(await archive.outbox()).toEqual([]);
  });

  it("refuses a field of the wrong type without echoing its value", async () => {
    const original = legacyDocument();
    await storeRecording(archive, original);
    const error = await reindex({ ...original, password: 12345678 }, archive).catch((e: unknown) => e);
    expect((error as DocumentError).field).toBe("password");
    expect((error as Error).message).not.toContain("12345678");
  });

  it("refuses a misspelt field and a time that is not one, naming them, and writes nothing", async () => {
    const original = legacyDocument();
    await storeRecording(archive, original);
    const edits: [Record<string, unknown>, string, RegExp][] = [
      [{ dispositon: { action: "delete", after: "2026-01-31" } }, "dispositon", /did you mean "disposition"/],
      [{ start_time: "yesterday" }, "start_time", /start_time should be a time/],
      [{ end_time: "2026-13-01T00:00:00Z" }, "end_time", /end_time should be a time/],
    ];
    for (const [edit, field, message] of edits) {
      const error = await reindex({ ...original, ...edit }, archive, { source: "edited.json" }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DocumentError);
      expect(error).toMatchObject({ field, message: expect.stringMatching(message) });
    }
    expect(await archive.backends.index.get(original.recording_id)).toEqual(original);
    expect(await archive.outbox()).toEqual([]);
    // An older document's own extra fields, and an empty time, are still fine.
    await reindex({ ...original, start_time: "", legacy_note: "kept" }, archive);
  });

  it("refuses a recording the archive does not have (an edited recording_id), writing nothing", async () => {
    const document = legacyDocument();
    const error = await reindex(document, archive).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain(document.recording_id);
    expect(await archive.keys()).toEqual([]);
    expect(await archive.outbox()).toEqual([]);
  });

  it("accepts a recording whose document is in the store but not in the index", async () => {
    const document = legacyDocument();
    await storeRecording(archive, document, { index: false });
    await reindex(document, archive);
    expect(await archive.backends.index.get(document.recording_id)).toEqual(document);
  });
});
