/**
 * The checkpoint of a resumable multipart upload: what a later copy of the same file needs to reuse the
 * parts already stored and fetch only the rest. A store keeps it beside the upload (the folder store in
 * the part folder, S3 as a small object under `.zrec-uploads/`) and rewrites it after each stored part,
 * so a kill loses at most the parts in flight.
 */
import * as z from "../config/zod.js";

/** One part that is safely stored. */
export interface CheckpointPart {
  partNumber: number;
  size: number;
  /** S3's ETag of the part; the folder store keeps the part's MD5 here (for the object's S3-style ETag). */
  etag: string;
  /** SHA-256 of the part (hex in a folder, base64 on S3 where it is the part's checksum); absent when S3 checksums are off. */
  sha256?: string;
}

export interface Checkpoint {
  version: 1;
  /** The key as the port knows it. */
  key: string;
  /** Names the source: a later copy reuses the parts only with the same one (zrec: Zoom file id and size). */
  resumeId: string;
  size: number;
  partSize: number;
  /** S3's UploadId; the part folder's name in a folder store. */
  upload: string;
  parts: CheckpointPart[];
}

/** What a copy asks for: the checkpoint counts only when all of it matches. */
export type CheckpointTarget = Pick<Checkpoint, "key" | "resumeId" | "size" | "partSize">;

const schema = z.object({
  version: z.literal(1),
  key: z.string(),
  resumeId: z.string(),
  size: z.number().int().nonnegative(),
  partSize: z.number().int().positive(),
  upload: z.string().min(1),
  parts: z.array(
    z.object({
      partNumber: z.number().int().positive(),
      size: z.number().int().nonnegative(),
      etag: z.string(),
      sha256: z.string().optional(),
    }),
  ),
});

/**
 * The checkpoint in `text` when it is well formed and made for exactly `target`, else undefined: a
 * checkpoint that does not fit is never an error, the copy just starts over.
 * @example
 * const checkpoint = parseCheckpoint(text, { key, resumeId: "file-1:400000000", size, partSize });
 */
export function parseCheckpoint(text: string, target: CheckpointTarget): Checkpoint | undefined {
  let parsed: z.infer<typeof schema>;
  try {
    parsed = schema.parse(JSON.parse(text));
  } catch {
    return undefined;
  }
  const { key, resumeId, size, partSize } = target;
  if (parsed.key !== key || parsed.resumeId !== resumeId || parsed.size !== size) return undefined;
  if (parsed.partSize !== partSize) return undefined;
  const count = Math.max(1, Math.ceil(size / partSize));
  const seen = new Set<number>();
  for (const part of parsed.parts) {
    const expected = Math.min(partSize, size - (part.partNumber - 1) * partSize);
    if (part.partNumber > count || part.size !== expected || seen.has(part.partNumber)) return undefined;
    seen.add(part.partNumber);
  }
  return {
    version: 1,
    key,
    resumeId,
    size,
    partSize,
    upload: parsed.upload,
    parts: parsed.parts.map((p) => ({
      partNumber: p.partNumber,
      size: p.size,
      etag: p.etag,
      ...(p.sha256 !== undefined ? { sha256: p.sha256 } : {}),
    })),
  };
}

/** Bytes the checkpoint's parts hold. */
export function checkpointBytes(checkpoint: Pick<Checkpoint, "parts">): number {
  return checkpoint.parts.reduce((sum, part) => sum + part.size, 0);
}
