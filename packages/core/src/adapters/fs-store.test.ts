import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { describeObjectStore, inTempFolder } from "@zrec/test-utils/conformance";
import { eachFolderStore } from "@zrec/test-utils/fixtures/folder-store";
import { describe, expect, it } from "vitest";
import { BackendError } from "../errors.js";
import type { ObjectStore } from "../ports.js";
import { createFsStore, FS_TEMP_DIR } from "./fs-store.js";

const json = { contentType: "application/json" };

describeObjectStore("folder", () =>
  inTempFolder((folder) => ({
    store: createFsStore({ root: folder }),
    leftovers: () => readdir(path.join(folder, FS_TEMP_DIR)).catch(() => []),
    close: async () => {},
  })),
);

let parent: string;
let root: string;
let store: ObjectStore;
eachFolderStore((made) => {
  ({ parent, root, store } = made);
});

async function listAll(prefix = ""): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys;
}

async function tempFiles(): Promise<string[]> {
  return readdir(path.join(root, FS_TEMP_DIR)).catch(() => []);
}

describe("createFsStore", () => {
  it("records file: URLs, heads without an ETag, and removes a folder its last object leaves", async () => {
    const stored = await store.put("0a72/recording.json", '{"a":1}', json);
    expect(stored.url).toBe(pathToFileURL(path.join(root, "0a72", "recording.json")).href);
    expect(store.description).toBe(`folder ${root}`);
    expect(await store.head("0a72/recording.json")).toEqual({ key: "0a72/recording.json", size: 7 });
    await store.delete("0a72/recording.json");
    // The emptied folder goes too, as S3 has no folders to leave behind.
    expect(await readdir(root)).toEqual([FS_TEMP_DIR]);
    expect(await tempFiles()).toEqual([]);
  });

  it("lists nothing (and creates nothing) for a root that does not exist yet", async () => {
    expect(await listAll()).toEqual([]);
    expect(await readdir(parent)).toEqual([]);
  });

  it("refuses an absolute path outside the root and its own temporary folder as keys, writing nothing", async () => {
    for (const key of [path.join(parent, "outside.txt"), FS_TEMP_DIR]) {
      await expect(store.put(key, "x", json), JSON.stringify(key)).rejects.toThrow(BackendError);
      await expect(store.putStream(key, Readable.from(["x"]), json)).rejects.toThrow(/refusing key/);
      await expect(store.createMultipartUpload(key, { ...json, partSize: 1, size: 1 })).rejects.toThrow(
        BackendError,
      );
      await expect(store.get(key)).rejects.toThrow(BackendError);
      await expect(store.delete(key)).rejects.toThrow(BackendError);
      expect(() => store.urlFor(key)).toThrow(BackendError);
    }
    expect(await readdir(parent)).toEqual([]);
  });

  it("reports a failing folder as a BackendError naming the backend and the key", async () => {
    const file = path.join(parent, "not-a-folder");
    await writeFile(file, "I am a file");
    const broken = createFsStore({ root: file });
    const error = await broken.put("0a72/audio_only.m4a", "x", json).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: "STORE_FAILED" });
    expect((error as Error).message).toMatch(
      new RegExp(`^folder ${file}: writing 0a72/audio_only.m4a failed: ENOTDIR`),
    );
    await expect(broken.putStream("k", Readable.from(["x"]), json)).rejects.toThrow(/writing k failed/);
    await expect(broken.createMultipartUpload("k", { ...json, partSize: 1, size: 1 })).rejects.toThrow(
      /starting the upload of k failed/,
    );
    await expect(readFile(file, "utf8")).resolves.toBe("I am a file");
  });

  it("keeps the root as given in its description", () => {
    expect(createFsStore({ root: "./zrec-data" }).description).toBe("folder ./zrec-data");
  });
});

describe("createFsStore: temporary files of killed processes", () => {
  it("removes this host's orphans (their process is gone) at its first write, and nothing else", async () => {
    const host = hostname().replace(/[^A-Za-z0-9-]/g, "_") || "host";
    // A pid that surely ran and ended: a child that has exited.
    const child = spawn(process.execPath, ["-e", ""]);
    const dead = await new Promise<number>((resolve) => child.on("exit", () => resolve(child.pid ?? 0)));
    const temp = path.join(root, FS_TEMP_DIR);
    await mkdir(temp, { recursive: true });
    const orphan = `${host}.${dead}.${randomUUID()}.part`;
    const kept = [
      `${host}.${process.pid}.${randomUUID()}.part`, // a write in progress in this very process
      `other-host.${dead}.${randomUUID()}.part`, // another machine's, on a shared folder
      `${randomUUID()}.part`, // a name of some other shape
    ];
    for (const name of [orphan, ...kept]) await writeFile(path.join(temp, name), "partial");
    await store.put("0a72/recording.json", "{}", json);
    expect((await tempFiles()).sort()).toEqual([...kept].sort());
  });
});
