/**
 * Resuming a copy on both real stores (a folder, S3 on s3rver): an earlier run stored some parts and
 * died without completing or aborting (what kill -9 leaves), and the next copy of the same file fetches
 * only the parts still missing. The CLI's kill -9 runs are in packages/cli/test/faults/resume.e2e.test.ts.
 */
import { mkdir, mkdtemp, open, readdir, rename, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createFsStore, FS_RESUME_DIR, FS_TEMP_DIR } from "../adapters/fs-store.js";
import {
  type Backend,
  backends,
  copy,
  folders,
  interruptedCopy,
  KEY,
  PART,
  PARTS,
  RESUME_ID,
  resumeFixtures,
  SIZE,
  server,
  storedBytes,
  versioned,
} from "./resume.test-support.js";

resumeFixtures();

describe.each(Object.keys(backends))("a resumed copy on the %s store", (name) => {
  it("fetches only the missing parts and stores the same bytes with the whole file's SHA-256", async () => {
    const backend = await (backends[name] as () => Promise<Backend>)();
    await interruptedCopy(backend.store, [1, 2, 4]);
    expect(await backend.leftovers()).toHaveLength(name === "s3" ? 2 : 1);

    const { result, fetchedParts } = await copy(backend.store);
    // Part 1 is asked for first whatever the checkpoint says: that request learns the size.
    expect(fetchedParts.sort()).toEqual([1, 3, 5]);
    expect(result).toMatchObject({ size: SIZE, sha256: server.sha256, parts: PARTS, resumedBytes: 3 * PART });
    expect(server.content.equals(await storedBytes(backend.store))).toBe(true);
    expect(await backend.leftovers()).toEqual([]);
  });

  it("starts over when the source's size (its resume id) changed", async () => {
    const backend = await (backends[name] as () => Promise<Backend>)();
    await interruptedCopy(backend.store, [1, 2, 3], `file-1:${SIZE - 1}`);
    const { result, fetchedParts } = await copy(backend.store);
    expect(fetchedParts.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(result).toMatchObject({ sha256: server.sha256, resumedBytes: 0 });
    expect(server.content.equals(await storedBytes(backend.store))).toBe(true);
    expect(await backend.leftovers()).toEqual([]);
  });

  it("goes on with parts of the same version of the source, starts over on another of the same size", async () => {
    const same = await (backends[name] as () => Promise<Backend>)();
    await interruptedCopy(same.store, [2, 3], `${RESUME_ID} etag "v1"`);
    const resumed = await copy(same.store, RESUME_ID, versioned("v1"));
    expect(resumed.fetchedParts.sort()).toEqual([1, 4, 5]);

    const replaced = await (backends[name] as () => Promise<Backend>)();
    await interruptedCopy(replaced.store, [2, 3], `${RESUME_ID} etag "v1"`);
    const { result, fetchedParts } = await copy(replaced.store, RESUME_ID, versioned("v2"));
    expect(fetchedParts.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(result).toMatchObject({ sha256: server.sha256, resumedBytes: 0 });
    expect(await replaced.leftovers()).toEqual([]);
  });

  it("starts over when a stored part changed or the upload is gone", async () => {
    const backend = await (backends[name] as () => Promise<Backend>)();
    await interruptedCopy(backend.store, [1, 2, 3]);
    await backend.spoil();
    const { result, fetchedParts } = await copy(backend.store);
    expect(fetchedParts.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(result).toMatchObject({ sha256: server.sha256, resumedBytes: 0 });
    expect(server.content.equals(await storedBytes(backend.store))).toBe(true);
    expect(await backend.leftovers()).toEqual([]);
  });
});

describe("part folders that no run came back to", () => {
  it("are removed by a store's first write once older than abandonedAfterDays; recent ones are kept", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "zrec-abandoned-"));
    folders.push(root);
    const parts = path.join(root, FS_TEMP_DIR, FS_RESUME_DIR);
    await interruptedCopy(createFsStore({ root }), [1]);
    const [old] = await readdir(parts);
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 60 * 60 * 1000);
    await utimes(path.join(parts, old as string), eightDaysAgo, eightDaysAgo);
    const other = KEY.replace("shared_screen", "audio_only");
    const recent = await createFsStore({ root }).createMultipartUpload(other, {
      contentType: "audio/m4a",
      partSize: PART,
      size: SIZE,
      resumeId: "file-2:1",
    });
    await recent.uploadPart({ partNumber: 1, offset: 0, body: server.content.subarray(0, PART) });

    await createFsStore({ root, abandonedAfterDays: 7 }).put("x/y.json", "{}", {
      contentType: "application/json",
    });
    const left = await readdir(parts);
    expect(left).not.toContain(old);
    expect(left).toHaveLength(1);
  });
});

describe("a folder-store copy killed after its file was moved into place, before its part folder went", () => {
  /** Every part stored and the file renamed to the key, as a kill between rename and clean-up leaves it. */
  async function movedButNotCleanedUp() {
    const root = await mkdtemp(path.join(tmpdir(), "zrec-resume-"));
    folders.push(root);
    const store = createFsStore({ root });
    await interruptedCopy(store, [1, 2, 3, 4, 5]);
    const parts = path.join(root, FS_TEMP_DIR, FS_RESUME_DIR);
    const [folder] = await readdir(parts);
    await mkdir(path.dirname(path.join(root, KEY)), { recursive: true });
    await rename(path.join(parts, folder as string, "data"), path.join(root, KEY));
    return { root, store, parts };
  }

  it("completes from that file: fetches part 1 alone, same bytes and SHA-256, no part folder left", async () => {
    const { store, parts } = await movedButNotCleanedUp();
    const { result, fetchedParts } = await copy(store);
    expect(fetchedParts).toEqual([1]);
    expect(result).toMatchObject({ size: SIZE, sha256: server.sha256, resumedBytes: SIZE });
    expect(server.content.equals(await storedBytes(store))).toBe(true);
    expect(await readdir(parts).catch(() => [])).toEqual([]);
  });

  it("starts over when the file at the key is not made of the checkpoint's parts", async () => {
    const { root, store } = await movedButNotCleanedUp();
    const handle = await open(path.join(root, KEY), "r+");
    await handle.write(Buffer.from("changed since"), 0, 13, 3 * PART + 7);
    await handle.close();
    const { result, fetchedParts } = await copy(store);
    expect(fetchedParts.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(result).toMatchObject({ sha256: server.sha256, resumedBytes: 0 });
    expect(server.content.equals(await storedBytes(store))).toBe(true);
  });
});
