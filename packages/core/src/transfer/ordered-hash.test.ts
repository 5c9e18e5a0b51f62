import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { OrderedHash } from "./ordered-hash.js";

const sha256 = (...parts: Uint8Array[]) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
};

function shared(bytes: Uint8Array): Uint8Array {
  const view = new Uint8Array(new SharedArrayBuffer(bytes.length));
  view.set(bytes);
  return view;
}

describe("OrderedHash (on the hashing thread)", () => {
  it("hashes parts given out of order in part order", async () => {
    const parts = [randomBytes(1000), randomBytes(70_000), randomBytes(3)];
    const hash = new OrderedHash();
    hash.add(3, parts[2] as Uint8Array);
    hash.add(2, shared(parts[1] as Uint8Array));
    expect(hash.hashedThrough).toBe(0);
    hash.add(1, parts[0] as Uint8Array);
    await hash.whenHashedThrough(3);
    expect(hash.heldParts).toBe(0);
    expect(await hash.digest()).toBe(sha256(...parts));
  });

  it("keeps copies running at once apart", async () => {
    const a = [randomBytes(500), randomBytes(500)];
    const b = [randomBytes(700), randomBytes(10)];
    const first = new OrderedHash();
    const second = new OrderedHash();
    first.add(2, a[1] as Uint8Array);
    second.add(1, b[0] as Uint8Array);
    first.add(1, a[0] as Uint8Array);
    second.add(2, b[1] as Uint8Array);
    await Promise.all([first.whenHashedThrough(2), second.whenHashedThrough(2)]);
    expect(await first.digest()).toBe(sha256(...a));
    expect(await second.digest()).toBe(sha256(...b));
  });

  it("refuses a part twice and a digest with parts still held", async () => {
    const hash = new OrderedHash();
    hash.add(2, randomBytes(4));
    expect(() => hash.add(2, randomBytes(4))).toThrow("part 2 was given to the hash twice");
    await expect(hash.digest()).rejects.toThrow("parts are still waiting to be hashed");
    hash.forget();
  });

  it("stops waiting when the signal aborts", async () => {
    const hash = new OrderedHash();
    const controller = new AbortController();
    const waiting = hash.whenHashedThrough(1, controller.signal);
    controller.abort(new Error("copy aborted"));
    await expect(waiting).rejects.toThrow("copy aborted");
    hash.forget();
  });

  it("digests an empty input like createHash", async () => {
    expect(await new OrderedHash().digest()).toBe(sha256());
  });
});
