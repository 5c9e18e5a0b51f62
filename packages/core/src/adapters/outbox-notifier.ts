/**
 * The embedded notifier: an outbox file of JSON lines that a website builder (or `tail -f`) reads.
 * A send resolves only once its line is on disk, and lines never interleave, whoever sends them.
 * A send that repeats a recording's last line (same notification id) is dropped: that is a re-run after
 * a crash between the notification and the index row, and the builder has the line already.
 */
import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open, readFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { BackendError, ErrorCode, messageOf } from "../errors.js";
import type { NotificationEvent, Notifier } from "../ports.js";
import type { RecordingDocument } from "../recording/document.js";
import { hasCode, makeFolder, writeFully } from "./fs-write.js";

/** One line of the outbox. */
export interface OutboxMessage {
  /** The notification's id (see `Notification.id`), or a fresh one; a reader that saw it can skip the line. */
  id: string;
  event: NotificationEvent;
  recording_id: string;
  /** ISO date-time the line was written. */
  sent_at: string;
  document: RecordingDocument;
}

export interface OutboxNotifierOptions {
  /** The JSON-lines file; it and its folder are created on the first send. */
  path: string;
}

/**
 * Appends one JSON line per notification to `path`, durably (synced before `send` resolves), unless it
 * repeats the recording's last line.
 * @example
 * const notifier = createOutboxNotifier({ path: "./zrec-data/outbox.jsonl" });
 * await notifier.send({ event: "ingested", document });
 * await notifier.close?.();
 */
export function createOutboxNotifier(options: OutboxNotifierOptions): Notifier {
  const description = `outbox ${options.path}`;
  const fail = (action: string, cause: unknown) =>
    new BackendError(ErrorCode.NOTIFY_FAILED, `${description}: ${action} failed: ${messageOf(cause)}`, {
      cause,
    });

  let handle: FileHandle | undefined;
  /** Bytes known to end in a whole line; a failed write is cut back to here. */
  let goodSize = 0;
  /** The id of each recording's last line, read from the file on open and kept up to date. */
  let lastIds = new Map<string, string>();
  // Sends run one at a time, so each line is written whole before the next begins.
  let queue: Promise<unknown> = Promise.resolve();

  async function openOutbox(): Promise<FileHandle> {
    if (handle) return handle;
    await makeFolder(path.dirname(path.resolve(options.path)));
    const opened = await open(options.path, "a+");
    try {
      goodSize = await dropTornTail(opened);
      lastIds = await lastIdsOf(options.path, goodSize);
    } catch (error) {
      await opened.close().catch(() => {});
      throw error;
    }
    handle = opened;
    return opened;
  }

  async function append(message: OutboxMessage): Promise<void> {
    const line = Buffer.from(`${JSON.stringify(message)}\n`, "utf8");
    const file = await openOutbox();
    try {
      await writeFully(file, line);
      await file.datasync();
      goodSize += line.byteLength;
      lastIds.set(message.recording_id, message.id);
    } catch (error) {
      // A half-written line would glue onto the next one; cut it off so the file stays line-per-message.
      await file.truncate(goodSize).catch(() => {});
      throw error;
    }
  }

  function serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task);
    queue = run.catch(() => {});
    return run;
  }

  return {
    description,

    send({ event, document, id = randomUUID() }) {
      const message: OutboxMessage = {
        id,
        event,
        recording_id: document.recording_id,
        sent_at: new Date().toISOString(),
        document,
      };
      return serialized(async () => {
        try {
          await openOutbox();
          if (lastIds.get(message.recording_id) === id) return;
          await append(message);
        } catch (error) {
          throw fail(`appending ${event} of recording ${document.recording_id}`, error);
        }
      });
    },

    close() {
      return serialized(async () => {
        const open = handle;
        handle = undefined;
        await open?.close();
      });
    },
  };
}

/**
 * A crash mid-write can leave a last line without its newline (a send that never resolved). It is cut
 * off so that the next line starts on a line of its own. Returns the size of the whole lines.
 */
async function dropTornTail(file: FileHandle): Promise<number> {
  const { size } = await file.stat();
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await file.read(chunk, 0, end - start, start);
    const newline = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (newline >= 0) {
      end = start + newline + 1;
      break;
    }
    end = start;
  }
  if (end < size) await file.truncate(end);
  return end;
}

/**
 * The id of every recording's last line among the first `size` bytes. Lines are read one at a time
 * (an outbox grows for years); zrec writes `id`, `event` and `recording_id` first, so most lines need
 * no full parse. A line that is not a message is skipped: the outbox is the builder's to read, not ours.
 */
async function lastIdsOf(file: string, size: number): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  if (size === 0) return ids;
  const lines = createInterface({ input: createReadStream(file, { end: size - 1 }), crlfDelay: Infinity });
  for await (const line of lines) {
    const head = /^\{"id":"([^"\\]*)","event":"[a-z]*","recording_id":"([^"\\]*)"/.exec(line);
    if (head?.[1] !== undefined && head[2] !== undefined) {
      ids.set(head[2], head[1]);
      continue;
    }
    try {
      const message = JSON.parse(line) as Partial<OutboxMessage>;
      if (typeof message.id === "string" && typeof message.recording_id === "string")
        ids.set(message.recording_id, message.id);
    } catch {
      // not a message: nothing to compare against
    }
  }
  return ids;
}

/**
 * Reads every message in an outbox file, oldest first; a missing file holds none.
 * @example
 * const messages = await readOutbox("./zrec-data/outbox.jsonl");
 * console.log(messages.map((m) => `${m.event} ${m.recording_id}`));
 */
export async function readOutbox(file: string): Promise<OutboxMessage[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (hasCode(error, "ENOENT")) return [];
    throw new BackendError(ErrorCode.NOTIFY_FAILED, `outbox ${file}: reading failed: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const messages: OutboxMessage[] = [];
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    try {
      messages.push(JSON.parse(line) as OutboxMessage);
    } catch (error) {
      throw new BackendError(ErrorCode.NOTIFY_FAILED, `outbox ${file}: line ${i + 1} is not valid JSON`, {
        cause: error,
      });
    }
  }
  return messages;
}
