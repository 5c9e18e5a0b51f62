/**
 * An index with no recordings over a store that holds some is a lost or new index (deleted, moved, a
 * new `index.path` before `rebuild-db`), not an empty archive. Commands that act on "every recording"
 * must not take it at its word: the site build would withdraw the whole site.
 */
import { NotFoundError } from "../errors.js";
import type { ObjectStore } from "../ports.js";

/** Whether the store holds at least one recording document (it stops at the first). */
export async function storeHoldsRecordings(store: ObjectStore): Promise<boolean> {
  for await (const key of store.list("")) if (key.endsWith("/recording_document.json")) return true;
  return false;
}

export function lostIndexError(): NotFoundError {
  return new NotFoundError(
    "The index holds no recordings, but the store does: the index is new or was moved away.",
    { suggestion: "Run `zrec rebuild-db` to index every recording document in the store." },
  );
}
