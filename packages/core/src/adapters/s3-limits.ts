/**
 * S3's multipart limits and the part size that fits them. Kept free of the AWS SDK so that the ranged
 * copy can plan parts without loading it (a folder-only run never does).
 */

const MiB = 1024 * 1024;
/** S3 refuses a part smaller than this, except the last. */
export const S3_MIN_PART_SIZE = 5 * MiB;
/** S3 refuses a part larger than this. */
export const S3_MAX_PART_SIZE = 5 * 1024 * MiB;
/** S3 refuses part numbers above this. */
export const S3_MAX_PARTS = 10_000;

/**
 * The part size to use for an object of `size` bytes when `requested` bytes are wanted: `requested`,
 * raised to S3's 5 MiB minimum, and raised further (to a whole number of MiB) when `size` would otherwise
 * need more than 10,000 parts. `createMultipartUpload` on S3 refuses layouts this would have changed.
 * @example
 * choosePartSize(100 * 2 ** 30, 8 * 2 ** 20); // 11 MiB: 100 GiB in 8 MiB parts would be 12,800 parts
 */
export function choosePartSize(size: number, requested: number): number {
  if (!Number.isSafeInteger(requested) || requested < 1) {
    throw new RangeError(`requested part size ${requested} is not a positive integer`);
  }
  const partSize = Math.max(requested, S3_MIN_PART_SIZE);
  if (Math.ceil(size / partSize) <= S3_MAX_PARTS) return partSize;
  return Math.ceil(size / S3_MAX_PARTS / MiB) * MiB;
}
