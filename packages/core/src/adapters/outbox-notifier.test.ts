import { appendFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describeNotifier, inTempFolder } from "@zrec/test-utils/conformance";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BackendError } from "../errors.js";
import type { RecordingDocument } from "../recording/document.js";
import { createNoneNotifier } from "./none-notifier.js";
import { createOutboxNotifier, readOutbox } from "./outbox-notifier.js";

function doc(n: number): RecordingDocument {
  return {
    recording_id: `rec-${n}`,
    recording_path: `other/topic-${n}`,
    meeting_uuid: "u",
    parent_meeting_uuid: "p",
    meeting_id: n,
    meeting_topic: `Tópico ${n} — ${"x".repeat(n * 100)}`,
    password: "",
    host_id: "h",
    organization: "other",
    start_time: "2024-01-01T00:00:00Z",
    end_time: "2024-01-01T01:00:00Z",
    files: [],
  };
}

describeNotifier("outbox", () =>
  inTempFolder((folder) => {
    const file = path.join(folder, "outbox.jsonl");
    const notifier = createOutboxNotifier({ path: file });
    const delivered = async () =>
      (await readOutbox(file)).map(({ id, event, recording_id, document }) => ({
        id,
        event,
        recording_id,
        document,
      }));
    return { notifier, delivered, close: async () => notifier.close?.() };
  }),
);

let dir: string;
let outbox: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "zrec-outbox-"));
  outbox = path.join(dir, "deep", "er", "outbox.jsonl");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("createOutboxNotifier", () => {
  it("appends one parseable JSON line per message, durably before send resolves", async () => {
    const notifier = createOutboxNotifier({ path: outbox });
    expect(notifier.description).toBe(`outbox ${outbox}`);
    await notifier.send({ event: "ingested", document: doc(1) });
    expect((await readFile(outbox, "utf8")).split("\n")).toHaveLength(2);
    await notifier.send({ event: "reindexed", document: doc(2) });
    const text = await readFile(outbox, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    expect(text.split("\n")).toHaveLength(3);

    const messages = await readOutbox(outbox);
    expect(messages.map((m) => [m.event, m.recording_id])).toEqual([
      ["ingested", "rec-1"],
      ["reindexed", "rec-2"],
    ]);
    expect(messages[0]?.document).toEqual(doc(1));
    expect(messages[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(messages[0]?.id).not.toBe(messages[1]?.id);
    expect(Number.isNaN(Date.parse(messages[0]?.sent_at ?? ""))).toBe(false);
    await notifier.close?.();
  });

  it("never interleaves concurrent sends", async () => {
    const notifier = createOutboxNotifier({ path: outbox });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => notifier.send({ event: "ingested", document: doc(i) })),
    );
    await notifier.close?.();
    const lines = (await readFile(outbox, "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(50);
    const ids = lines.map((line) => JSON.parse(line).recording_id as string).sort();
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => `rec-${i}`).sort());
  });

  it("appends to an existing outbox after a reopen, cutting off a line torn by a crash", async () => {
    const first = createOutboxNotifier({ path: outbox });
    await first.send({ event: "ingested", document: doc(1) });
    await first.close?.();
    await appendFile(outbox, '{"id":"torn","event":"ing');

    const second = createOutboxNotifier({ path: outbox });
    await second.send({ event: "deleted", document: doc(2) });
    await second.close?.();
    expect((await readOutbox(outbox)).map((m) => m.event)).toEqual(["ingested", "deleted"]);
  });

  it("drops a send that repeats the recording's last line, also in a new process, and only that", async () => {
    const send = (notifier: ReturnType<typeof createOutboxNotifier>, n: number, id?: string) =>
      notifier.send({ event: "ingested", document: doc(n), ...(id ? { id } : {}) });
    const first = createOutboxNotifier({ path: outbox });
    await send(first, 1, "one");
    await send(first, 1, "one"); // the same announcement: dropped
    await send(first, 2, "two");
    await first.close?.();
    // Lines that are no message (a builder's note) or written in another key order are read too.
    await appendFile(outbox, 'not a message\n{"recording_id":"rec-3","id":"three","event":"ingested"}\n');

    // What a re-run after a crash does: a new notifier over the same file.
    const second = createOutboxNotifier({ path: outbox });
    await send(second, 1, "one");
    await send(second, 3, "three");
    await send(second, 2, "two-edited"); // new content: a new id, appended
    await send(second, 2, "two"); // back to the earlier content: not the last line, so appended
    await send(second, 4); // no id: always new
    await send(second, 4);
    await second.close?.();

    const lines = (await readFile(outbox, "utf8")).trimEnd().split("\n");
    const messages = lines.filter((line) => line.startsWith('{"id"')).map((line) => JSON.parse(line));
    expect(messages.map((m) => [m.recording_id, m.id.length === 36 ? "fresh" : m.id])).toEqual([
      ["rec-1", "one"],
      ["rec-2", "two"],
      ["rec-2", "two-edited"],
      ["rec-2", "two"],
      ["rec-4", "fresh"],
      ["rec-4", "fresh"],
    ]);
  });

  it("reports a failing outbox as a BackendError naming it and the recording", async () => {
    await mkdir(outbox, { recursive: true });
    const notifier = createOutboxNotifier({ path: outbox });
    const error = await notifier.send({ event: "ingested", document: doc(3) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: "NOTIFY_FAILED" });
    expect((error as Error).message).toMatch(
      new RegExp(`^outbox ${outbox}: appending ingested of recording rec-3 failed: EISDIR`),
    );
    // One failure does not wedge the queue for the sends after it.
    await expect(notifier.send({ event: "ingested", document: doc(4) })).rejects.toThrow(BackendError);
  });
});

describe("readOutbox", () => {
  it("reads a missing outbox as empty and names a corrupt line", async () => {
    expect(await readOutbox(outbox)).toEqual([]);
    await mkdir(path.dirname(outbox), { recursive: true });
    await appendFile(outbox, '{"id":"a"}\nnot json\n');
    await expect(readOutbox(outbox)).rejects.toThrow(`outbox ${outbox}: line 2 is not valid JSON`);
  });
});

describeNotifier(
  "none",
  async () => {
    const notifier = createNoneNotifier();
    return { notifier, close: async () => notifier.close?.() };
  },
  { delivers: false },
);

it("the none notifier says it notifies no one", () => {
  expect(createNoneNotifier().description).toBe("no notifier");
});
