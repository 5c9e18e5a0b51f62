import { execFileSync } from "node:child_process";
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { eachFolderStore } from "@zrec/test-utils/fixtures/folder-store";
import { describe, expect, it } from "vitest";
import type { ObjectStore, ScannedObject } from "../ports.js";
import { scanFolders } from "../tasks/scan-folders.js";
import { scanFolderObjects } from "./fs-scan.js";
import { FS_TEMP_DIR } from "./fs-store.js";

let parent: string;
let root: string;
let store: ObjectStore;
eachFolderStore((made) => {
  ({ parent, root, store } = made);
});

async function collect(groups: AsyncIterable<ScannedObject[]>): Promise<[string, string][]> {
  const found: [string, string][] = [];
  for await (const group of groups) for (const { key, text } of group) found.push([key, text]);
  return found;
}

async function file(relative: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
  await writeFile(path.join(root, relative), text);
}

describe("the folder store's scanFolders", () => {
  it("yields exactly what a listing and a get per key yield, in the same order", async () => {
    await file("a/doc.json", "a");
    await file("a-c/doc.json", "a-c");
    await file("a/deeper/doc.json", "too deep");
    await file("b/other.json", "not the name");
    await file("doc.json", "not in a folder");
    await file(`${FS_TEMP_DIR}/doc.json`, "unfinished");
    await file("e/doc.json", "");
    // Larger than the first read (64 KiB): read on to the end.
    const large = "x".repeat(200_000);
    await file("g/doc.json", large);
    await mkdir(path.join(root, "d", "doc.json"), { recursive: true });
    // Links are not objects: a listing never showed them, so neither does the scan.
    await symlink(path.join(root, "a"), path.join(root, "linked-folder"));
    await mkdir(path.join(root, "c"));
    await symlink(path.join(root, "a", "doc.json"), path.join(root, "c", "doc.json"));
    await mkdir(path.join(root, "f"));
    await symlink(path.join(parent, "outside.json"), path.join(root, "f", "doc.json"));
    await writeFile(path.join(parent, "outside.json"), "outside the root");

    const expected: [string, string][] = [
      ["a-c/doc.json", "a-c"],
      ["a/doc.json", "a"],
      ["e/doc.json", ""],
      ["g/doc.json", large],
    ];
    expect(await collect(scanFolders(store, "doc.json"))).toEqual(expected);
    // The fallback every other store takes: the same store without its own scan.
    const { scanFolders: _own, ...listAndGet } = store;
    expect(await collect(scanFolders(listAndGet, "doc.json", { concurrency: 2 }))).toEqual(expected);
  });

  it.skipIf(process.platform === "win32")(
    "passes over a FIFO named like the object, without blocking",
    async () => {
      await file("a/doc.json", "a");
      await mkdir(path.join(root, "b"));
      execFileSync("mkfifo", [path.join(root, "b", "doc.json")]);
      await file("c/doc.json", "");
      expect(await collect(scanFolders(store, "doc.json"))).toEqual([
        ["a/doc.json", "a"],
        ["c/doc.json", ""],
      ]);
    },
  );

  it("scans a root that does not exist yet as empty, creating nothing", async () => {
    expect(await collect(scanFolders(store, "doc.json"))).toEqual([]);
    await expect(rm(root)).rejects.toThrow(/ENOENT/);
  });

  it("refuses a name that is not one key segment", async () => {
    await expect(collect(scanFolders(store, "a/doc.json"))).rejects.toThrow(/one key segment/);
    await expect(collect(scanFolders(store, ".."))).rejects.toThrow(/one key segment/);
  });

  it("hands the objects out in groups of 64", async () => {
    const folders = Array.from({ length: 130 }, (_, i) => `f${String(i).padStart(3, "0")}`);
    for (const folder of folders) await file(`${folder}/doc.json`, folder);
    const sizes: number[] = [];
    for await (const group of scanFolders(store, "doc.json")) sizes.push(group.length);
    expect(sizes).toEqual([64, 64, 2]);
  });

  it("lets the event loop run between slices of reads", async () => {
    const folders = Array.from({ length: 20 }, (_, i) => `f${String(i).padStart(2, "0")}`);
    for (const folder of folders) await file(`${folder}/doc.json`, folder);
    let keysWhenTimerRan: number | undefined;
    const keys: string[] = [];
    // An immediate, not a 0 ms timer: a timer is due only after a millisecond, and on a quick machine
    // the whole scan of 20 small files took less than that (a CI run failed so).
    setImmediate(() => {
      keysWhenTimerRan = keys.length;
    });
    const fail = (_action: string, _key: string, cause: unknown) => cause as Error;
    for await (const group of scanFolderObjects("doc.json", {
      root,
      skip: FS_TEMP_DIR,
      fail,
      sliceMs: 0,
    })) {
      keys.push(...group.map(({ key }) => key));
    }
    expect(keys).toEqual(folders.map((folder) => `${folder}/doc.json`));
    // Something else waiting on the event loop ran while the scan was under way, not only after it.
    expect(keysWhenTimerRan).toBeLessThan(folders.length);
  });
});
