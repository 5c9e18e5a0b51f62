import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A subject for a contract suite whose files live in a fresh temporary folder: `make` gets the folder,
 * and the subject's `close` removes it after closing what `make` opened.
 * @example
 * describeRecordingIndex("SQLite", () =>
 *   inTempFolder((folder) => {
 *     const index = createSqliteIndex({ path: path.join(folder, "index.db") });
 *     return { index, close: async () => index.close?.() };
 *   }),
 * );
 */
export async function inTempFolder<T extends { close(): Promise<void> }>(
  make: (folder: string) => T | Promise<T>,
): Promise<T> {
  const folder = await mkdtemp(path.join(tmpdir(), "zrec-contract-"));
  const made = await make(folder);
  return {
    ...made,
    close: async () => {
      await made.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}
