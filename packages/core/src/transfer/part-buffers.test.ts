import { describe, expect, it } from "vitest";
import { PartBuffers, preparePartBuffers } from "./part-buffers.js";

const never = new AbortController().signal;

describe("PartBuffers", () => {
  it("hands out at most `limit` buffers and reuses the ones given back", async () => {
    const buffers = new PartBuffers(16, 2);
    const first = await buffers.take(never);
    const second = await buffers.take(never);
    expect(first).toHaveLength(16);
    expect(buffers.inUse).toBe(2);

    let third: Uint8Array | undefined;
    const waiting = buffers.take(never).then((b) => {
      third = b;
    });
    await Promise.resolve();
    expect(third).toBeUndefined();
    buffers.give(first);
    await waiting;
    expect(third).toBe(first);
    expect(buffers.inUse).toBe(2);

    buffers.give(second);
    expect(buffers.inUse).toBe(1);
    expect(await buffers.take(never)).toBe(second);
  });

  it("serves waiters first come, first served", async () => {
    const buffers = new PartBuffers(4, 1);
    const held = await buffers.take(never);
    const order: number[] = [];
    const a = buffers.take(never).then((b) => {
      order.push(1);
      buffers.give(b);
    });
    const b = buffers.take(never).then(() => order.push(2));
    buffers.give(held);
    await Promise.all([a, b]);
    expect(order).toEqual([1, 2]);
  });

  it("rejects a waiter whose signal aborts, and then forgets it", async () => {
    const buffers = new PartBuffers(4, 1);
    const held = await buffers.take(never);
    const controller = new AbortController();
    const waiting = buffers.take(controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    buffers.give(held);
    expect(buffers.inUse).toBe(0);
    await expect(buffers.take(AbortSignal.abort(new Error("already")))).rejects.toThrow("already");
  });

  it("replaces a dropped buffer with a fresh one instead of reusing it", async () => {
    const buffers = new PartBuffers(8, 1);
    const dropped = await buffers.take(never);
    const waiting = buffers.take(never);
    buffers.drop();
    const next = await waiting;
    expect(next).not.toBe(dropped);
    expect(next).toHaveLength(8);
    buffers.drop();
    expect(buffers.inUse).toBe(0);
  });

  it("hands out a buffer made ahead only once it is prepared, and also when preparing it failed", async () => {
    const prepared: { buffer: Uint8Array; done: () => void; fail: () => void }[] = [];
    const prepare = (buffer: Uint8Array) =>
      new Promise<void>((resolve, reject) =>
        prepared.push({ buffer, done: resolve, fail: () => reject(new Error("no thread")) }),
      );
    const buffers = new PartBuffers(8, 3, { prepare, ahead: 2 });
    expect(prepared).toHaveLength(2);

    let first: Uint8Array | undefined;
    const taking = buffers.take(never).then((b) => {
      first = b;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(first).toBeUndefined();
    prepared[0]?.done();
    await taking;
    expect(first).toBe(prepared[0]?.buffer);

    prepared[1]?.fail();
    expect(await buffers.take(never)).toBe(prepared[1]?.buffer);
    // Beyond `ahead`, a buffer is made when taken, unprepared.
    expect(await buffers.take(never)).toHaveLength(8);
    expect(prepared).toHaveLength(2);
  });

  it("takes the buffers preparePartBuffers made for its size first", async () => {
    const made: Uint8Array[] = [];
    const prepare = async (buffer: Uint8Array) => {
      made.push(buffer);
    };
    preparePartBuffers(24, 2, prepare);
    preparePartBuffers(24, 2, prepare); // still waiting: not made twice
    expect(made).toHaveLength(2);
    const other = new PartBuffers(16, 2, { prepare, ahead: 2 });
    expect(made).toHaveLength(4); // another size: its own
    const buffers = new PartBuffers(24, 3, { prepare, ahead: 3 });
    expect(made).toHaveLength(5);
    expect(await buffers.take(never)).toBe(made[0]);
    expect(await buffers.take(never)).toBe(made[1]);
    expect(await buffers.take(never)).toBe(made[4]);
    // Taken once: the next copy of that size makes its own.
    new PartBuffers(24, 1, { prepare, ahead: 1 });
    expect(made).toHaveLength(6);
    expect(await other.take(never)).toBe(made[2]);
  });
});
