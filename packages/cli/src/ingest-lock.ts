/**
 * One `zrec ingest` of a recording at a time on this machine. Two at once would both copy every file and
 * both announce it (the outbox drops the second line, but Zoom would get two trash calls). The second
 * waits for the first and then finds everything stored. `zrec serve` needs no lock (its queue runs one
 * job per recording), nor Step Functions (one execution name per recording).
 *
 * The lock is a file holding host and pid, put in place whole with link(2) (which fails when it exists),
 * so a reader never sees it half-written and one left by a killed process is recognised and taken over.
 */
import { link, mkdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";

export interface IngestLock {
  release(): Promise<void>;
}

interface Holder {
  host: string;
  pid: number;
}

/**
 * Takes the lock for `recordingId` in `folder`, waiting while another live process holds it.
 * `onWait` is called once, when it has to wait. `signal` stops the wait (Ctrl+C).
 * @example
 * const lock = await lockRecording(dir, id, { onWait: (pid) => warn(`waiting for pid ${pid}`) });
 * try { await runIngest(event, deps); } finally { await lock.release(); }
 */
export async function lockRecording(
  folder: string,
  recordingId: string,
  options: { onWait?: (holder: Holder) => void; signal?: AbortSignal; pollMs?: number } = {},
): Promise<IngestLock> {
  const file = path.join(folder, `${recordingId}.lock`);
  const me: Holder = { host: hostname(), pid: process.pid };
  const mine = `${file}.${me.pid}`;
  // The folder is removed when the last lock goes (nothing is left behind), so it may vanish in between.
  await retryingMissingFolder(folder, () => writeFile(mine, JSON.stringify(me)));
  let waited = false;
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      try {
        await retryingMissingFolder(folder, () => link(mine, file));
        return {
          release: async () => {
            await rm(file, { force: true });
            await rmdir(folder).catch(() => {});
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = await holderOf(file);
      if (holder === "gone") continue;
      if (holder === undefined || (holder.host === me.host && !running(holder.pid))) {
        // Left by a process that died: nobody is ingesting, take it over.
        await rm(file, { force: true });
        continue;
      }
      if (!waited) options.onWait?.(holder);
      waited = true;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
    }
  } finally {
    await rm(mine, { force: true });
  }
}

async function retryingMissingFolder(folder: string, write: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 5) throw error;
      await mkdir(folder, { recursive: true });
    }
  }
}

/** Who holds the lock; "gone" when it was released while we looked; undefined when unreadable. */
async function holderOf(file: string): Promise<Holder | "gone" | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as Partial<Holder>;
    return typeof parsed.host === "string" && typeof parsed.pid === "number"
      ? { host: parsed.host, pid: parsed.pid }
      : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    return undefined;
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
