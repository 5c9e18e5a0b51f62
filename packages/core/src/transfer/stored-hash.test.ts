import { createHash } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { ThreadHash } from "../hash-thread.js";
import type { ObjectStore } from "../ports.js";
import { CopySuspended } from "./copy-suspended.js";
import { hashStoredObject, ReadBackFailed, StoredHash } from "./stored-hash.js";

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

describe("hashStoredObject: the SHA-256 of an object read back from the store", () => {
  /** A store whose read yields one chunk and then stalls for ever; says when it was let go. */
  function stallingStore() {
    const state = { released: false };
    const store = {
      description: "test store",
      read: async () => ({
        [Symbol.asyncIterator]() {
          let sent = false;
          return {
            next: () => {
              if (sent) return new Promise<IteratorResult<Uint8Array>>(() => {});
              sent = true;
              return Promise.resolve({ done: false, value: Buffer.from("first bytes") });
            },
            return: async () => {
              state.released = true;
              return { done: true, value: undefined };
            },
          };
        },
      }),
    } as unknown as ObjectStore;
    return { store, state };
  }

  it("stops a stalled read as soon as the caller stops, and lets the stream go", async () => {
    const { store, state } = stallingStore();
    const stop = new AbortController();
    const hashing = hashStoredObject(store, "a/b.mp4", { budget: undefined, signal: stop.signal }, 100);
    await new Promise((resolve) => setTimeout(resolve, 20));
    stop.abort(new Error("Ctrl+C"));
    await expect(hashing).rejects.toThrow("Ctrl+C");
    expect(state.released).toBe(true);
  });

  it("suspends a stalled read when the budget runs out (Lambda), for the next call to finish", async () => {
    const { store, state } = stallingStore();
    const budget = new AbortController();
    const signal = new AbortController().signal;
    const hashing = hashStoredObject(store, "a/b.mp4", { budget: budget.signal, signal }, 100);
    await new Promise((resolve) => setTimeout(resolve, 20));
    budget.abort();
    await expect(hashing).rejects.toBeInstanceOf(CopySuspended);
    expect(state.released).toBe(true);
  });
});
