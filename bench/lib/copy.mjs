/** Parent side of a copy measurement: one file on the sim, one forked copy-worker per run. */
import { runWorker } from "./child.mjs";
import { watchOtherCpu } from "./cpu.mjs";
import { MiB, median } from "./format.mjs";

const WORKER = new URL("./copy-worker.mjs", import.meta.url);
export const PART_SIZE = 8 * MiB;

/** Adds a meeting with one MP4 of `bytes` to the sim; resolves with what a copy needs to fetch it. */
export async function simFile(sim, bytes) {
  const meeting = await sim.call("addMeeting", {
    topic: "Benchmark meeting",
    startTime: "2024-07-04T17:00:00Z",
    durationMinutes: 60,
    files: [{ fileType: "MP4", size: bytes }],
  });
  const [file] = meeting.files;
  return { ...file, sha256: await sim.call("expectedSha256", file.id) };
}

/**
 * Copies `file` once, in a fresh process; resolves with the time, MiB/s and peak RSS. Throws when the
 * copy stored the wrong bytes or the CDN served more than the file (a part fetched twice).
 */
export async function copyOnce(ctx, { file, method, partConcurrency, destination }) {
  const spec = {
    method,
    url: file.downloadUrl,
    token: file.downloadToken,
    size: file.size,
    sha256: file.sha256,
    partSize: PART_SIZE,
    partConcurrency,
    destination,
    tempDir: ctx.tempDir,
  };
  const watch = await watchOtherCpu(ctx.services);
  const started = performance.now();
  const result = await runWorker(WORKER, [JSON.stringify(spec)], { env: destination.env ?? {} });
  const { otherCores, cores } = await watch.stop(result.cpuSeconds, (performance.now() - started) / 1000);
  const served = await ctx.sim.call("cdnBytes");
  const expected = method === "store-only" ? 0 : file.size;
  if (served !== expected)
    result.problems.push(`the CDN served ${served} bytes for a ${file.size}-byte file`);
  if (result.problems.length) throw new Error(`${method} copy: ${result.problems.join("; ")}`);
  return {
    ms: result.ms,
    mibps: file.size / MiB / (result.ms / 1000),
    rssMiB: result.maxRssKiB / 1024,
    otherCores,
    cores,
    completeMs: result.completeMs,
  };
}

/** The median time (and its MiB/s) and the highest peak RSS of several runs of one method. */
export function summarize(runs, bytes) {
  const ms = median(runs.map((r) => r.ms));
  return {
    ms,
    mibps: bytes / MiB / (ms / 1000),
    rssMiB: Math.max(...runs.map((r) => r.rssMiB)),
    otherCores: Math.max(...runs.map((r) => r.otherCores ?? 0)),
    machineCores: Math.max(...runs.map((r) => r.cores?.machine ?? 0)),
    completeMs: runs.some((r) => r.completeMs !== undefined)
      ? median(runs.map((r) => r.completeMs ?? 0))
      : undefined,
    repeats: runs.length,
  };
}

/** Copies `file` `repeats` times in a row; see {@link copyOnce} and {@link summarize}. */
export async function measureCopy(ctx, { repeats = 1, ...options }) {
  const runs = [];
  for (let i = 0; i < repeats; i++) runs.push(await copyOnce(ctx, options));
  return summarize(runs, options.file.size);
}

/** Measures the floor: a worker that loads the same modules and copies nothing. */
export async function idleRss(ctx, destination) {
  const result = await runWorker(
    WORKER,
    [JSON.stringify({ method: "idle", destination, tempDir: ctx.tempDir })],
    {
      env: destination.env ?? {},
    },
  );
  return result.maxRssKiB / 1024;
}
