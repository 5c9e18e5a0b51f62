/**
 * `zrec reindex` end to end on both backends, as the operator's round trip goes: `zrec get --output`,
 * edit the file, `zrec reindex` it.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RecordingDocument } from "@zrec/core";
import {
  type ArchiveWorkspace,
  backendKinds,
  legacyDocument,
  makeArchiveWorkspace,
  putLegacyRecording,
  readObject,
  startBackends,
  type TestBackends,
} from "@zrec/test-utils/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe.each(backendKinds)("zrec reindex (%s)", (kind) => {
  let backends: TestBackends;
  let ws: ArchiveWorkspace;
  const original = legacyDocument();
  const id = original.recording_id;
  const documentKey = `${id}/recording_document.json`;

  beforeAll(async () => {
    backends = await startBackends(kind);
    ws = await makeArchiveWorkspace(backends);
    await ws.archive((archive) => putLegacyRecording(archive, original, { index: true }));
  });

  afterAll(async () => {
    await Promise.all([backends?.close(), ws?.remove()]);
  });

  /** What the archive holds for the recording: the stored document and the index row. */
  const stored = () =>
    ws.archive(async (archive) => ({
      document: JSON.parse((await readObject(archive, documentKey)) ?? "null") as RecordingDocument,
      row: await archive.index.get(id),
    }));

  async function fetchForEditing(file: string): Promise<RecordingDocument> {
    const got = await ws.zrec("get", id, "--output", file, "--force");
    expect(got.code, got.stderr).toBe(0);
    return JSON.parse(await readFile(join(ws.dir, file), "utf8")) as RecordingDocument;
  }

  it("writes an edited document to the store and the index and sends one `reindexed` message", async () => {
    const document = await fetchForEditing("doc.json");
    expect(document).toEqual(original);
    const edited = {
      ...document,
      meeting_topic: "OLF Board meeting (renamed)",
      disposition: { action: "delete", after: "2026-01-31" },
    };
    await writeFile(join(ws.dir, "doc.json"), JSON.stringify(edited, null, 2));

    const run = await ws.zrec("reindex", "doc.json");

    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Reindexed recording ${id}`);
    expect(run.stdout).toContain(documentKey);
    expect(run.stdout).toMatch(/notified +yes/);
    expect(await stored()).toEqual({ document: edited, row: edited });
    const messages = await ws.outbox();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ event: "reindexed", recording_id: id, document: edited });
  });

  it("with --no-notify updates the store and the index and sends nothing", async () => {
    const document = await fetchForEditing("doc.json");
    const edited = { ...document, meeting_topic: "Quietly renamed" };
    await writeFile(join(ws.dir, "doc.json"), JSON.stringify(edited));

    const run = await ws.zrec("reindex", "doc.json", "--no-notify", "--json");

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      recording_id: id,
      document_key: documentKey,
      notified: false,
      recording_path: original.recording_path,
    });
    expect(await stored()).toEqual({ document: edited, row: edited });
    expect(await ws.outbox()).toHaveLength(1);
  });

  it("refuses a document missing a field with exit 2, naming file and field, and writes nothing", async () => {
    const before = await stored();
    const { meeting_topic: _topic, ...broken } = { ...before.document, recording_path: "changed/path" };
    await writeFile(join(ws.dir, "broken.json"), JSON.stringify(broken));

    const run = await ws.zrec("reindex", "broken.json");

    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/broken\.json/);
    expect(run.stderr).toMatch(/"meeting_topic" is missing/);
    expect(await stored()).toEqual(before);
    expect(await ws.outbox()).toHaveLength(1);
  });

  it("refuses a missing file, a file that is not JSON and an unknown recording with exit 2", async () => {
    const missing = await ws.zrec("reindex", "nope.json");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^zrec: nope\.json does not exist\.\n$/);

    await writeFile(join(ws.dir, "half.json"), '{"recording_id": "');
    const notJson = await ws.zrec("reindex", "half.json", "--json");
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/^zrec: half\.json is not JSON/);
    expect(JSON.parse(notJson.stdout).error.code).toBe("INPUT_INVALID");

    const stranger = legacyDocument();
    await writeFile(join(ws.dir, "stranger.json"), JSON.stringify(stranger));
    const unknown = await ws.zrec("reindex", "stranger.json");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(stranger.recording_id);
    expect(await ws.keys()).not.toContain(`${stranger.recording_id}/recording_document.json`);
    expect(await ws.outbox()).toHaveLength(1);
  });
});
