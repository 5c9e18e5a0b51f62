/**
 * The folder store on a disk that fills up, and on one that is read-only: a tmpfs of 2 MiB, or one
 * mounted read-only, so the errors are the real ENOSPC and EROFS (chmod would not stop root, which the
 * suite runs as). A copy bigger than the disk, single put or multipart, must fail with one sentence
 * naming the folder and the key, leave nothing at the key and no temporary file, and leave the disk as
 * empty as it was. The SQLite index and the outbox, on a read-only disk, must say EROFS too. Needs `mount` (root, as in CI); elsewhere these cases do not run, and say so.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Figures } from "@zrec/test-utils/faults/figures";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createFsStore, FS_TEMP_DIR } from "../../src/adapters/fs-store.js";
import { createOutboxNotifier } from "../../src/adapters/outbox-notifier.js";
import { createSqliteIndex } from "../../src/adapters/sqlite-index.js";
import { TransferError } from "../../src/errors.js";
import type { RecordingDocument } from "../../src/recording/document.js";
import { copyInto, KEY, PART } from "./copy-into.js";

const MiB = 1024 * 1024;
const figures = new Figures("disk-faults");
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await figures.write();
});

/** A fresh tmpfs of `size` bytes, read-only when asked; unmounted after the test. */
async function mountDisk(size: number, readOnly: boolean): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "zrec-disk-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}${readOnly ? ",ro" : ""}`, "tmpfs", dir]);
  cleanups.push(async () => {
    execFileSync("umount", [dir]);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

const canMount = await (async () => {
  try {
    await mountDisk(MiB, false);
    return true;
  } catch {
    return false;
  } finally {
    for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => {});
  }
})();

function legacyDocument(): RecordingDocument {
  return {
    recording_id: KEY.split("/")[0] as string,
    recording_path: "other/disk-trouble/2025-03-04T10:00",
    meeting_uuid: "CnIDrQSsRdi9bWp3jyJsZQ==",
    parent_meeting_uuid: "CnIDrQSsRdi9bWp3jyJsZQ==",
    meeting_id: 81234567890,
    meeting_topic: "Disk trouble",
    password: "",
    host_id: "host-1",
    organization: "other",
    start_time: "2025-03-04T15:00:00Z",
    end_time: "2025-03-04T15:30:00Z",
    files: [],
  };
}

/** The copy's error, or undefined when it stored the file. */
async function copyOnto(root: string, size: number): Promise<unknown> {
  const { outcome } = await copyInto(createFsStore({ root }), size, cleanups);
  return outcome.ok ? undefined : outcome.error;
}

/** Every file on the disk but empty folders (the store may make `.zrec-tmp` and the key's folder). */
async function filesOn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

describe.runIf(canMount)("the folder store on a full or read-only disk (tmpfs; needs root)", () => {
  const cases = [
    { disk: "a full disk", readOnly: false, code: "ENOSPC" },
    { disk: "a read-only disk", readOnly: true, code: "EROFS" },
  ];
  for (const { disk, readOnly, code } of cases) {
    for (const size of [3 * MiB, 12 * MiB + 5]) {
      it(`${disk}: a ${size > PART ? "multipart" : "single-put"} copy of ${size} bytes fails cleanly (${code})`, async () => {
        const root = await mountDisk(2 * MiB, readOnly);
        const error = await copyOnto(root, size);
        figures.add("cases");
        expect(error).toBeInstanceOf(TransferError);
        const failed = error as TransferError;
        expect(failed.code).toBe("STORE_FAILED");
        expect(failed.message).toContain(`folder ${root}`);
        expect(failed.message).toContain(KEY);
        expect(failed.message, failed.message).toContain(code);
        expect(failed.message.split("\n")).toHaveLength(1);
        // Nothing at the key, no temporary file: the disk holds what it held, nothing.
        expect(await filesOn(root)).toEqual([]);
        expect(await createFsStore({ root }).head(KEY)).toBeUndefined();
        figures.add("failedCleanly");
        figures.addKind("errors", code);
      });
    }
  }

  it("the index and the outbox on a read-only disk say EROFS, naming their file", async () => {
    const root = await mountDisk(MiB, true);
    const indexPath = path.join(root, "zrec-data", "index.db");
    expect(() => createSqliteIndex({ path: indexPath })).toThrow(
      new RegExp(`^SQLite ${indexPath}: opening the index failed: EROFS`),
    );
    const outboxPath = path.join(root, "zrec-data", "outbox.jsonl");
    const outbox = createOutboxNotifier({ path: outboxPath });
    await expect(outbox.send({ event: "ingested", document: legacyDocument() })).rejects.toThrow(
      new RegExp(`^outbox ${outboxPath}: appending ingested of recording .* failed: EROFS`),
    );
    figures.add("cases", 2);
    figures.add("failedCleanly", 2);
    figures.addKind("errors", "EROFS", 2);
  });

  it("a copy that fits a nearly full disk is stored whole, temporary files included", async () => {
    const root = await mountDisk(8 * MiB, false);
    expect(await copyOnto(root, 6 * MiB)).toBeUndefined();
    expect(await filesOn(root)).toEqual([path.basename(KEY)]);
    expect((await readdir(path.join(root, FS_TEMP_DIR)).catch(() => [])).length).toBe(0);
  });
});
