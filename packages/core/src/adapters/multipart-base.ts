/**
 * What every multipart upload shares, whatever the backend: the part layout check, the state machine
 * (open -> completing -> completed, or aborted), tracking parts in flight, and refusing to complete with a
 * part missing. A backend fills in three primitives (like Powertools' BasePersistenceLayer does).
 */
import { BackendError, ErrorCode } from "../errors.js";
import type { MultipartUpload, StoredObject } from "../ports.js";

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
  /** Stores one part; its number, offset and length have been checked against the layout. */
  sendPart(partNumber: number, offset: number, body: Uint8Array): Promise<void>;
  /** Makes the object appear once every part has arrived; cleans up after itself when it fails. */
  finish(): Promise<StoredObject>;
  /** Throws every part away, once no part is in flight; an upload already gone is not an error. */
  discard(): Promise<void>;
  /** Called before waiting for parts in flight on abort, so that they can be cancelled rather than awaited. */
  cancelInFlight?(): void;
}

type State = "open" | "completing" | "completed" | "aborted";

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
  const arrived = new Set<number>();
  const inFlight = new Set<Promise<void>>();

  async function discard(): Promise<void> {
    primitives.cancelInFlight?.();
    await Promise.allSettled(inFlight);
    await primitives.discard();
  }

  async function finish(): Promise<StoredObject> {
    await Promise.allSettled(inFlight);
    const missing: number[] = [];
    for (let n = 1; n <= partCount; n++) if (!arrived.has(n)) missing.push(n);
    if (missing.length > 0) {
      await discard().catch(() => {});
      throw refuse(
        `part${missing.length === 1 ? "" : "s"} ${missing.join(", ")} of ${partCount} never arrived`,
      );
    }
    return primitives.finish();
  }

  return {
    async uploadPart({ partNumber, offset, body }) {
      if (state !== "open") throw refuse(`part ${partNumber} arrived after the upload was ${state}`);
      if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > partCount) {
        throw refuse(`part number ${partNumber} is outside 1..${partCount}`);
      }
      const expectedOffset = (partNumber - 1) * partSize;
      const expectedLength = Math.min(partSize, size - expectedOffset);
      // A part in the wrong place would make a silently corrupt object (S3 would accept it too).
      if (offset !== expectedOffset || body.byteLength !== expectedLength) {
        throw refuse(
          `part ${partNumber} has ${body.byteLength} bytes at offset ${offset}, expected ${expectedLength} at ${expectedOffset}`,
        );
      }
      const sent = primitives.sendPart(partNumber, offset, body);
      const tracked = sent.catch(() => {});
      inFlight.add(tracked);
      try {
        await sent;
        arrived.add(partNumber);
      } finally {
        inFlight.delete(tracked);
      }
    },

    complete() {
      if (state === "completing" || state === "completed") {
        return completion ?? Promise.reject(refuse("it is already completed"));
      }
      if (state === "aborted") return Promise.reject(refuse("it was aborted"));
      state = "completing";
      completion = finish().then(
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
