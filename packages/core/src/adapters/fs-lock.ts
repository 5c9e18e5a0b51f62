/**
 * A lock file: one holder at a time among the processes of a machine (a `zrec ingest` of a recording, a
 * folder store's copy of a key). The file holds `{host, pid, nonce}` and is put in place whole with
 * link(2) from a private file, which fails when a lock is there: a reader never sees half of one.
 *
 * A lock whose holder is a process of this host that no longer runs (kill -9, a crash) is stale and is
 * taken over atomically. Deleting it by path after reading it (the earlier ingest lock) let the slower of
 * two processes delete the lock the faster had just taken, and both held it. Renaming it aside, reading
 * it back and linking it back when it was a live one still left a gap (the lock file absent while it was
 * read) in which a third process linked its own: 7 of 30 trials of 4 processes had two holders. So the
 * takeover is claimed instead: the one process that links the lock file to a name derived from the
 * stale lock's content (`{lock}.takeover-{hash}`; link(2) fails for every other) reads the claim back,
 * and when it is still that stale lock renames its own lock over it: the lock file is never absent, and
 * while it holds the stale lock only the claim's holder may replace it. Anyone who claimed later finds
 * a live lock in the claim and lets go. `held()` re-reads the file: a holder checks it before the step
 * that must not happen twice (a folder store's rename into place).
 */
import { createHash, randomBytes } from "node:crypto";
import { link, lstat, mkdir, readFile, rename, unlink, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { hasCode } from "./fs-write.js";
import { processRuns } from "./process-runs.js";

/** Who holds a lock. */
export interface LockHolder {
  host: string;
  pid: number;
}

export interface FileLock {
  /** The lock file's path. */
  readonly file: string;
  /** Reads the lock file again: whether it still holds this lock (false once taken over or released). */
  held(): Promise<boolean>;
  /** Removes the lock file, only when it still holds this lock; a second call does nothing. */
  release(): Promise<void>;
}

/** Either the lock, or the live holder that has it. */
export type LockAttempt = { lock: FileLock; holder?: undefined } | { lock?: undefined; holder: LockHolder };

export interface TryLockOptions {
  /**
   * Takes over a lock held by another FileLock of this very process, as if it were stale. For a caller
   * that never runs two holders of one lock at once in a process, so that a lock it dropped without
   * releasing it (an upload left neither completed nor aborted) does not shut it out until it exits.
   */
  reclaimOwn?: boolean;
}

interface LockContent extends LockHolder {
  nonce?: string;
}

const HOST = hostname();

/**
 * The nonces of the locks this process holds, shared by every copy of this module a process may load:
 * a lock of our pid with a nonce not in it was left by an earlier process that had the same pid (in a
 * container every run may be pid 1), so it is stale.
 */
const OURS: Set<string> = ourLocks();

function ourLocks(): Set<string> {
  const shared = globalThis as { [key: symbol]: Set<string> | undefined };
  const name = Symbol.for("zrec.fs-lock.held");
  const found = shared[name] ?? new Set<string>();
  shared[name] = found;
  return found;
}

/**
 * A lock not renewed for this long is stale whoever holds it. A holder renews it (its mtime) every
 * fifth of that while it lives; a lock of another host, or of a pid this host has since given to
 * another process (a reboot, a new container with the same volume and another hostname), is renewed
 * by nobody, and without the lease it would shut every later copy out for good (a second review).
 */
export const LOCK_LEASE_MS = 5 * 60_000;

/** Link attempts before giving up on a lock file that keeps vanishing (or is a dangling symbolic link). */
const MAX_ATTEMPTS = 100;

/**
 * Takes the lock file `file` if no live process holds it (taking over a stale one), without waiting.
 * Its folder is made when missing.
 * @example
 * const attempt = await tryLock(path.join(folder, "lock"));
 * if (!attempt.lock) throw new Error(`pid ${attempt.holder.pid} on ${attempt.holder.host} has it`);
 * try { ... if (!(await attempt.lock.held())) throw new Error("taken over"); ... }
 * finally { await attempt.lock.release(); }
 */
export async function tryLock(file: string, options: TryLockOptions = {}): Promise<LockAttempt> {
  const nonce = randomBytes(16).toString("hex");
  const text = JSON.stringify({ host: HOST, pid: process.pid, nonce } satisfies LockContent);
  const mine = privateName(file, nonce, "new");
  try {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; ) {
      if (await place(file, mine, text)) return { lock: heldLock(file, text, nonce) };
      const found = await readText(file);
      if (found !== undefined) {
        const holder = parse(found);
        if (holder && !stale(holder, options) && !(await leaseRanOut(file)))
          return { holder: { host: holder.host, pid: holder.pid } };
        // Ours no more: a release by a FileLock this process dropped must not remove what replaces it.
        if (holder?.nonce !== undefined && holder.pid === process.pid) OURS.delete(holder.nonce);
        const outcome = await takeOver(file, found, mine, text);
        if (outcome === "taken") return { lock: heldLock(file, text, nonce) };
        // Another process is taking the same stale lock over, in a few system calls: look again soon.
        if (outcome === "busy") {
          // Not 1 ms: a claim left by a process killed mid-takeover stands for CLAIM_TIMEOUT_MS.
          await sleep(20);
          continue;
        }
      }
      // Released or taken over while we looked: try again.
      attempt++;
    }
  } finally {
    await unlink(mine).catch(() => {});
  }
  throw new Error(`${file}: the lock file could neither be created nor read`);
}

