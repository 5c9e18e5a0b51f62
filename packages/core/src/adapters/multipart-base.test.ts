import { describe, expect, it } from "vitest";
import type { Checkpoint } from "./checkpoint.js";
import { multipartUpload } from "./multipart-base.js";

const PART = 4;
const layout = { description: "test store", key: "a/b.mp4", partSize: PART, size: 4 * PART, partCount: 4 };
const initial: Checkpoint = {
  version: 1,
  key: "a/b.mp4",
  resumeId: "file-1:16",
  size: 4 * PART,
  partSize: PART,
  upload: "u1",
  parts: [],
};

describe("a resumable multipart upload's checkpoint", () => {
  it("is saved once for the parts stored while a save runs, and a part is acknowledged only once saved", async () => {
    const saves: { parts: number[]; finish: () => void }[] = [];
    const upload = multipartUpload(layout, {
      sendPart: async () => ({ etag: "e" }),
      finish: async () => ({ key: layout.key, url: "u", etag: "x", size: layout.size }),
      discard: async () => {},
      checkpoint: {
        initial,
        save: (checkpoint) =>
          new Promise<void>((resolve) =>
            saves.push({ parts: checkpoint.parts.map((p) => p.partNumber), finish: resolve }),
          ),
        remove: async () => {},
      },
    });
    const acknowledged: number[] = [];
    const part = (n: number) =>
      upload
        .uploadPart({ partNumber: n, offset: (n - 1) * PART, body: new Uint8Array(PART) })
        .then(() => acknowledged.push(n));
    const first = part(1);
    await until(() => saves.length === 1);
    // Parts 2-4 land while part 1's save runs: they wait for one save together.
    const rest = [part(2), part(3), part(4)];
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(saves).toHaveLength(1);
    expect(acknowledged).toEqual([]);
    saves[0]?.finish();
    await first;
    await until(() => saves.length === 2);
    expect(saves[1]?.parts).toEqual([1, 2, 3, 4]);
    expect(acknowledged).toEqual([1]);
    saves[1]?.finish();
    await Promise.all(rest);
    expect(acknowledged.sort()).toEqual([1, 2, 3, 4]);
    expect(saves).toHaveLength(2);
    await upload.complete();
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(condition()).toBe(true);
}

describe("bytes written while their part arrives (writeArriving)", () => {
  const withWriteAt = () => {
    const writes: { offset: number; length: number }[] = [];
    const sent: number[] = [];
    const upload = multipartUpload(layout, {
      writeAt: async (offset, bytes) => {
        writes.push({ offset, length: bytes.byteLength });
      },
      sendPart: async (partNumber) => {
        sent.push(partNumber);
        return { etag: "e" };
      },
      finish: async () => ({ key: layout.key, url: "u", etag: "x", size: layout.size }),
      discard: async () => {},
    });
    return { upload, writes, sent };
  };

  it("is offered only by a store that builds the object where the bytes land", () => {
    const plain = multipartUpload(layout, {
      sendPart: async () => ({ etag: "e" }),
      finish: async () => ({ key: layout.key, url: "u", etag: "x", size: layout.size }),
      discard: async () => {},
    });
    expect(plain.writeArriving).toBeUndefined();
    expect(withWriteAt().upload.writeArriving).toBeTypeOf("function");
  });

  it("counts as written only what writeArriving laid down from the part's start without a gap", async () => {
    const failing = new Set<number>();
    const kept: number[] = [];
    const upload = multipartUpload(
      { ...layout, partSize: 8, size: 32 },
      {
        writeAt: async (offset) => {
          if (failing.has(offset)) throw new Error("disk full");
        },
        keepWritten: async (partNumber, md5) => {
          kept.push(partNumber);
          return { etag: md5 };
        },
        readAt: async () => {},
        sendPart: async () => ({ etag: "e" }),
        finish: async () => ({ key: layout.key, url: "u", etag: "x", size: 32 }),
        discard: async () => {},
      },
    );
    const write = (offset: number, length: number) => upload.writeArriving?.(offset, new Uint8Array(length));
    const store = (n: number) =>
      upload.storeWritten?.({ partNumber: n, offset: (n - 1) * 8, length: 8, md5: "0".repeat(32) });
    // Part 1: claimed without a write. Part 2: 2 + 2 bytes, then a gap. Part 3: a failed write.
    await expect(store(1)).rejects.toThrow(/0 of its 8 bytes/);
    await write(8, 2);
    await write(10, 2);
    await write(14, 2);
    await expect(store(2)).rejects.toThrow(/4 of its 8 bytes/);
    failing.add(20);
    await write(16, 4);
    await expect(write(20, 4)).rejects.toThrow(/disk full/);
    await expect(store(3)).rejects.toThrow(/0 of its 8 bytes/);
    // Part 4: a try that wrote 6 bytes, then a new try from the start that wrote all 8.
    await write(24, 6);
    await write(24, 4);
    await write(28, 4);
    await store(4);
    expect(kept).toEqual([4]);
  });

  it("refuses bytes once the upload is suspended", async () => {
    const { upload, writes } = withWriteAt();
    await upload.suspend();
    await expect(upload.writeArriving?.(0, new Uint8Array(1))).rejects.toThrow(/suspended/);
    expect(writes).toEqual([]);
  });

  it("refuses bytes outside one part, into a stored part, or after the upload ended", async () => {
    const { upload, writes } = withWriteAt();
    await expect(upload.writeArriving?.(PART - 1, new Uint8Array(2))).rejects.toThrow(/inside one part/);
    await expect(upload.writeArriving?.(-1, new Uint8Array(1))).rejects.toThrow(/inside one part/);
    await expect(upload.writeArriving?.(4 * PART, new Uint8Array(1))).rejects.toThrow(/inside one part/);
    await upload.uploadPart({ partNumber: 1, offset: 0, body: new Uint8Array(PART) });
    await expect(upload.writeArriving?.(1, new Uint8Array(1))).rejects.toThrow(/overwrite stored part 1/);
    await upload.abort();
    await expect(upload.writeArriving?.(PART, new Uint8Array(1))).rejects.toThrow(
      /after the upload was aborted/,
    );
    expect(writes).toEqual([]);
  });

  it("refuses to overwrite a part a resumed upload reuses", async () => {
    const upload = multipartUpload(layout, {
      writeAt: async () => {},
      sendPart: async () => ({ etag: "e" }),
      finish: async () => ({ key: layout.key, url: "u", etag: "x", size: layout.size }),
      discard: async () => {},
      checkpoint: {
        initial: { ...initial, parts: [{ partNumber: 2, size: PART, etag: "e" }] },
        save: async () => {},
        remove: async () => {},
      },
    });
    await expect(upload.writeArriving?.(PART, new Uint8Array(1))).rejects.toThrow(/stored part 2/);
    await expect(upload.writeArriving?.(2 * PART, new Uint8Array(1))).resolves.toBeUndefined();
  });

  it("is waited for before an abort discards the upload", async () => {
    const order: string[] = [];
    let finishWrite = () => {};
    const upload = multipartUpload(layout, {
      writeAt: () =>
        new Promise<void>((resolve) => {
          finishWrite = () => {
            order.push("write done");
            resolve();
          };
        }),
      sendPart: async () => ({ etag: "e" }),
      finish: async () => ({ key: layout.key, url: "u", etag: "x", size: layout.size }),
      discard: async () => {
        order.push("discarded");
      },
    });
    const writing = upload.writeArriving?.(0, new Uint8Array(1));
    const aborting = upload.abort();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(order).toEqual([]);
    finishWrite();
    await Promise.all([writing, aborting]);
    expect(order).toEqual(["write done", "discarded"]);
  });
});
