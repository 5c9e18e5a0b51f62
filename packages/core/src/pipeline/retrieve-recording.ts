/**
 * Stage 2, once per file: copy one recording file from Zoom into the store with the ranged copy, then
 * write its metadata JSON. A file already stored whole (metadata written after the object, and the
 * object's size right) is not copied again, which makes a re-run cheap.
 */
import { TransferError } from "../errors.js";
import { choosePartSize } from "../transfer/part-plan.js";
import { CopySuspended, prepareRangedCopy, rangedCopy } from "../transfer/ranged-copy.js";
import { createDownloadSource } from "../zoom/download.js";
import { isRecordingId } from "../zoom/ids.js";
import type { ZoomRecordingFile } from "../zoom/types.js";
import type { PipelineDeps } from "./deps.js";
import { downloadTokenProvider } from "./download-token.js";
import { storableFile } from "./redact.js";
import { getJson, putJson } from "./store-json.js";
import type { FileTask, IncompleteFile, RetrieveRecordingInput, StoredFile } from "./types.js";

const MiB = 1024 * 1024;

/** Copies the file whole, however long it takes (the CLI, `zrec serve`). */
export async function retrieveRecording(
  input: RetrieveRecordingInput,
  deps: PipelineDeps,
): Promise<StoredFile> {
  const { stageDeadline: _none, ...unbounded } = deps;
  return (await retrieveRecordingWithin(input, unbounded)) as StoredFile;
}

/**
 * Copies within a time budget (Lambda): until `deps.stageDeadline` or `ingest.stageTimeBudgetSeconds`,
 * whichever comes first. When it runs out first, the parts stored so far stay checkpointed and the result
 * is an {@link IncompleteFile}; the same input again goes on from there (the state machine loops).
 */
export async function retrieveRecordingWithin(
  input: RetrieveRecordingInput,
  deps: PipelineDeps,
): Promise<StoredFile | IncompleteFile> {
  const { task } = input;
  checkTask(task);
  const { store } = deps.backends;
  const previous = await alreadyStored(task, deps);
  if (previous) {
    deps.onEvent?.({ type: "file-done", key: task.key, size: previous.size, skipped: true });
    return previous;
  }

  const url = task.zoom_file.download_url;
  if (typeof url !== "string")
    throw new TransferError(`${task.key}: Zoom gave no download_url for this file.`);
  const source = createDownloadSource({
    url,
    token: downloadTokenProvider({
      // The event's token is for the event's URLs; the API's URL is the account's to download.
      ...(input.download_token !== undefined && task.download_url_from_api !== true
        ? { downloadToken: input.download_token }
        : {}),
      ...(input.event_ts !== undefined ? { eventTs: input.event_ts } : {}),
      zoom: deps.zoom(task.zoom_account),
      now: (deps.now?.() ?? new Date()).getTime(),
    }),
    allowedHosts: deps.config.zoom.allowedDownloadHosts,
    ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}),
  });
  deps.onEvent?.({ type: "file-start", key: task.key, ...totalOf(task) });
  const budget = budgetSignal(deps);
  let copied: Awaited<ReturnType<typeof rangedCopy>>;
  try {
    copied = await rangedCopy({
      source,
      store,
      key: task.key,
      contentType: task.mime_type,
      partSize: partSizeFor(task.expected_size, deps),
      partConcurrency: deps.config.ingest.partConcurrency,
      ...(task.expected_size !== undefined ? { expectedSize: task.expected_size } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(deps.transfer?.idleTimeoutMs !== undefined ? { idleTimeoutMs: deps.transfer.idleTimeoutMs } : {}),
      ...(deps.transfer?.retry !== undefined ? { retry: deps.transfer.retry } : {}),
      ...resumable(task),
      keepCheckpoint: true,
      ...(budget ? { budget } : {}),
      onProgress: ({ loaded, total, resumedFrom }) => {
        if (resumedFrom !== undefined && total !== undefined) {
          deps.onEvent?.({ type: "file-resumed", key: task.key, from: resumedFrom, total });
        }
        deps.onEvent?.({
          type: "file-progress",
          key: task.key,
          loaded,
          ...(total !== undefined ? { total } : {}),
        });
      },
    });
  } catch (error) {
    if (!(error instanceof CopySuspended)) throw error;
    deps.onEvent?.({ type: "file-suspended", key: task.key, loaded: error.loaded, total: error.total });
    return { status: "incomplete", key: task.key, loaded: error.loaded, total: error.total };
  }

  const file = task.zoom_file;
  const stored: StoredFile = {
    recording_type: task.recording_type,
    s3_url: copied.url,
    etag: copied.etag,
    zoom_file_size: task.expected_size ?? null,
    mime_type: task.mime_type,
    key: task.key,
    size: copied.size,
    sha256: copied.sha256,
    ...(file.file_type !== undefined ? { file_type: file.file_type } : {}),
    ...(file.recording_start !== undefined ? { recording_start: file.recording_start } : {}),
    ...(file.recording_end !== undefined ? { recording_end: file.recording_end } : {}),
    ...(file.id !== undefined ? { zoom_file_id: file.id } : {}),
  };
  // Zoom's own fields first (what the older system stored), then what zrec learnt while storing it.
  try {
    await putJson(store, task.metadata_key, { ...storableFile(file), ...stored });
  } catch (error) {
    // The next run finds the object through the checkpoint; nothing of this one may stand in its way.
    await copied.release();
    throw error;
  }
  // Only now: killed before this record, the next run found the object through the checkpoint.
  await copied.forget();
  deps.onEvent?.({ type: "file-done", key: task.key, size: stored.size, skipped: false });
  return stored;
}

