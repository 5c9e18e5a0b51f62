/**
 * The lock file of fs-lock.ts: taking, waiting, stale holders, release, and a real race of processes
 * all taking over the same stale lock at once.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { link, mkdir, mkdtemp, readdir, readFile, rm, unlink, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { CopyInProgress } from "../errors.js";
import { type FileLock, LOCK_LEASE_MS, tryLock } from "./fs-lock.js";
import { createFsStore, FS_RESUME_DIR, FS_TEMP_DIR } from "./fs-store.js";

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function lockFile(): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), "zrec-lock-"));
  folders.push(folder);
  return path.join(folder, "x.lock");
}

/** The pid of a process that ran and has exited: a holder killed with -9 looks like this. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ["-e", ""]);
  if (pid === undefined) throw new Error("no child process ran");
  return pid;
}

async function taken(file: string): Promise<FileLock> {
  const { lock, holder } = await tryLock(file);
  if (!lock) throw new Error(`held by pid ${holder.pid}`);
  return lock;
}

describe("tryLock", () => {
  it("takes a free lock, writing host, pid and a nonce, and the folder when missing", async () => {
    const file = path.join(path.dirname(await lockFile()), "made", "on", "demand.lock");
    const lock = await taken(file);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({
      host: hostname(),
      pid: process.pid,
      nonce: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(await lock.held()).toBe(true);
    // No private file is left beside it.
    expect(await readdir(path.dirname(file))).toEqual(["demand.lock"]);
    await lock.release();
    expect(await readdir(path.dirname(file))).toEqual([]);
    expect(await lock.held()).toBe(false);
  });

  it("answers the live holder, and leaves its lock alone, even when it is this very process", async () => {
    const file = await lockFile();
    const first = await taken(file);
    const before = await readFile(file, "utf8");
    expect(await tryLock(file)).toEqual({ holder: { host: hostname(), pid: process.pid } });
    expect(await readFile(file, "utf8")).toBe(before);
    await first.release();
    const second = await taken(file);
    expect(await second.held()).toBe(true);
    await second.release();
  });

  it("waits for a live process of this host, old lock format included", async () => {
    const file = await lockFile();
    await writeFile(file, JSON.stringify({ host: hostname(), pid: process.ppid }));
    expect(await tryLock(file)).toEqual({ holder: { host: hostname(), pid: process.ppid } });
  });

  it("counts a holder on another host as live: its pid cannot be checked from here", async () => {
    const file = await lockFile();
    const other = JSON.stringify({ host: `not-${hostname()}`, pid: deadPid(), nonce: "n" });
    await writeFile(file, other);
    const attempt = await tryLock(file);
    expect(attempt.holder?.host).toBe(`not-${hostname()}`);
    expect(await readFile(file, "utf8")).toBe(other);
  });

  it("takes over a lock nobody renewed for its lease: another host's, or a pid this host gave to another process", async () => {
    const stale = new Date(Date.now() - LOCK_LEASE_MS - 60_000);
    for (const holder of [
      { host: `not-${hostname()}`, pid: 4242, nonce: "n" },
      // A running process (our parent) that is not the lock's: the pid was reused after a reboot.
      { host: hostname(), pid: process.ppid, nonce: "n" },
    ]) {
      const file = await lockFile();
      await writeFile(file, JSON.stringify(holder));
      expect((await tryLock(file)).holder).toBeDefined();
      await utimes(file, stale, stale);
      const lock = await taken(file);
      expect(JSON.parse(await readFile(file, "utf8")).pid).toBe(process.pid);
      await lock.release();
    }
  });

  it.each([
    ["a dead process of this host", () => JSON.stringify({ host: hostname(), pid: deadPid(), nonce: "n" })],
    ["an earlier process that had this pid", () => JSON.stringify({ host: hostname(), pid: process.pid })],
    ["nobody (a damaged file)", () => "{not json"],
    ["pid 0", () => JSON.stringify({ host: hostname(), pid: 0 })],
  ])("takes over a lock held by %s", async (_, content) => {
    const file = await lockFile();
    await writeFile(file, content());
    const lock = await taken(file);
    expect(JSON.parse(await readFile(file, "utf8")).pid).toBe(process.pid);
    expect(await readdir(path.dirname(file))).toEqual(["x.lock"]);
    await lock.release();
  });

  it("leaves a stale lock another process has claimed to take over, and takes it once the claim goes", async () => {
    const file = await lockFile();
    const stale = JSON.stringify({ host: hostname(), pid: deadPid(), nonce: "n" });
    await writeFile(file, stale);
    const claim = `${file}.takeover-${createHash("sha256").update(stale).digest("hex").slice(0, 32)}`;
    await link(file, claim);
    let settled = false;
    const attempt = tryLock(file).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    expect(await readFile(file, "utf8")).toBe(stale);
    await unlink(claim);
    const { lock } = await attempt;
    expect(await lock?.held()).toBe(true);
    await lock?.release();
  });

  it("release() leaves a lock that is no longer ours, and held() says so", async () => {
    const file = await lockFile();
    const lock = await taken(file);
    const theirs = JSON.stringify({ host: hostname(), pid: process.ppid, nonce: "theirs" });
    await writeFile(file, theirs);
    expect(await lock.held()).toBe(false);
    await lock.release();
    expect(await readFile(file, "utf8")).toBe(theirs);
  });

  it("with reclaimOwn takes over a lock this process dropped; the dropped one is no longer held", async () => {
    const file = await lockFile();
    const dropped = await taken(file);
    const { lock } = await tryLock(file, { reclaimOwn: true });
    expect(lock).toBeDefined();
    expect(await dropped.held()).toBe(false);
    await dropped.release();
    expect(await lock?.held()).toBe(true);
    await lock?.release();
    expect(await readdir(path.dirname(file))).toEqual([]);
  });
});

/**
 * What a holder does in the race below, in a process of its own: at each "go <trial> <at>" line it takes
 * the lock (polling while a live process has it), appends "enter" to the log (O_APPEND: one line per
 * write), holds it a moment, appends "leave" (or "robbed" when held() says the lock was taken from it),
 * releases it and says "done <trial>".
 */
