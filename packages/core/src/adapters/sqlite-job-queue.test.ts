import { spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describeJobQueue, inTempFolder, newJob } from "@zrec/test-utils/conformance";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JobQueue } from "../jobs/types.js";
import { createSqliteIndex } from "./sqlite-index.js";
import { createSqliteJobQueue } from "./sqlite-job-queue.js";

const T0 = Date.parse("2025-03-01T12:00:00Z");

describeJobQueue("SQLite", () =>
  inTempFolder((folder) => {
    const handles: JobQueue[] = [];
    const openQueue = () => {
      const handle = createSqliteJobQueue({ path: path.join(folder, "queue.db") });
      handles.push(handle);
      return handle;
    };
    return {
      queue: openQueue(),
      another: openQueue,
      close: async () => {
        for (const handle of handles) handle.close();
      },
    };
  }),
);

let dir: string;
let file: string;
let queue: JobQueue;
const opened: JobQueue[] = [];
const open = () => {
  const q = createSqliteJobQueue({ path: file });
  opened.push(q);
  return q;
};

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "zrec-jobs-"));
  file = path.join(dir, "nested", "queue.db");
  queue = open();
});
afterEach(async () => {
  for (const q of opened.splice(0)) q.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the SQLite job queue", () => {
  it("never gives one job to two processes claiming at the same time", async () => {
    for (let n = 1; n <= 60; n++) queue.enqueue(newJob(n), T0);
    const script = fileURLToPath(new URL("./sqlite-job-queue.claimer.test-support.ts", import.meta.url));
    const startAt = String(Date.now() + 1_500);
    const runs = await Promise.all([1, 2, 3, 4].map((n) => claimInChild(script, [file, `p${n}`, startAt])));
    const all = runs.flat();
    expect(all).toHaveLength(60);
    expect(new Set(all).size).toBe(60);
    expect(runs.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
  }, 30_000);

  it("shares a file with the SQLite index, and creates a file of its own readable by its owner only", async () => {
    const shared = path.join(dir, "index.db");
    const index = createSqliteIndex({ path: shared });
    const jobs = createSqliteJobQueue({ path: shared });
    opened.push(jobs);
    jobs.enqueue(newJob(1), T0);
    expect(await index.list()).toEqual([]);
    await index.close?.();
    expect(jobs.list()).toHaveLength(1);
    if (process.platform !== "win32") expect((await stat(file)).mode & 0o077).toBe(0);
  });
});

/** Runs a process that claims until the queue is empty and prints the ids it got. */
function claimInChild(script: string, args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`claimer exited ${code}`)),
    );
  });
}
