/**
 * S3's multipart limits, as the S3 store states them (`ObjectStore.multipartLimits`) and its uploads
 * check them.
 */
import type { MultipartLimits } from "../ports.js";

const MiB = 1024 * 1024;
/** S3 refuses a part smaller than this, except the last. */
export const S3_MIN_PART_SIZE = 5 * MiB;
/** S3 refuses a part larger than this. */
export const S3_MAX_PART_SIZE = 5 * 1024 * MiB;
/** S3 refuses part numbers above this. */
export const S3_MAX_PARTS = 10_000;

export const S3_MULTIPART_LIMITS: MultipartLimits = {
  minPartSize: S3_MIN_PART_SIZE,
  maxPartSize: S3_MAX_PART_SIZE,
  maxParts: S3_MAX_PARTS,
};