/**
 * Puts our lock in place: false when a lock is there. A missing folder is made; the private file is
 * written again each time, since whoever clears the lock's folder may have removed it meanwhile.
 */
async function place(file: string, mine: string, text: string): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await writeFile(mine, text);
      await link(mine, file);
      return true;
    } catch (error) {
      if (hasCode(error, "EEXIST")) return false;
      if (!hasCode(error, "ENOENT") || attempt >= 5) throw error;
      await mkdir(path.dirname(file), { recursive: true });
    }
  }
}

/** Who holds the lock file `file` now; undefined when nobody does (or the file is damaged). */
export async function lockHolder(file: string): Promise<LockHolder | undefined> {
  const text = await readText(file).catch(() => undefined);
  const holder = text === undefined ? undefined : parse(text);
  return holder && { host: holder.host, pid: holder.pid };
}

/** A claim older than this was left by a process killed half-way through a takeover, and is removed. */
const CLAIM_TIMEOUT_MS = 10_000;

/**
 * Replaces the stale lock whose content is `judged` with ours (`mine`, holding `text`), and nothing else.
 * "taken": it is ours; "busy": another process has claimed the same stale lock; "gone": the lock file is
 * no longer that lock (released, or taken over by someone else), so the caller looks again.
 */
async function takeOver(
  file: string,
  judged: string,
  mine: string,
  text: string,
): Promise<"taken" | "busy" | "gone"> {
  const claim = `${file}.takeover-${createHash("sha256").update(judged).digest("hex").slice(0, 32)}`;
  try {
    await link(file, claim);
  } catch (error) {
    if (hasCode(error, "ENOENT")) return "gone";
    if (!hasCode(error, "EEXIST")) throw error;
    // Linking changes the inode's ctime: the age of the claim.
    const age = await lstat(claim).then(
      (info) => Date.now() - info.ctimeMs,
      () => 0,
    );
    if (age > CLAIM_TIMEOUT_MS) await unlink(claim).catch(() => {});
    return "busy";
  }
  try {
    // The claim is whatever the lock file was when it was linked: a live lock when someone was faster.
    if ((await readFile(claim, "utf8").catch(() => undefined)) !== judged) return "gone";
    // The lock file is still the stale lock, which only this claim's holder may replace now.
    await writeFile(mine, text);
    await rename(mine, file);
    return "taken";
  } finally {
    await unlink(claim).catch(() => {});
  }
}

function heldLock(file: string, text: string, nonce: string): FileLock {
  OURS.add(nonce);
  const held = async () => (await readText(file)) === text;
  // The lease: renewed while this process lives and the lock is its own (see LOCK_LEASE_MS).
  const renewal = setInterval(() => {
    void held()
      .then((ours) => (ours ? utimes(file, new Date(), new Date()) : clearInterval(renewal)))
      .catch(() => {});
  }, LOCK_LEASE_MS / 5);
  renewal.unref();
  return {
    file,
    held,
    async release() {
      clearInterval(renewal);
      // Not ours any more when this process has taken it over meanwhile (`reclaimOwn`).
      if (!OURS.has(nonce)) return;
      const ours = await held();
      if (!OURS.delete(nonce) || !ours) return;
      await unlink(file).catch((error: unknown) => {
        if (!hasCode(error, "ENOENT")) throw error;
      });
    },
  };
}

/**
 * Whether `holder` can no longer be holding the lock. A holder on another host counts as live (until
 * its lease runs out): a pid of another machine (sharing the folder over a network file system) cannot
 * be checked from here, and taking a live copy's lock would let two copies write one file.
 */
function stale(holder: LockContent, options: TryLockOptions): boolean {
  if (holder.host !== HOST) return false;
  if (holder.pid === process.pid) {
    return holder.nonce === undefined || !OURS.has(holder.nonce) || options.reclaimOwn === true;
  }
  return !processRuns(holder.pid);
}

/** Whether the lock file was last renewed more than LOCK_LEASE_MS ago. */
async function leaseRanOut(file: string): Promise<boolean> {
  const info = await lstat(file).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs > LOCK_LEASE_MS;
}

/** The lock's content, or undefined when there is none. */
async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if (hasCode(error, "ENOENT")) return undefined;
    throw error;
  }
}

/**
 * The holder a lock names; undefined for one that names none, which is taken over: a lock is put in
 * place whole, so such a file is damaged, and no process is waiting to release it.
 */
function parse(text: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<LockContent>;
    const { pid } = parsed;
    if (typeof parsed.host !== "string" || !Number.isSafeInteger(pid) || (pid as number) <= 0)
      return undefined;
    return {
      host: parsed.host,
      pid: pid as number,
      ...(typeof parsed.nonce === "string" ? { nonce: parsed.nonce } : {}),
    };
  } catch {
    return undefined;
  }
}

/** A file of this attempt's own beside the lock: `{lock}.{pid}.{nonce}.{what}`. */
function privateName(file: string, nonce: string, what: string): string {
  return `${file}.${process.pid}.${nonce}.${what}`;
}
