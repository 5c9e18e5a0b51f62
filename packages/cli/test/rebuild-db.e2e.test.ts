/**
 * `zrec rebuild-db` end to end on both backends: a folder or bucket as the older system left it (no
 * index, documents without zrec's optional fields), two of them broken.
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { RecordingDocument } from "@zrec/core";
import {
  type ArchiveWorkspace,
  backendKinds,
  legacyDocument,
  makeArchiveWorkspace,
  newMeetingUuid,
  putLegacyRecording,
  startBackends,
  type TestBackends,
} from "@zrec/test-utils/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe.each(backendKinds)("zrec rebuild-db (%s)", (kind) => {
  let backends: TestBackends;
  let ws: ArchiveWorkspace;
  let good: RecordingDocument[];
  let notJson: string;
  let noTopic: string;
  let untitled: Omit<RecordingDocument, "meeting_topic">;

  beforeAll(async () => {
    backends = await startBackends(kind);
    ws = await makeArchiveWorkspace(backends);
    good = Array.from({ length: 12 }, (_, i) =>
      legacyDocument({
        meeting_topic: `FOLIO Sys Ops & Management SIG ${i}`,
        organization: "FOLIO",
        recording_path: `folio/sys-ops-management-sig-${i}/2023-05-${10 + i}T11:00`,
        start_time: `2023-05-${10 + i}T15:00:00Z`,
      }),
    );
    const { meeting_topic: _topic, ...withoutTopic } = legacyDocument();
    untitled = withoutTopic;
    notJson = `${newMeetingUuid().recordingId}/recording_document.json`;
    noTopic = `${untitled.recording_id}/recording_document.json`;
    await ws.archive(async (archive) => {
      for (const document of good) await putLegacyRecording(archive, document);
      const json = { contentType: "application/json" };
      // A write the old system's crash cut short; it holds a password that must not be echoed.
      await archive.store.put(notJson, '{"recording_id": "x", "password": "hunter2', json);
      await archive.store.put(noTopic, JSON.stringify(untitled, null, 4), json);
    });
  });

  afterAll(async () => {
    await Promise.all([backends?.close(), ws?.remove()]);
  });

  const indexed = () => ws.archive(({ index }) => index.list());

  it("--dry-run checks every document, names the bad ones and writes nothing", async () => {
    const run = await ws.zrec("rebuild-db", "--dry-run", "--json");
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: true, scanned: 14, indexed: 12 });
    expect(run.stderr).toContain(notJson);
    expect(run.stderr).toContain(noTopic);
    expect(await indexed()).toEqual([]);
    expect(await ws.outbox()).toEqual([]);
  });

  it("indexes every good document, names the two bad ones on stderr and exits 1", async () => {
    const run = await ws.zrec("rebuild-db");

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Indexed 12 recording documents .*\(14 read, 2 bad/);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines).toContain(`zrec: ${notJson} is not valid JSON.`);
    expect(lines.find((line) => line.includes(noTopic))).toMatch(/"meeting_topic" is missing/);
    expect(lines[2]).toMatch(
      /^zrec: 2 of 14 recording documents are bad .* the 12 good ones were indexed\.$/,
    );
    expect(run.stderr).not.toContain("hunter2");

    const rows = await indexed();
    expect(rows).toHaveLength(12);
    await ws.archive(async ({ index }) => {
      for (const document of good) expect(await index.get(document.recording_id)).toEqual(document);
    });
    const listed = await ws.zrec("list", "--organization", "FOLIO", "--json");
    expect(JSON.parse(listed.stdout)).toHaveLength(12);
    expect(await ws.outbox()).toEqual([]);
  });

  it("exits 0 with --json once the bad documents are fixed, and a re-run adds no duplicate", async () => {
    await ws.archive(async ({ store }) => {
      await store.delete(notJson);
      const fixed = { ...untitled, meeting_topic: "Found again" };
      await store.put(noTopic, JSON.stringify(fixed), { contentType: "application/json" });
    });

    const run = await ws.zrec("rebuild-db", "--json");

    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: false, scanned: 13, indexed: 13, bad: [] });
    expect(await indexed()).toHaveLength(13);
  });

  // The embedded index is built in a new file when none exists, and linked into place at the end.
  it.runIf(kind === "embedded")("rebuilds a lost SQLite index and leaves no file but the index", async () => {
    const data = join(ws.dir, "zrec-data");
    const indexFiles = async () => (await readdir(data)).filter((name) => name.startsWith("index.db"));
    for (const name of await indexFiles()) await rm(join(data, name));

    const run = await ws.zrec("rebuild-db", "--json");

    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toMatchObject({ scanned: 13, indexed: 13, bad: [] });
    expect(await indexFiles()).toEqual(["index.db"]);
    const listed = await ws.zrec("list", "--organization", "FOLIO", "--json");
    expect(JSON.parse(listed.stdout)).toHaveLength(12);
  });
});
