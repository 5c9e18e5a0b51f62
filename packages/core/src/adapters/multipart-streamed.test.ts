/**
 * A multipart upload that takes parts streamed into it (`storeWritten`) and lets them be read back
 * (`readWritten`): what the base checks before a backend that builds the object in place sees them.
 */
import { describe, expect, it } from "vitest";
import { multipartUpload } from "./multipart-base.js";

const PART = 4;
const layout = {
  description: "test store",
  key: "a/b.mp4",
  partSize: PART,
  size: 3 * PART + 2,
  partCount: 4,
};
const MD5 = "0123456789abcdef0123456789abcdef";

/** A backend whose object is an array of bytes written at their offsets. */
function inPlace() {
  const object = new Uint8Array(layout.size);
  const kept: { partNumber: number; md5: string }[] = [];
  const upload = multipartUpload(layout, {
    writeAt: async (offset, bytes) => {
      object.set(bytes, offset);
    },
    keepWritten: async (partNumber, md5) => {
      kept.push({ partNumber, md5 });
      return { etag: md5 };
    },
    readAt: async (offset, into) => {
      into.set(object.subarray(offset, offset + into.length));
    },
    sendPart: async () => ({ etag: "e" }),
    finish: async () => ({ key: layout.key, url: "u", etag: "x", size: layout.size }),
    discard: async () => {},
    suspend: async () => {},
  });
  return { upload, kept };
}

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("parts streamed into an object built in place (storeWritten, readWritten)", () => {
  it("are offered only with writeArriving, keepWritten and readAt all there", () => {
    const { upload } = inPlace();
    expect(upload.storeWritten).toBeTypeOf("function");
    expect(upload.readWritten).toBeTypeOf("function");
    const writeOnly = multipartUpload(layout, {
      writeAt: async () => {},
      sendPart: async () => ({ etag: "e" }),
      finish: async () => ({ key: layout.key, url: "u", etag: "x", size: layout.size }),
      discard: async () => {},
    });
    expect(writeOnly.storeWritten).toBeUndefined();
    expect(writeOnly.readWritten).toBeUndefined();
  });

  it("takes a part every byte of which was written ahead, and reads it back", async () => {
    const { upload, kept } = inPlace();
    await upload.writeArriving?.(PART, bytes(1, 2));
    await upload.writeArriving?.(PART + 2, bytes(3, 4));
    await upload.storeWritten?.({ partNumber: 2, offset: PART, length: PART, md5: MD5 });
    await upload.writeArriving?.(3 * PART, bytes(9, 8));
    await upload.storeWritten?.({ partNumber: 4, offset: 3 * PART, length: 2, md5: MD5 });
    expect(kept).toEqual([
      { partNumber: 2, md5: MD5 },
      { partNumber: 4, md5: MD5 },
    ]);
    const back = new Uint8Array(4);
    await upload.readWritten?.(PART, back);
    expect([...back]).toEqual([1, 2, 3, 4]);
  });

  it("refuses a part with bytes missing, with a gap, in the wrong place, or without its MD5", async () => {
    const { upload, kept } = inPlace();
    await upload.writeArriving?.(0, bytes(1, 2, 3));
    await expect(upload.storeWritten?.({ partNumber: 1, offset: 0, length: PART, md5: MD5 })).rejects.toThrow(
      /3 of its 4 bytes were written ahead/,
    );
    // A gap: bytes 0-1 and 3 of part 2, never byte 2.
    await upload.writeArriving?.(PART, bytes(1, 2));
    await upload.writeArriving?.(PART + 3, bytes(4));
    await expect(
      upload.storeWritten?.({ partNumber: 2, offset: PART, length: PART, md5: MD5 }),
    ).rejects.toThrow(/2 of its 4 bytes/);
    await upload.writeArriving?.(2 * PART, bytes(1, 2, 3, 4));
    await expect(
      upload.storeWritten?.({ partNumber: 3, offset: PART, length: PART, md5: MD5 }),
    ).rejects.toThrow(/expected 4 at 8/);
    await expect(
      upload.storeWritten?.({ partNumber: 3, offset: 2 * PART, length: PART, md5: "not an md5" }),
    ).rejects.toThrow(/without its MD5/);
    expect(kept).toEqual([]);
  });

  it("refuses a part while a write into it is in flight, and once a write of an earlier try lands", async () => {
    let release = () => {};
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const object = new Uint8Array(layout.size);
    let first = true;
    const upload = multipartUpload(layout, {
      writeAt: async (offset, bytes) => {
        // The first write (an abandoned try's) lands only once released, over whatever came since.
        if (first) {
          first = false;
          await slow;
        }
        object.set(bytes, offset);
      },
      keepWritten: async (_partNumber, md5) => ({ etag: md5 }),
      readAt: async () => {},
      sendPart: async () => ({ etag: "e" }),
      finish: async () => ({ key: layout.key, url: "u", etag: "x", size: layout.size }),
      discard: async () => {},
    });
    const stale = upload.writeArriving?.(0, bytes(0xaa, 0xaa, 0xaa, 0xaa));
    await upload.writeArriving?.(0, bytes(1, 2, 3, 4));
    const part = { partNumber: 1, offset: 0, length: PART, md5: MD5 };
    await expect(upload.storeWritten?.(part)).rejects.toThrow(/still has writes in flight/);
    await upload.writeArriving?.(0, bytes(1, 2, 3, 4));
    release();
    await stale;
    await expect(upload.storeWritten?.(part)).rejects.toThrow(/0 of its 4 bytes/);
  });

  it("refuses reads outside the object and once the upload is suspended, completed or aborted", async () => {
    const suspended = inPlace().upload;
    await expect(suspended.readWritten?.(layout.size - 1, new Uint8Array(2))).rejects.toThrow(
      /outside the object/,
    );
    await suspended.suspend();
    await expect(suspended.readWritten?.(0, new Uint8Array(1))).rejects.toThrow(/suspended/);

    const { upload } = inPlace();
    for (let n = 1; n <= layout.partCount; n++) {
      const offset = (n - 1) * PART;
      const length = Math.min(PART, layout.size - offset);
      await upload.writeArriving?.(offset, new Uint8Array(length));
      await upload.storeWritten?.({ partNumber: n, offset, length, md5: MD5 });
    }
    await upload.complete();
    await expect(upload.readWritten?.(0, new Uint8Array(1))).rejects.toThrow(/completed/);

    const aborted = inPlace().upload;
    await aborted.abort();
    await expect(aborted.readWritten?.(0, new Uint8Array(1))).rejects.toThrow(/aborted/);
  });
});
