/**
 * What every multipart upload shares, whatever the backend: the part layout check, the state machine
 * (open -> completing -> completed, or aborted), tracking parts in flight, and refusing to complete with a
 * part missing. A backend fills in three primitives (like Powertools' BasePersistenceLayer does).
 */
import { BackendError, ErrorCode } from "../errors.js";
import type { MultipartUpload, StoredObject } from "../ports.js";
import { type Checkpoint, type CheckpointPart, checkpointBytes } from "./checkpoint.js";
import { WrittenAhead } from "./written-ahead.js";

export interface MultipartLayout {
  /** Names the store in messages, e.g. `folder ./zrec-data`. */
  description: string;
  key: string;
  partSize: number;
  size: number;
  /** How many parts the object has (S3 wants one even for an empty object). */
  partCount: number;
}

export interface MultipartPrimitives {
  /**
   * Stores one part; its number, offset and length have been checked against the layout. Resolves with
   * what a checkpoint keeps of it (its ETag, and its SHA-256 where the backend has one).
   */
  sendPart(
    partNumber: number,
    offset: number,
    body: Uint8Array,
  ): Promise<Omit<CheckpointPart, "partNumber" | "size">>;
  /**
   * Writes bytes of a part still arriving at `offset` of the object being built (`writeArriving`); the
   * base has checked that they lie inside one part not yet stored.
   */
  writeAt?(offset: number, bytes: Uint8Array): Promise<void>;
  /**
   * Records a part whose every byte `writeAt` has written (`MultipartUpload.storeWritten`); the base has
   * checked that they were. Resolves as `sendPart` does.
   */
  keepWritten?(partNumber: number, md5: string): Promise<Omit<CheckpointPart, "partNumber" | "size">>;
  /** Reads bytes of the object being built back into `into`, from `offset` (`readWritten`). */
  readAt?(offset: number, into: Uint8Array): Promise<void>;
  /** Makes the object appear once every part has arrived; cleans up after itself when it fails. */
  finish(): Promise<StoredObject>;
  /** Throws every part away, once no part is in flight; an upload already gone is not an error. */
  discard(): Promise<void>;
  /** Called before waiting for parts in flight on abort, so that they can be cancelled rather than awaited. */
  cancelInFlight?(): void;
  /** Lets go of what the upload holds (a file, a lock), keeping its parts and checkpoint; see `suspend`. */
  suspend?(): Promise<void>;
  /** For a resumable upload: where its checkpoint is kept, and what an earlier run already stored. */
  checkpoint?: CheckpointKeeper;
}

/** Keeps a resumable upload's checkpoint; the base decides when to write and remove it. */
export interface CheckpointKeeper {
  /** The checkpoint this upload starts from: parts an earlier run stored (none for a fresh upload). */
  initial: Checkpoint;
  /** Replaces the stored checkpoint. */
  save(checkpoint: Checkpoint): Promise<void>;
  /** Removes the checkpoint (and whatever else only it needed); one already gone is not an error. */
  remove(): Promise<void>;
}

type State = "open" | "completing" | "completed" | "aborted";

const MD5_HEX = /^[0-9a-f]{32}$/;

/** The error for an upload used the wrong way or laid out wrongly. */
export function multipartRefusal(layout: Pick<MultipartLayout, "description" | "key">, sentence: string) {
  return new BackendError(
    ErrorCode.STORE_FAILED,
    `${layout.description}: multipart upload of ${layout.key}: ${sentence}`,
  );
}

/** Checks size and part size before a backend starts anything. */
export function checkLayout(layout: MultipartLayout): void {
  const { size, partSize } = layout;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw multipartRefusal(layout, `size ${size} is not a non-negative integer`);
  }
  if (!Number.isSafeInteger(partSize) || partSize <= 0) {
    throw multipartRefusal(layout, `part size ${partSize} is not a positive integer`);
  }
}

/**
 * Wraps a backend's primitives into the port's MultipartUpload.
 * @example
 * return multipartUpload({ description, key, partSize, size, partCount }, { sendPart, finish, discard });
 */
