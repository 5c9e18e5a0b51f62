/**
 * Small file-system primitives the file-backed adapters share: whole writes, directory fsync, folders
 * that say why they cannot be made, and the error-code test they all need.
 */
import { existsSync, mkdirSync } from "node:fs";
import { type FileHandle, mkdir, open } from "node:fs/promises";
import path from "node:path";

/**
 * Writes every byte of `bytes`, at `position` when given (else at the handle's current offset).
 * A single write may be short (a signal, a full pipe, a network file system), so this loops.
 * @example
 * await writeFully(handle, Buffer.from("hello"), 0);
 */
export async function writeFully(handle: FileHandle, bytes: Uint8Array, position?: number): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const at = position === undefined ? null : position + done;
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, at);
    if (bytesWritten <= 0)
      throw new Error(`write made no progress after ${done} of ${bytes.byteLength} bytes`);
    done += bytesWritten;
  }
}

/**
 * Reads `into.byteLength` bytes at `position` of the file into `into`, however many reads it takes.
 * @throws Error when the file ends first.
 * @example
 * await readFully(handle, new Uint8Array(1024), 4096);
 */
export async function readFully(handle: FileHandle, into: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < into.byteLength) {
    const { bytesRead } = await handle.read(into, done, into.byteLength - done, position + done);
    if (bytesRead <= 0) throw new Error(`the file ended after ${position + done} bytes`);
    done += bytesRead;
  }
}

/**
 * Makes a rename or a new directory entry in `dir` durable. Best effort: some platforms (Windows) and
 * file systems cannot open or sync a directory, and the data itself is already synced by then.
 * @example
 * await rename(temp, final);
 * await syncDirectory(dirname(final));
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Durability of the directory entry is a bonus here, not a promise the port makes.
  } finally {
    await handle?.close().catch(() => {});
  }
}

/**
 * `mkdir -p`, with the real reason when it fails. Node's recursive mkdir answers ENOENT ("no such file
 * or directory") on a read-only file system, where the truth is EROFS: the first missing folder is made
 * alone to learn why (found by the disk-fault tests, on a tmpfs mounted read-only).
 * @example
 * await makeFolder(path.join(root, ".zrec-tmp"));
 */
export async function makeFolder(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    if (!hasCode(error, "ENOENT")) throw error;
    await mkdir(firstMissingFolder(folder)); // throws the real reason (EROFS, EACCES, …)
    throw error;
  }
}

/** {@link makeFolder} for the adapters that open synchronously (SQLite). */
export function makeFolderSync(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    if (!hasCode(error, "ENOENT")) throw error;
    mkdirSync(firstMissingFolder(folder));
    throw error;
  }
}

/** The outermost folder of `folder`'s path that does not exist. Only on the error path: sync is fine. */
function firstMissingFolder(folder: string): string {
  let missing = path.resolve(folder);
  while (path.dirname(missing) !== missing && !existsSync(path.dirname(missing))) {
    missing = path.dirname(missing);
  }
  return missing;
}

/**
 * Whether `error` is a Node system error with one of `codes` (`ENOENT`, …).
 * @example
 * if (hasCode(error, "ENOENT")) return undefined;
 */
export function hasCode(error: unknown, ...codes: string[]): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && codes.includes(code);
}
