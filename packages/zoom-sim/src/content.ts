/**
 * Deterministic file content: every byte is a function of (fileId, offset), so a multi-GiB file costs no
 * memory and any range can be served or checked on its own.
 *
 *   byte(o) = PATTERN[(o + seed(fileId) + 7919 * floor(o / BLOCK)) mod P]
 *
 * Within one BLOCK the pattern index advances by one per byte, so a block is one subarray of PATTERN
 * (no per-byte work: serving is as fast as the socket). The prime period P and the per-block jump make
 * the content order-sensitive: parts swapped or shifted by a byte hash differently.
 */
import { createCipheriv, createHash } from "node:crypto";
import { setImmediate as yieldToLoop } from "node:timers/promises";

/** The smallest prime above 1 MiB. */
export const PATTERN_PERIOD = 1_048_583;
/** Bytes served per subarray; also the unit of the per-block jump. */
export const BLOCK = 64 * 1024;
const BLOCK_JUMP = 7919;

const PATTERN = makePattern();

function makePattern(): Buffer {
  // AES-CTR over zeros is a fast, fixed pseudo-random stream: the same bytes in every process.
  const cipher = createCipheriv("aes-128-ctr", Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  const period = cipher.update(Buffer.alloc(PATTERN_PERIOD));
  // The tail repeats the head so a block starting near the end is still one contiguous subarray.
  return Buffer.concat([period, period.subarray(0, BLOCK)]);
}

function seedOf(fileId: string): number {
  return createHash("sha256").update(fileId).digest().readUInt32BE(0) % PATTERN_PERIOD;
}

/**
 * The bytes of [start, end) as subarrays of the shared pattern, at most BLOCK each, in order.
 * The buffers are shared and must not be written to.
 */
export function* contentChunks(fileId: string, start: number, end: number): Generator<Buffer> {
  const seed = seedOf(fileId);
  let offset = start;
  while (offset < end) {
    const block = Math.floor(offset / BLOCK);
    const length = Math.min(BLOCK - (offset % BLOCK), end - offset);
    const index = (offset + seed + BLOCK_JUMP * block) % PATTERN_PERIOD;
    yield PATTERN.subarray(index, index + length);
    offset += length;
  }
}

/** A copy of the bytes [start, endExclusive). */
export function contentBytes(fileId: string, start: number, endExclusive: number): Buffer {
  if (start < 0 || endExclusive < start) throw new RangeError(`bad range ${start}-${endExclusive}`);
  return Buffer.concat([...contentChunks(fileId, start, endExclusive)]);
}

/** Hex sha256 of the whole content, streamed; yields to the event loop now and then so servers keep serving. */
export async function contentSha256(fileId: string, size: number): Promise<string> {
  const hash = createHash("sha256");
  let sinceYield = 0;
  for (const chunk of contentChunks(fileId, 0, size)) {
    hash.update(chunk);
    sinceYield += chunk.length;
    if (sinceYield >= 32 * 1024 * 1024) {
      sinceYield = 0;
      await yieldToLoop();
    }
  }
  return hash.digest("hex");
}