const HOLDER = `
const { appendFileSync } = await import("node:fs");
const { createInterface } = await import("node:readline");
const { tryLock } = await import(process.env.LOCK_MODULE);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const { LOCK_FILE: file, LOCK_LOG: log } = process.env;
process.stdout.write("ready -1\\n");
for await (const line of createInterface({ input: process.stdin })) {
  const [, trial, at] = line.split(" ");
  await sleep(Number(at) - Date.now());
  let attempt;
  while (!(attempt = await tryLock(file)).lock) await sleep(1);
  appendFileSync(log, "enter " + process.pid + "\\n");
  await sleep(2);
  const still = await attempt.lock.held();
  appendFileSync(log, (still ? "leave " : "robbed ") + process.pid + "\\n");
  await attempt.lock.release();
  process.stdout.write("done " + trial + "\\n");
}
`;

describe("tryLock across processes", () => {
  it("4 processes taking over the same stale lock at once, 20 times: never two holders at once", async () => {
    const file = await lockFile();
    const log = path.join(path.dirname(file), "log");
    const PROCESSES = 4;
    const TRIALS = 20;
    const env = {
      ...process.env,
      LOCK_MODULE: new URL("./fs-lock.ts", import.meta.url).href,
      LOCK_FILE: file,
      LOCK_LOG: log,
    };
    const cwd = path.dirname(fileURLToPath(import.meta.url));
    const children = Array.from({ length: PROCESSES }, () =>
      spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", HOLDER], {
        cwd,
        env,
        stdio: ["pipe", "pipe", "inherit"],
      }),
    );
    // Each process says "ready -1" once it has loaded the lock module, then "done <trial>" per trial.
    const done: number[] = [];
    let progressed: () => void = () => {};
    for (const child of children) {
      createInterface({ input: child.stdout }).on("line", (line) => {
        done.push(Number(line.split(" ")[1]));
        progressed();
      });
    }
    const exited = children.map((child) => new Promise((resolve) => child.on("exit", resolve)));
    const reported = async (trial: number) => {
      while (done.filter((t) => t === trial).length < PROCESSES) {
        await new Promise<void>((resolve) => {
          progressed = resolve;
        });
      }
    };
    try {
      await reported(-1);
      const dead = deadPid();
      for (let trial = 0; trial < TRIALS; trial++) {
        // A lock left by a process killed with -9, which every holder finds at once, 20 ms from now.
        await writeFile(file, JSON.stringify({ host: hostname(), pid: dead, nonce: `dead-${trial}` }));
        const at = Date.now() + 20;
        for (const child of children) child.stdin.write(`go ${trial} ${at}\n`);
        await reported(trial);
      }
    } finally {
      for (const child of children) child.stdin.end();
      await Promise.all(exited);
    }
    const lines = (await readFile(log, "utf8")).trim().split("\n");
    expect(lines).toHaveLength(2 * PROCESSES * TRIALS);
    const overlaps: string[] = [];
    let inside: string | undefined;
    for (const [i, line] of lines.entries()) {
      const [what, pid] = line.split(" ");
      if (what === "enter") {
        if (inside !== undefined) overlaps.push(`line ${i + 1}: pid ${pid} entered while ${inside} held it`);
        inside = pid;
      } else if (pid === inside) inside = undefined;
    }
    expect(overlaps).toEqual([]);
    expect(lines.filter((line) => line.startsWith("robbed"))).toEqual([]);
    // Every lock was released and every private file removed.
    expect((await readdir(path.dirname(file))).sort()).toEqual(["log"]);
  }, 30_000);
});

