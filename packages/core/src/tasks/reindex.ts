/**
 * reindex: an operator edits a recording document (from `zrec get --output`) and puts it back. The
 * edited document replaces the stored one and the index row, and the website builder hears about it.
 */
import { NotFoundError } from "../errors.js";
import { documentKey, putJson } from "../pipeline/store-json.js";
import type { Backends } from "../ports.js";
import { validateDocument } from "../recording/document.js";
import { checkEdit } from "./reindex-checks.js";

export interface ReindexOptions {
  /** Send a `reindexed` notification. Default true. */
  notify?: boolean;
  /** Names the document in errors: the file it was read from. Default "the recording document". */
  source?: string;
}

export interface ReindexResult {
  recording_id: string;
  /** Store key the document was written to: `{recording_id}/recording_document.json`. */
  document_key: string;
  notified: boolean;
}

/**
 * Validates `documentJson` as a recording document, then writes it to the store and the index and
 * sends one `reindexed` notification. A notification is sent even when nothing changed: asking for a
 * reindex is asking for the website to be told again.
 *
 * @throws DocumentError naming the field at fault; nothing is written then.
 * @throws NotFoundError when the archive has no recording with the document's `recording_id` (an id
 *   edited by mistake would otherwise leave the intended recording untouched and add an orphan).
 * @example
 * const edited = JSON.parse(await readFile("recording_document.json", "utf8"));
 * const { recording_id, notified } = await reindex(edited, { backends }, { source: "recording_document.json" });
 */
export async function reindex(
  documentJson: unknown,
  deps: { backends: Backends },
  options: ReindexOptions = {},
): Promise<ReindexResult> {
  const { store, index, notifier } = deps.backends;
  const document = validateDocument(documentJson, options.source);
  checkEdit(documentJson, options.source ?? "the recording document");
  const id = document.recording_id;
  const key = documentKey(id);

  const known = (await index.get(id)) !== undefined || (await store.head(key)) !== undefined;
  if (!known) {
    throw new NotFoundError(
      `Recording ${id} is not in the archive (${index.description} has no row for it and ${store.description} has no ${key}), so there is nothing to reindex.`,
      {
        suggestion:
          "Check the document's recording_id; to add a recording, ingest its event with `zrec ingest`.",
      },
    );
  }

  await putJson(store, key, document);
  // The row before the notification, so that a website builder reading the index on receipt sees the edit.
  await index.put(document);
  const notify = options.notify ?? true;
  if (notify) await notifier.send({ event: "reindexed", document });
  return { recording_id: id, document_key: key, notified: notify };
}
