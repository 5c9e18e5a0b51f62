/**
 * The folders the embedded backends (folder store, SQLite index, outbox) live in: whether a path exists,
 * whether a folder could be created, and creating one. `zrec setup` creates them; `zrec doctor` only asks.
 */
import { constants } from "node:fs";
import { access, mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { BackendError, type ErrorCode, messageOf } from "../errors.js";

/**
 * @example
 * if (!(await pathExists("/srv/zrec-data"))) console.log("not created yet");
 */
export async function pathExists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? false : Promise.reject(error)),
  );
}

/**
 * That `folder` is writable, or, while it does not exist yet, that its nearest existing parent is, so the
 * first write can create it. `what` names the file to come, when the check is for one.
 * @returns the finding in words, for `zrec doctor`.
 * @example
 * await creatable("/srv/zrec-data"); // "folder /srv/zrec-data is writable"
 */
export async function creatable(folder: string, what?: string): Promise<string> {
  let dir = folder;
  while (!(await pathExists(dir))) {
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (!(await stat(dir)).isDirectory()) throw new Error(`${dir} is a file, not a folder`);
  await access(dir, constants.W_OK).catch(() => {
    throw new Error(`folder ${dir} is not writable`);
  });
  const missing = what ?? folder;
  return dir === folder && what === undefined
    ? `folder ${folder} is writable`
    : `${missing} does not exist yet (zrec setup creates it; ${dir} is writable)`;
}

/**
 * Creates `folder` and its parents.
 * @throws BackendError with `code` naming the folder.
 * @example
 * await setUpFolder("/srv/zrec-data", ErrorCode.STORE_FAILED); // "created" the first time, then "exists"
 */
export async function setUpFolder(folder: string, code: ErrorCode): Promise<"created" | "exists"> {
  try {
    // mkdir tells whether it made anything: the first folder it created, or undefined.
    return (await mkdir(folder, { recursive: true })) === undefined ? "exists" : "created";
  } catch (error) {
    throw new BackendError(code, `Folder ${folder} could not be created: ${messageOf(error)}.`, {
      cause: error,
    });
  }
}
