/**
 * The `Notifier` contract of core/src/ports.ts as tests, run against every notifier (outbox, SQS on a
 * local SQS, none). A notifier that delivers somewhere lets the suite read what arrived; one that drops
 * everything (none) is held only to accepting every send.
 */
import type { Notifier, RecordingDocument } from "@zrec/core";
import { describe, expect, it } from "vitest";
import { eachTest } from "./each-test.js";
import { indexedDocument } from "./recording-index.js";

/** A notification as its consumer sees it. */
export interface Delivered {
  id: string;
  event: string;
  recording_id: string;
  document: RecordingDocument;
}

/** One fresh notifier for one test. */
export interface NotifierUnderTest {
  notifier: Notifier;
  /** What has arrived so far, oldest first; absent for a notifier that delivers nothing. */
  delivered?: () => Promise<Delivered[]>;
  /** Closes the notifier and removes what the test wrote. */
  close(): Promise<void>;
}

const doc = indexedDocument;

/**
 * Runs the contract against notifiers made by `make`, one per test. `delivers: false` (the none
 * notifier) holds it only to accepting every send.
 * @example
 * describeNotifier("outbox", async () => {
 *   const file = path.join(await mkdtemp(path.join(tmpdir(), "zrec-")), "outbox.jsonl");
 *   const notifier = createOutboxNotifier({ path: file });
 *   return { notifier, delivered: () => readOutbox(file), close: async () => notifier.close?.() };
 * });
 */
export function describeNotifier(
  name: string,
  make: () => Promise<NotifierUnderTest>,
  options: { delivers?: boolean } = {},
): void {
  describe(`Notifier contract: ${name}`, () => {
    let subject: NotifierUnderTest;
    let notifier: Notifier;

    eachTest(make, (made) => {
      subject = made;
      notifier = made.notifier;
    });

    const delivered = async () => {
      if (!subject.delivered) throw new Error(`${name}: a notifier that delivers needs delivered()`);
      return subject.delivered();
    };
    const ids = async () => (await delivered()).map((message) => message.id);

    it("accepts every event, names itself, and closing twice is fine", async () => {
      expect(notifier.description).toMatch(/\S/);
      for (const event of ["ingested", "reindexed", "deleted"] as const) {
        await expect(notifier.send({ event, document: doc(1) })).resolves.toBeUndefined();
      }
      await notifier.close?.();
      await notifier.close?.();
    });

    it("accepts many concurrent sends", async () => {
      const sends = Array.from({ length: 20 }, (_, i) =>
        notifier.send({ event: "ingested", document: doc(i + 1), id: `concurrent-${i}` }),
      );
      await expect(Promise.all(sends)).resolves.toHaveLength(20);
    });

    if (options.delivers === false) return;

    it("delivers each notification with its event, recording, id and document", async () => {
      const first = doc(1, { meeting_topic: "Tópico — 🎥" });
      await notifier.send({ event: "ingested", document: first, id: "announcement-1" });
      await notifier.send({ event: "deleted", document: doc(2), id: "announcement-2" });
      expect(await delivered()).toEqual([
        { id: "announcement-1", event: "ingested", recording_id: first.recording_id, document: first },
        { id: "announcement-2", event: "deleted", recording_id: doc(2).recording_id, document: doc(2) },
      ]);
    });

    it("gives a send without an id a fresh one: each is new", async () => {
      await notifier.send({ event: "reindexed", document: doc(1) });
      await notifier.send({ event: "reindexed", document: doc(1) });
      const [a, b, ...rest] = await ids();
      expect(rest).toEqual([]);
      expect(a).toMatch(/\S/);
      expect(b).toMatch(/\S/);
      expect(a).not.toBe(b);
    });

    it("may drop a send that repeats the recording's last id, and never drops another", async () => {
      await notifier.send({ event: "ingested", document: doc(1), id: "same" });
      await notifier.send({ event: "ingested", document: doc(1), id: "same" });
      await notifier.send({ event: "ingested", document: doc(2), id: "same-elsewhere" });
      await notifier.send({ event: "deleted", document: doc(1), id: "other" });
      const seen = await ids();
      expect(seen.filter((id) => id === "same").length).toBeGreaterThanOrEqual(1);
      expect(seen.filter((id) => id === "same").length).toBeLessThanOrEqual(2);
      expect(seen.filter((id) => id !== "same")).toEqual(["same-elsewhere", "other"]);
    });

    it("delivers every one of many concurrent sends, each once", async () => {
      const documents = Array.from({ length: 20 }, (_, i) => doc(i + 1));
      await Promise.all(
        documents.map((document, i) => notifier.send({ event: "ingested", document, id: `concurrent-${i}` })),
      );
      expect((await ids()).sort()).toEqual(documents.map((_, i) => `concurrent-${i}`).sort());
    });
  });
}
