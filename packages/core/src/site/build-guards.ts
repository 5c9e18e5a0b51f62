/**
 * What a site build refuses to do, before it changes anything: overwrite a folder that holds someone
 * else's files, and follow an index that lost recordings the store still holds (it would withdraw
 * them from the site).
 */
import pLimit from "p-limit";
import { InputError } from "../errors.js";
import { documentKey } from "../pipeline/store-json.js";
import type { ObjectStore, RecordingIndex } from "../ports.js";
import { lostIndexError } from "../tasks/lost-index.js";
import { MANIFEST, OWNED_FOLDERS } from "./manifest.js";
import type { SiteOutput } from "./output.js";

/**
 * A full build deletes what it did not write in its own folders and overwrites the home page: in a
 * folder that holds files but was never a zrec site (a mistyped --out), that would be someone's data.
 */
export async function refuseForeignFolder(output: SiteOutput): Promise<void> {
  if ((await output.read(MANIFEST)) !== undefined) return;
  const owned = [...OWNED_FOLDERS, "assets/"];
  for (const folder of owned) {
    for await (const file of output.list(folder)) throw foreign(output, file);
  }
  for (const file of ["index.html", "search.html"]) {
    if ((await output.read(file)) !== undefined) throw foreign(output, file);
  }
}

function foreign(output: SiteOutput, file: string): InputError {
  return new InputError(
    `${output.description} holds ${file} but no zrec site (no ${MANIFEST}); a build would overwrite or delete files there.`,
    { suggestion: "Build into an empty folder (or one zrec built), or move those files away first." },
  );
}

/**
 * A recording leaving the site because the index lost its row while the store keeps its document is
 * not withdrawn but unindexed (an index moved, a new index.path being refilled by ingests): the site
 * must not follow the index there. A purge deletes the document first; an unpublish keeps the row.
 */
export async function refusePartialIndex(withdrawn: string[], index: RecordingIndex, store: ObjectStore) {
  const limit = pLimit(16);
  const lost = await Promise.all(
    withdrawn.map((id) =>
      limit(
        async () => (await index.get(id)) === undefined && (await store.head(documentKey(id))) !== undefined,
      ),
    ),
  );
  if (lost.some(Boolean)) throw lostIndexError();
}
