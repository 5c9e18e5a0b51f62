import { describe, expect, it } from "vitest";
import { PartBuffers } from "./part-buffers.js";

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
});