/** Keys come from a payload: make sure this task writes only inside its own recording's folder. */
function checkTask(task: FileTask): void {
  const inFolder = (key: string) =>
    key.startsWith(`${task.recording_id}/`) && !key.slice(task.recording_id.length + 1).includes("/");
  if (!isRecordingId(task.recording_id) || !inFolder(task.key) || !inFolder(task.metadata_key)) {
    throw new TransferError(
      `Refusing a file task whose keys are outside its recording folder (${task.key}).`,
    );
  }
}

async function alreadyStored(task: FileTask, deps: PipelineDeps): Promise<StoredFile | undefined> {
  const { store } = deps.backends;
  const metadata = (await getJson(store, task.metadata_key).catch(() => undefined)) as
    | Partial<StoredFile>
    | undefined;
  if (!metadata || metadata.key !== task.key || typeof metadata.sha256 !== "string") return undefined;
  const head = await store.head(task.key);
  if (!head || head.size !== metadata.size) return undefined;
  if (task.expected_size !== undefined && head.size !== task.expected_size) return undefined;
  return {
    recording_type: task.recording_type,
    s3_url: metadata.s3_url ?? store.urlFor(task.key),
    etag: metadata.etag ?? head.etag ?? "",
    zoom_file_size: task.expected_size ?? null,
    mime_type: task.mime_type,
    key: task.key,
    size: head.size,
    sha256: metadata.sha256,
    ...pick(metadata, ["file_type", "recording_start", "recording_end", "zoom_file_id"]),
  };
}

function pick(source: Partial<StoredFile>, keys: (keyof StoredFile)[]): Partial<StoredFile> {
  return Object.fromEntries(keys.filter((k) => typeof source[k] === "string").map((k) => [k, source[k]]));
}

/**
 * Readies the copy of the largest of an event's `files` (its part buffers, the hashing thread) while the
 * metadata stage asks Zoom's API: see `prepareRangedCopy`. Nothing happens without a file_size.
 * @example
 * prepareRetrieval(event.payload.object.recording_files ?? [], deps);
 * const metadata = await ingestMetadata({ event }, deps);
 */
export function prepareRetrieval(files: ZoomRecordingFile[], deps: PipelineDeps): void {
  const sizes = files
    .map((file) => file.file_size)
    .filter((size): size is number => typeof size === "number");
  const size = Math.max(0, ...sizes);
  if (size === 0) return;
  const partSize = partSizeFor(size, deps);
  prepareRangedCopy({
    size,
    partSize,
    partConcurrency: deps.config.ingest.partConcurrency,
    storage: deps.config.storage,
  });
}

/** The configured part size, raised when Zoom's file_size would need more parts than the store takes. */
function partSizeFor(size: number | undefined, deps: PipelineDeps): number {
  const configured = Math.round(deps.config.ingest.partSizeMiB * MiB);
  if (size === undefined) return configured;
  return choosePartSize(size, configured, deps.backends.store.multipartLimits);
}

/** Aborts at the stage's deadline or after `ingest.stageTimeBudgetSeconds`, when either is set. */
function budgetSignal(deps: PipelineDeps): AbortSignal | undefined {
  if (deps.stageDeadline === undefined) return undefined;
  const configured = deps.config.ingest.stageTimeBudgetSeconds;
  const left = deps.stageDeadline - Date.now();
  const ms = configured === null ? left : Math.min(left, configured * 1000);
  return AbortSignal.timeout(Math.max(0, ms));
}

/**
 * A copy resumes only from parts stored for the same Zoom file at the same size: a file Zoom re-encoded
 * (another size) or one without an id (no way to tell it from another) starts over.
 */
function resumable(task: FileTask): { resumeId?: string } {
  const id = task.zoom_file.id;
  if (typeof id !== "string" || id === "" || task.expected_size === undefined) return {};
  return { resumeId: `${id}:${task.expected_size}` };
}

const totalOf = (task: FileTask) => (task.expected_size !== undefined ? { total: task.expected_size } : {});
