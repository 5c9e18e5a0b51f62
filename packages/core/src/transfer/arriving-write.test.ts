import { describe, expect, it } from "vitest";
import { ArrivingWrite, bothWatches } from "./arriving-write.js";

const MiB = 1024 * 1024;

/** A write target that records each write and can be told to fail or to hold its writes. */
function target() {
  const writes: { offset: number; length: number; first: number }[] = [];
  let failNext = false;
  const held: (() => void)[] = [];
  let hold = false;
  const write = async (offset: number, bytes: Uint8Array) => {
    if (hold) await new Promise<void>((resolve) => held.push(resolve));
    if (failNext) {
      failNext = false;
      throw new Error("disk full");
    }
    writes.push({ offset, length: bytes.byteLength, first: bytes[0] ?? -1 });
  };
  return {
    write,
    writes,
    failOnce: () => {
      failNext = true;
    },
    hold: () => {
      hold = true;
    },
    letGo: () => {
      hold = false;
      for (const resolve of held.splice(0)) resolve();
    },
  };
}

describe("ArrivingWrite", () => {
  it("writes whole slices at the part's place as they arrive, and leaves the rest to uploadPart", async () => {
    const t = target();
    const buffer = new Uint8Array(3 * MiB + 10).map((_, i) => Math.floor(i / MiB) + 1);
    const ahead = new ArrivingWrite(t.write, 100 * MiB);
    await ahead.start(buffer);
    ahead.filled(MiB - 1);
    ahead.filled(2 * MiB + 5);
    ahead.filled(3 * MiB + 10);
    expect(await ahead.finish()).toBe(3 * MiB);
    expect(t.writes).toEqual([
      { offset: 100 * MiB, length: MiB, first: 1 },
      { offset: 101 * MiB, length: MiB, first: 2 },
      { offset: 102 * MiB, length: MiB, first: 3 },
    ]);
  });

  it("starts a new try only once the last try's writes are done, and counts from its start", async () => {
    const t = target();
    const buffer = new Uint8Array(2 * MiB);
    const ahead = new ArrivingWrite(t.write, 0);
    await ahead.start(buffer);
    t.hold();
    ahead.filled(MiB);
    let started = false;
    const retry = ahead.start(buffer).then(() => {
      started = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(started).toBe(false);
    t.letGo();
    await retry;
    expect(t.writes).toHaveLength(1);
    expect(await ahead.finish()).toBe(0);
  });

  it("reports nothing written after a failed write, so that the store writes the whole part", async () => {
    const t = target();
    const ahead = new ArrivingWrite(t.write, 0);
    await ahead.start(new Uint8Array(3 * MiB));
    t.failOnce();
    ahead.filled(3 * MiB);
    expect(await ahead.finish()).toBe(0);
    // The writes after the failed one are not made either.
    expect(t.writes).toEqual([]);
    await ahead.start(new Uint8Array(MiB));
    ahead.filled(MiB);
    expect(await ahead.finish()).toBe(MiB);
  });

  it("writes nothing before a try has started", async () => {
    const t = target();
    const ahead = new ArrivingWrite(t.write, 0);
    ahead.filled(2 * MiB);
    await ahead.forget();
    expect(t.writes).toEqual([]);
  });
});

describe("bothWatches", () => {
  it("tells both watches of each try, and is either one alone when the other is missing", async () => {
    const heard: string[] = [];
    const watch = (name: string) => ({
      start: async () => {
        heard.push(`${name} start`);
      },
      filled: (n: number) => {
        heard.push(`${name} ${n}`);
      },
    });
    const a = watch("a");
    const both = bothWatches(a, watch("b"));
    await both?.start(new Uint8Array(1));
    both?.filled(7);
    expect(heard).toEqual(["a start", "b start", "a 7", "b 7"]);
    expect(bothWatches(a, undefined)).toBe(a);
    expect(bothWatches(undefined, undefined)).toBeUndefined();
  });
});
