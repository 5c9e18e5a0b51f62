import { createHash } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { ThreadHash } from "../hash-thread.js";
import { ReadBackFailed, StoredHash } from "./stored-hash.js";

const PART = 3 * 1024 * 1024 + 5;
const object = Buffer.alloc(3 * PART - 7);
for (let i = 0; i < object.length; i++) object[i] = (i * 31 + (i >> 12)) & 0xff;
const sha256 = createHash("sha256").update(object).digest("hex");

/** Reads from `object`, recording each read's offset. */
function reader(offsets: number[] = []) {
  return async (offset: number, into: Uint8Array) => {
    offsets.push(offset);
    into.set(object.subarray(offset, offset + into.length));
  };
}

describe("StoredHash: the SHA-256 of an object read back in part order", () => {
  it("waits for the parts before a part is stored, then reads each part once, in order", async () => {
    const offsets: number[] = [];
    const hash = new StoredHash(reader(offsets), PART, object.length);
    hash.written(3);
    hash.written(2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(offsets).toEqual([]);
    expect(hash.hashedThrough).toBe(0);
    hash.written(1);
    await hash.whenHashedThrough(3);
    expect(await hash.digest()).toBe(sha256);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(offsets.length);
  });

  it("refuses a digest before every part is hashed", async () => {
    const hash = new StoredHash(reader(), PART, object.length);
    hash.written(1);
    await hash.whenHashedThrough(1);
    await expect(hash.digest()).rejects.toThrow(/unhashed/);
    hash.forget();
  });

  it("fails every wait with ReadBackFailed when a read fails, keeping the read's message", async () => {
    const hash = new StoredHash(
      async () => {
        throw new Error("EIO: i/o error, read");
      },
      PART,
      object.length,
    );
    const waiting = hash.whenHashedThrough(3);
    hash.written(1);
    await expect(waiting).rejects.toBeInstanceOf(ReadBackFailed);
    await expect(hash.whenHashedThrough(1)).rejects.toThrow(/EIO/);
    await expect(hash.digest()).rejects.toThrow(/EIO/);
  });

  it("hands the thread nothing read after it was forgotten", async () => {
    const update = vi.spyOn(ThreadHash.prototype, "update");
    let release = () => {};
    const reading = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reads = 0;
    const hash = new StoredHash(
      async (offset, into) => {
        reads++;
        await reading;
        into.set(object.subarray(offset, offset + into.length));
      },
      PART,
      object.length,
    );
    hash.written(1);
    await vi.waitFor(() => expect(reads).toBe(1));
    hash.forget();
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(update).not.toHaveBeenCalled();
    expect(reads).toBe(1);
    update.mockRestore();
  });

  it("reads nothing more once forgotten", async () => {
    const offsets: number[] = [];
    const hash = new StoredHash(reader(offsets), PART, object.length);
    hash.forget();
    hash.written(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(offsets).toEqual([]);
    expect(hash.hashedThrough).toBe(0);
  });
});
