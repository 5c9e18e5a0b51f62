import { spawn } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BackendError } from "../errors.js";
import type { ObjectStore } from "../ports.js";
import { createFsStore, FS_TEMP_DIR } from "./fs-store.js";

const json = { contentType: "application/json" };
const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest();

let parent: string;
let root: string;
let store: ObjectStore;

beforeEach(async () => {
  parent = await mkdtemp(path.join(tmpdir(), "zrec-fs-store-"));
  root = path.join(parent, "root");
  store = createFsStore({ root });
});
afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
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
  it("puts, gets, heads and deletes objects", async () => {
    const stored = await store.put("0a72/recording.json", '{"a":1}', json);
    expect(stored).toEqual({
      key: "0a72/recording.json",
      url: pathToFileURL(path.join(root, "0a72", "recording.json")).href,
      etag: `"${md5(Buffer.from('{"a":1}')).toString("hex")}"`,
      size: 7,
    });
    expect(store.description).toBe(`folder ${root}`);
    expect(Buffer.from((await store.get("0a72/recording.json")) ?? []).toString()).toBe('{"a":1}');
    expect(await store.head("0a72/recording.json")).toEqual({ key: "0a72/recording.json", size: 7 });
    expect(await store.get("0a72/missing.json")).toBeUndefined();
    expect(await store.head("0a72/missing.json")).toBeUndefined();
    expect(await store.get("0a72")).toBeUndefined();
    expect(await store.head("0a72")).toBeUndefined();

    await store.delete("0a72/recording.json");
    await store.delete("0a72/recording.json");
    expect(await store.get("0a72/recording.json")).toBeUndefined();
    // The emptied folder goes too, as S3 has no folders to leave behind.
    expect(await readdir(root)).toEqual([FS_TEMP_DIR]);
    expect(await tempFiles()).toEqual([]);
  });

  it("replaces an object whole", async () => {
    await store.put("a/b", "first version", json);
    await store.put("a/b", "second", json);
    expect(Buffer.from((await store.get("a/b")) ?? []).toString()).toBe("second");
  });

  it("lists keys recursively in byte order, by key prefix", async () => {
    for (const key of ["b/2", "a/b", "a-c", "a/a/z", "b/10", "ab", "c"]) await store.put(key, key, json);
    expect(await listAll()).toEqual(["a-c", "a/a/z", "a/b", "ab", "b/10", "b/2", "c"]);
    expect(await listAll("a")).toEqual(["a-c", "a/a/z", "a/b", "ab"]);
    expect(await listAll("a/")).toEqual(["a/a/z", "a/b"]);
    expect(await listAll("a/a")).toEqual(["a/a/z"]);
    expect(await listAll("b/1")).toEqual(["b/10"]);
    expect(await listAll("zzz")).toEqual([]);
  });

  it("lists nothing (and creates nothing) for a root that does not exist yet", async () => {
    expect(await listAll()).toEqual([]);
    expect(await readdir(parent)).toEqual([]);
  });

  it("refuses keys that could reach outside the root, writing nothing", async () => {
    const outside = path.join(parent, "outside.txt");
    const bad = [
      "../x",
      outside,
      "/etc/passwd",
      "a/../../b",
      "a\\b",
      "a\0b",
      "",
      "a//b",
      "a/./b",
      "a/",
      FS_TEMP_DIR,
    ];
    for (const key of bad) {
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
    await expect(store.put("../x", "x", json)).rejects.toMatchObject({ code: "STORE_FAILED" });
  });

  it("streams a body into place and gives an S3-style ETag", async () => {
    const chunks = [randomBytes(1000), randomBytes(70_000), Buffer.from("tail")];
    const stored = await store.putStream("s/video.mp4", Readable.from(chunks), { contentType: "video/mp4" });
    const whole = Buffer.concat(chunks);
    expect(stored.size).toBe(whole.length);
    expect(stored.etag).toBe(`"${md5(whole).toString("hex")}"`);
    expect(Buffer.from((await store.get("s/video.mp4")) ?? []).equals(whole)).toBe(true);
  });

  it("leaves nothing behind when the stream fails", async () => {
    async function* failing() {
      yield Buffer.from("some bytes");
      throw new Error("source went away");
    }
    await expect(store.putStream("s/broken.mp4", Readable.from(failing()), json)).rejects.toThrow(
      "source went away",
    );
    expect(await store.head("s/broken.mp4")).toBeUndefined();
    expect(await tempFiles()).toEqual([]);
    expect(await listAll()).toEqual([]);
  });

  it("assembles multipart parts written out of order, and shows nothing before complete", async () => {
    const partSize = 1024;
    const body = randomBytes(partSize * 3 + 100);
    const key = "m/audio_only.m4a";
    const upload = await store.createMultipartUpload(key, {
      contentType: "audio/m4a",
      partSize,
      size: body.length,
    });
    const part = (n: number) => ({
      partNumber: n,
      offset: (n - 1) * partSize,
      body: body.subarray((n - 1) * partSize, n * partSize),
    });
    for (const n of [3, 1, 4]) {
      await upload.uploadPart(part(n));
      expect(await store.head(key)).toBeUndefined();
    }
    await upload.uploadPart(part(2));
    expect(await store.head(key)).toBeUndefined();
    const stored = await upload.complete();

    expect(Buffer.from((await store.get(key)) ?? []).equals(body)).toBe(true);
    const digests = Buffer.concat([1, 2, 3, 4].map((n) => md5(part(n).body)));
    expect(stored).toMatchObject({ key, size: body.length, etag: `"${md5(digests).toString("hex")}-4"` });
    expect(stored.url).toBe(store.urlFor(key));
    expect(await tempFiles()).toEqual([]);
    await upload.abort();
    expect(await store.head(key)).toEqual({ key, size: body.length });
  });

  it("accepts parts uploaded concurrently", async () => {
    const partSize = 4096;
    const body = randomBytes(partSize * 16);
    const upload = await store.createMultipartUpload("c/x", { ...json, partSize, size: body.length });
    await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        upload.uploadPart({
          partNumber: i + 1,
          offset: i * partSize,
          body: body.subarray(i * partSize, (i + 1) * partSize),
        }),
      ),
    );
    await upload.complete();
    expect(Buffer.from((await store.get("c/x")) ?? []).equals(body)).toBe(true);
  });

  it("fails complete when a part is missing, leaving nothing", async () => {
    const upload = await store.createMultipartUpload("m/x", { ...json, partSize: 4, size: 10 });
    await upload.uploadPart({ partNumber: 1, offset: 0, body: Buffer.from("abcd") });
    await upload.uploadPart({ partNumber: 3, offset: 8, body: Buffer.from("ij") });
    await expect(upload.complete()).rejects.toThrow(/m\/x: part 2 of 3 never arrived/);
    expect(await store.head("m/x")).toBeUndefined();
    expect(await tempFiles()).toEqual([]);
    await upload.abort();
    await expect(upload.uploadPart({ partNumber: 2, offset: 4, body: Buffer.from("efgh") })).rejects.toThrow(
      BackendError,
    );
  });

  it("refuses a part of the wrong size or in the wrong place", async () => {
    const upload = await store.createMultipartUpload("m/y", { ...json, partSize: 4, size: 10 });
    await expect(upload.uploadPart({ partNumber: 1, offset: 0, body: Buffer.from("abc") })).rejects.toThrow(
      /part 1 has 3 bytes at offset 0, expected 4 at 0/,
    );
    await expect(upload.uploadPart({ partNumber: 2, offset: 3, body: Buffer.from("abcd") })).rejects.toThrow(
      BackendError,
    );
    await expect(upload.uploadPart({ partNumber: 4, offset: 12, body: Buffer.from("ab") })).rejects.toThrow(
      /outside 1\.\.3/,
    );
    await upload.abort();
  });

  it("aborts without leaving a temporary file, and aborting twice is fine", async () => {
    const upload = await store.createMultipartUpload("m/z", { ...json, partSize: 4, size: 8 });
    await upload.uploadPart({ partNumber: 1, offset: 0, body: Buffer.from("abcd") });
    expect(await tempFiles()).toHaveLength(1);
    await upload.abort();
    await upload.abort();
    expect(await tempFiles()).toEqual([]);
    expect(await listAll()).toEqual([]);
    await expect(upload.complete()).rejects.toThrow(/aborted/);
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
