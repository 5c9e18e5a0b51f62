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
