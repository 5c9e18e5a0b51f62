/**
 * `zrec purge-old` end to end on both backends: recordings due for deletion, not yet due, and without
 * a disposition. The listing comes first and changes nothing; `--yes` deletes only what is due.
 */
import type { RecordingDocument } from "@zrec/core";
import {
  type ArchiveWorkspace,
  backendKinds,
  legacyDocument,
  makeArchiveWorkspace,
  putLegacyRecording,
  startBackends,
  type TestBackends,
} from "@zrec/test-utils/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const AS_OF = "2025-02-01";

describe.each(backendKinds)("zrec purge-old (%s)", (kind) => {
  let backends: TestBackends;
  let ws: ArchiveWorkspace;
  const due = legacyDocument({
    meeting_topic: "OLF Board meeting",
    disposition: { action: "delete", after: "2025-01-31" },
  });
  const notDue = legacyDocument({
    meeting_topic: "FOLIO weekly",
    disposition: { action: "delete", after: "2025-06-30" },
  });
  const kept = legacyDocument({ meeting_topic: "ReShare retrospective" });
  const keysOf = new Map<string, string[]>();

  beforeAll(async () => {
    backends = await startBackends(kind);
    ws = await makeArchiveWorkspace(backends);
    await ws.archive(async (archive) => {
      for (const document of [due, notDue, kept]) {
        keysOf.set(document.recording_id, await putLegacyRecording(archive, document, { index: true }));
      }
    });
  });

  afterAll(async () => {
    await Promise.all([backends?.close(), ws?.remove()]);
  });

  const rows = () => ws.archive(async ({ index }) => (await index.list()).map((d) => d.recording_id).sort());
  const idsOf = (...documents: RecordingDocument[]) => documents.map((d) => d.recording_id).sort();
  const allKeys = () => [...keysOf.values()].flat().sort();

  it("without --yes lists only the due recording, deletes nothing and says how to delete", async () => {
    const run = await ws.zrec("purge-old", "--as-of", AS_OF);

    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const table = run.stdout.split("\n\n")[0]?.split("\n") ?? [];
    expect(table).toHaveLength(2);
    expect(table[0]).toMatch(/^recording_id +recording_path +topic +size +why$/);
    expect(table[1]).toContain(due.recording_id);
    expect(table[1]).toContain(due.recording_path);
    expect(table[1]).toContain("OLF Board meeting");
    expect(table[1]).toContain("4.7 MiB"); // the two files' zoom_file_size
    expect(table[1]).toContain("disposition: delete after 2025-01-31");
    expect(run.stdout).toContain("Nothing was deleted.");
    expect(run.stdout).toContain(`zrec purge-old --yes --as-of ${AS_OF}`);

    const json = await ws.zrec("purge-old", "--dry-run", "--as-of", AS_OF, "--json");
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ asOf: AS_OF, executed: false, scanned: 3, deleted: 0, failed: 0 });
    expect(report.candidates).toEqual([
      expect.objectContaining({ recording_id: due.recording_id, bytes: 2183386 + 2769300, deleted: false }),
    ]);

    expect(await ws.keys()).toEqual(allKeys());
    expect(await rows()).toEqual(idsOf(due, notDue, kept));
    expect(await ws.outbox()).toEqual([]);
  });

  it("refuses --dry-run with --yes as a usage error, and a bad --as-of, with exit 2", async () => {
    const both = await ws.zrec("purge-old", "--dry-run", "--yes");
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--dry-run.*cannot be used with.*--yes/);
    const badDate = await ws.zrec("purge-old", "--as-of", "01/02/2025");
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toMatch(/^zrec: --as-of "01\/02\/2025" is not a date/);
    expect(await ws.keys()).toEqual(allKeys());
  });

  it("with --yes deletes every object of the due recording and its row, and sends one `deleted`", async () => {
    const run = await ws.zrec("purge-old", "--yes", "--as-of", AS_OF, "--json");

    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const objects = keysOf.get(due.recording_id)?.length;
    expect(JSON.parse(run.stdout)).toMatchObject({
      executed: true,
      deleted: 1,
      failed: 0,
      candidates: [{ recording_id: due.recording_id, deleted: true, objects }],
    });
    const left = [notDue, kept].flatMap((d) => keysOf.get(d.recording_id) ?? []).sort();
    expect(await ws.keys()).toEqual(left);
    expect(await rows()).toEqual(idsOf(notDue, kept));
    const messages = await ws.outbox();
    expect(messages.map((m) => [m.event, m.recording_id])).toEqual([["deleted", due.recording_id]]);

    const again = await ws.zrec("purge-old", "--yes", "--as-of", AS_OF);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Nothing is due for deletion as of 2025-02-01 \(2 recordings looked at\)/);
    expect(await ws.outbox()).toHaveLength(1);
  });
});