describe("a folder store's part folder lock (fs-multipart.ts)", () => {
  const KEY = "0a7203ad-04ac-45d8-bd6d-6a778f226c65/shared_screen.mp4";
  const BYTES = Buffer.from("0123456789");
  const options = { contentType: "video/mp4", partSize: 4, size: BYTES.length, resumeId: "file-1:10" };

  async function store() {
    const root = path.dirname(await lockFile());
    const parts = path.join(root, FS_TEMP_DIR, FS_RESUME_DIR);
    const folder = path.join(parts, createHash("sha256").update(KEY).digest("hex").slice(0, 40));
    return { root, parts, folder, store: createFsStore({ root }) };
  }
  /** The lock of another live process of this host (this test's parent), as it would have written it. */
  const live = JSON.stringify({ host: hostname(), pid: process.ppid, nonce: "live" });

  it("makes a second copy of the key fail with CopyInProgress and leaves the first one's folder alone", async () => {
    const { folder, store: fs } = await store();
    const first = await fs.createMultipartUpload(KEY, options);
    await first.uploadPart({ partNumber: 1, offset: 0, body: BYTES.subarray(0, 4) });
    const before = await snapshotOf(folder);
    // The lock of this process is one it dropped (see lockPartFolder): another process's is not.
    await writeFile(path.join(folder, "lock"), live);
    const refused = await fs.createMultipartUpload(KEY, options).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CopyInProgress);
    expect((refused as CopyInProgress).code).toBe("COPY_IN_PROGRESS");
    expect((refused as Error).message).toBe(
      `another zrec process (pid ${process.ppid} on ${hostname()}) is copying ${KEY}; run again when it has finished.`,
    );
    expect(await snapshotOf(folder)).toEqual({ ...before, lock: live });
  });

  it("refuses to complete an upload whose folder was taken over, and leaves its files to the new holder", async () => {
    const { root, folder, store: fs } = await store();
    const upload = await fs.createMultipartUpload(KEY, options);
    for (const [i, offset] of [0, 4, 8].entries()) {
      await upload.uploadPart({ partNumber: i + 1, offset, body: BYTES.subarray(offset, offset + 4) });
    }
    await writeFile(path.join(folder, "lock"), live);
    const refused = await upload.complete().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CopyInProgress);
    expect(await readFile(path.join(root, KEY)).catch(() => "not there")).toBe("not there");
    expect((await readdir(folder)).sort()).toEqual(["checkpoint.json", "data", "lock"]);
    expect(await readFile(path.join(folder, "lock"), "utf8")).toBe(live);
  });

  it("is released when the copy completes or aborts: no part folder is left", async () => {
    const { root, parts, store: fs } = await store();
    const aborted = await fs.createMultipartUpload(KEY, options);
    await aborted.uploadPart({ partNumber: 1, offset: 0, body: BYTES.subarray(0, 4) });
    await aborted.abort();
    expect(await readdir(parts).catch(() => [])).toEqual([]);
    const upload = await fs.createMultipartUpload(KEY, options);
    for (const [i, offset] of [0, 4, 8].entries()) {
      await upload.uploadPart({ partNumber: i + 1, offset, body: BYTES.subarray(offset, offset + 4) });
    }
    await upload.complete();
    expect(await readFile(path.join(root, KEY))).toEqual(BYTES);
    expect(await readdir(parts).catch(() => [])).toEqual([]);
  });

  it("keeps the clean-up of abandoned part folders away from one a live process holds", async () => {
    const { root, parts } = await store();
    const old = new Date(Date.now() - 30 * 24 * 60 * 60 * 1000);
    for (const [name, holder] of [
      ["held", live],
      ["dead", JSON.stringify({ host: hostname(), pid: deadPid(), nonce: "dead" })],
    ] as const) {
      await mkdir(path.join(parts, name), { recursive: true });
      await writeFile(path.join(parts, name, "checkpoint.json"), "{}");
      await writeFile(path.join(parts, name, "lock"), holder);
      await utimes(path.join(parts, name), old, old);
    }
    await createFsStore({ root, abandonedAfterDays: 7 }).put("x/y.json", "{}", {
      contentType: "application/json",
    });
    expect(await readdir(parts)).toEqual(["held"]);
    expect((await readdir(path.join(parts, "held"))).sort()).toEqual(["checkpoint.json", "lock"]);
  });
});

async function snapshotOf(folder: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const name of await readdir(folder)) result[name] = await readFile(path.join(folder, name), "utf8");
  return result;
}
