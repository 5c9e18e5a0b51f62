/**
 * `zrec ingest`'s copy made ready while the rest of core loads. Core's pipeline (the Zoom client, undici,
 * the stages) takes ~0.2 s of the main thread to load; the configuration and the event are enough to
 * start the hashing thread and fault in the copy's part buffers there (core's `prepareRangedCopy`),
 * which otherwise finished only during the copy's first parts, holding them up. An optimisation only:
 * whatever goes wrong here is left for the ingest itself to report.
 */
import type { ResolvedConfig } from "./config.js";

const MiB = 1024 * 1024;

/**
 * @example
 * const resolving = resolveFor(options);
 * await readyCopies(JSON.parse(text), resolving);
 * const core = await import("@zrec/core");
 */
export async function readyCopies(event: unknown, resolving: Promise<ResolvedConfig>): Promise<void> {
  try {
    const size = largestFileSize(event);
    if (size === undefined) return;
    const { config } = await resolving;
    const { prepareRangedCopy } = await import("@zrec/core/transfer/ranged-copy");
    prepareRangedCopy({
      size,
      partSize: Math.round(config.ingest.partSizeMiB * MiB),
      partConcurrency: config.ingest.partConcurrency,
      storage: config.storage,
    });
  } catch {
    // The configuration or the event is wrong: the ingest says so after reading them properly.
  }
}

/** The largest `file_size` of the event's files, read without trusting its shape (not validated yet). */
function largestFileSize(event: unknown): number | undefined {
  const files = (event as { payload?: { object?: { recording_files?: unknown } } } | null)?.payload?.object
    ?.recording_files;
  if (!Array.isArray(files)) return undefined;
  const sizes = files
    .map((file) => (file as { file_size?: unknown } | null)?.file_size)
    .filter((size): size is number => typeof size === "number" && Number.isSafeInteger(size) && size > 0);
  return sizes.length > 0 ? Math.max(...sizes) : undefined;
}