export function multipartUpload(layout: MultipartLayout, primitives: MultipartPrimitives): MultipartUpload {
  const { partSize, size, partCount } = layout;
  const refuse = (sentence: string) => multipartRefusal(layout, sentence);
  let state: State = "open";
  let completion: Promise<StoredObject> | undefined;
  const keeper = primitives.checkpoint;
  const recorded = new Map<number, CheckpointPart>(keeper?.initial.parts.map((p) => [p.partNumber, p]));
  const arrived = new Set<number>(recorded.keys());
  const inFlight = new Set<Promise<void>>();
  /** Per part still arriving, how many bytes from its start writeArriving has written without a gap. */
  const writtenAhead = new WrittenAhead();
  /** Suspended: its file and lock are let go, so no more bytes are written ahead. */
  let letGo = false;
  // Saves run one at a time, each writing every part recorded so far; a failed save only costs a later
  // resume some parts, so it never fails the copy. Parts stored while a save runs share the one queued
  // behind it: the parts of a round land together, and one save per part in a row (each part waiting
  // for its own, its buffer held meanwhile) was 8 writes and renames where 2 record the same.
  let saving: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  const saveCheckpoint = (): Promise<void> => {
    if (!keeper) return Promise.resolve();
    if (queued) return queued;
    const next = saving.then(() => {
      // From here on a part recorded needs the save after this one.
      queued = undefined;
      return keeper
        .save({
          ...keeper.initial,
          parts: [...recorded.values()].sort((a, b) => a.partNumber - b.partNumber),
        })
        .catch(() => {});
    });
    queued = next;
    saving = next;
    return next;
  };
  const removeCheckpoint = async () => {
    await saving;
    await keeper?.remove().catch(() => {});
  };

  /**
   * Bytes of a part still arriving, written at their place. Refused outside one part, or into a part
   * already stored (a reused part of a resumed upload among them): those bytes are final.
   */
  async function writeArriving(offset: number, bytes: Uint8Array): Promise<void> {
    if (state !== "open") throw refuse(`bytes at offset ${offset} arrived after the upload was ${state}`);
    if (letGo) throw refuse(`bytes at offset ${offset} arrived after the upload was suspended`);
    const partNumber = Math.floor(offset / partSize) + 1;
    const partEnd = Math.min(partNumber * partSize, size);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + bytes.byteLength > partEnd) {
      throw refuse(`${bytes.byteLength} bytes at offset ${offset} do not lie inside one part`);
    }
    if (arrived.has(partNumber))
      throw refuse(`bytes at offset ${offset} would overwrite stored part ${partNumber}`);
    const counting = writtenAhead.begin(partNumber, offset - (partNumber - 1) * partSize, bytes.byteLength);
    try {
      await tracked((primitives.writeAt as NonNullable<MultipartPrimitives["writeAt"]>)(offset, bytes));
      counting.done(true);
    } catch (error) {
      counting.done(false);
      throw error;
    }
  }

  /** `work`, counted among the operations an abort, a completion and a suspension wait for. */
  async function tracked<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => {},
      () => {},
    );
    inFlight.add(settled);
    try {
      return await work;
    } finally {
      inFlight.delete(settled);
    }
  }

  async function discard(): Promise<void> {
    primitives.cancelInFlight?.();
    await Promise.allSettled(inFlight);
    await primitives.discard();
    await removeCheckpoint();
  }

  async function finish(keepCheckpoint: boolean): Promise<StoredObject> {
    await Promise.allSettled(inFlight);
    const missing: number[] = [];
    for (let n = 1; n <= partCount; n++) if (!arrived.has(n)) missing.push(n);
    if (missing.length > 0) {
      await discard().catch(() => {});
      throw refuse(
        `part${missing.length === 1 ? "" : "s"} ${missing.join(", ")} of ${partCount} never arrived`,
      );
    }
    const stored = await primitives.finish();
    if (!keepCheckpoint) await removeCheckpoint();
    return stored;
  }

  /** Checks a part's number and place against the layout; its expected length. */
  function checkPart(partNumber: number, offset: number, length: number): void {
    if (state !== "open") throw refuse(`part ${partNumber} arrived after the upload was ${state}`);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > partCount) {
      throw refuse(`part number ${partNumber} is outside 1..${partCount}`);
    }
    const expectedOffset = (partNumber - 1) * partSize;
    const expectedLength = Math.min(partSize, size - expectedOffset);
    // A part in the wrong place would make a silently corrupt object (S3 would accept it too).
    if (offset !== expectedOffset || length !== expectedLength) {
      throw refuse(
        `part ${partNumber} has ${length} bytes at offset ${offset}, expected ${expectedLength} at ${expectedOffset}`,
      );
    }
  }

  /** Waits for a part being stored, records it, then checkpoints it. */
  async function record(
    partNumber: number,
    length: number,
    sent: Promise<Omit<CheckpointPart, "partNumber" | "size">>,
  ): Promise<void> {
    // Recorded before it stops counting as in flight: a completion waiting for the parts in flight
    // then finds it arrived.
    const settled = sent.then(
      () => {},
      () => {},
    );
    inFlight.add(settled);
    try {
      const kept = await sent;
      arrived.add(partNumber);
      recorded.set(partNumber, { partNumber, size: length, ...kept });
    } finally {
      inFlight.delete(settled);
    }
    // After the part is stored, never before: a kill loses at most the parts in flight.
    await saveCheckpoint();
  }

  /** Bytes read back from the object being built, for a caller hashing it (`readWritten`). */
  async function readWritten(offset: number, into: Uint8Array): Promise<void> {
    if (state !== "open" || letGo) {
      throw refuse(`bytes at offset ${offset} were read after the upload was ${letGo ? "suspended" : state}`);
    }
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + into.byteLength > size) {
      throw refuse(`${into.byteLength} bytes at offset ${offset} lie outside the object`);
    }
    await tracked((primitives.readAt as NonNullable<MultipartPrimitives["readAt"]>)(offset, into));
  }

  return {
    ...(keeper && keeper.initial.parts.length > 0
      ? {
          resumed: {
            parts: keeper.initial.parts.map((p) => p.partNumber),
            bytes: checkpointBytes(keeper.initial),
          },
        }
      : {}),
    ...(primitives.writeAt ? { writeArriving } : {}),
    ...(primitives.writeAt && primitives.keepWritten && primitives.readAt
      ? {
          readWritten,
          async storeWritten({ partNumber, offset, length, md5 }) {
            checkPart(partNumber, offset, length);
            const ahead = writtenAhead.take(partNumber);
            // The bytes were never seen here: only writes known to have laid them all down, in order and
            // all ended, may stand for them.
            if (ahead.writing > 0) throw refuse(`part ${partNumber} still has writes in flight`);
            if (ahead.count !== length) {
              throw refuse(`part ${partNumber}: ${ahead.count} of its ${length} bytes were written ahead`);
            }
            if (!MD5_HEX.test(md5)) throw refuse(`part ${partNumber} came without its MD5`);
            const keep = primitives.keepWritten as NonNullable<MultipartPrimitives["keepWritten"]>;
            await record(partNumber, length, keep(partNumber, md5));
          },
        }
      : {}),
    async uploadPart({ partNumber, offset, body }) {
      checkPart(partNumber, offset, body.byteLength);
      // Bytes written ahead of a part sent whole count for nothing: it is written again, all of it, and
      // not while a write ahead could still land over it.
      if (writtenAhead.take(partNumber).writing > 0)
        throw refuse(`part ${partNumber} still has writes in flight`);
      await record(partNumber, body.byteLength, primitives.sendPart(partNumber, offset, body));
    },

    complete(options) {
      if (state === "completing" || state === "completed") {
        return completion ?? Promise.reject(refuse("it is already completed"));
      }
      if (state === "aborted") return Promise.reject(refuse("it was aborted"));
      state = "completing";
      completion = finish(options?.keepCheckpoint === true).then(
        (stored) => {
          state = "completed";
          return stored;
        },
        (error: unknown) => {
          state = "aborted";
          throw error;
        },
      );
      return completion;
    },

    async forget() {
      if (state === "completed") await removeCheckpoint();
    },

    async suspend() {
      letGo = true;
      if (state === "completing") await completion?.catch(() => {});
      if (state === "aborted") return;
      // Every part recorded is in the checkpoint before the upload is let go.
      await Promise.allSettled(inFlight);
      await saving;
      await primitives.suspend?.();
    },

    async abort() {
      if (state === "completing") {
        await completion?.catch(() => {});
        return;
      }
      if (state !== "open") return;
      state = "aborted";
      await discard();
    },
  };
}
