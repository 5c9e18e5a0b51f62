/**
 * The one way a whole-archive task reads every recording's `{id}/{name}` (rebuild-db today; purge-old,
 * the sweep's archive check and the site build read the index instead, which is authoritative for them).
 * The store's own `scanFolders` where it has one, else a listing and a `get` per key, read ahead.
 */
import type { ObjectStore, ScannedObject } from "../ports.js";

export interface ScanOptions {
  /** Objects read at once when the store has no `scanFolders` of its own (S3). Default 16. */
  concurrency?: number;
}

/**
 * Every object called `name` directly inside a top-level folder of `store`, as text, in key order, in
 * groups (of one, from a store without a scan of its own). An object that vanishes between listing and
 * reading is left out.
 * @example
 * for await (const group of scanFolders(store, "recording_document.json")) {
 *   for (const { key, text } of group) JSON.parse(text);
 * }
 */
export function scanFolders(
  store: ObjectStore,
  name: string,
  options: ScanOptions = {},
): AsyncIterable<ScannedObject[]> {
  if (store.scanFolders) return store.scanFolders(name);
  return listAndRead(store, name, options.concurrency ?? 16);
}

/**
 * Keeps up to `concurrency` reads in flight ahead of the caller, so that a store far away (S3: a round
 * trip per object) is read while the caller writes what it got; results still come out in key order.
 */
async function* listAndRead(
  store: ObjectStore,
  name: string,
  concurrency: number,
): AsyncGenerator<ScannedObject[]> {
  const keys = store.list("")[Symbol.asyncIterator]();
  const pending: { key: string; body: Promise<Uint8Array | undefined> }[] = [];
  let listed = false;
  const topUp = async () => {
    while (!listed && pending.length < concurrency) {
      const next = await keys.next();
      if (next.done) {
        listed = true;
        break;
      }
      const slash = next.value.indexOf("/");
      if (slash <= 0 || next.value.slice(slash + 1) !== name) continue;
      const body = store.get(next.value);
      // Awaited in turn below; until then a failure must not count as unhandled.
      body.catch(() => {});
      pending.push({ key: next.value, body });
    }
  };
  try {
    for (;;) {
      await topUp();
      const head = pending.shift();
      if (head === undefined) return;
      const body = await head.body;
      if (body !== undefined) {
        const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
        yield [{ key: head.key, text }];
      }
    }
  } finally {
    // Stopped early (an error, a `break`): end the listing too.
    await keys.return?.();
  }
}
