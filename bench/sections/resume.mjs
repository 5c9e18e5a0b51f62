/**
 * 7. Resumable copies (#16), with the built `zrec ingest` on the capped sim (folder store):
 * - a file killed with SIGKILL at 25%, 50% and 90% of the time a full copy takes, then ingested again:
 *   bytes the re-run fetched from the CDN and its time, against the full copy (target: at most the
 *   missing bytes plus partConcurrency x partSize);
 * - one 256 MiB file at 8 parts in flight, before and after planning the ranges from `file_size`: the
 *   same file ingested from an event without `file_size` (the copy learns the size from part 1 first, as
 *   before #16) and from the real event, in the same run (target: at least 0.8 x 8 x one connection);
 *   beside them, the floor: a process that only fetches the same 8 ranges and writes them to a file
 *   (lib/plain-ranged-copy.mjs), start-up and sync included. Each of the three runs 3 times, in turn,
 *   and the medians are compared (the machine's noise is larger than the differences).
 */
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { timeCommand } from "../lib/child.mjs";
import { fixed, GiB, MiB, size, table, target } from "../lib/format.mjs";
import { CAP } from "./throughput.mjs";

const ZREC = fileURLToPath(new URL("../../packages/cli/dist/zrec.cjs", import.meta.url));
const PLAIN_COPY = fileURLToPath(new URL("../lib/plain-ranged-copy.mjs", import.meta.url));
const PART_MIB = 8;
const CONCURRENCY = 4;
/** Runs of each kind in the planned-ranges comparison; the median decides. */
const ROUNDS = 3;

/** Bytes the checkpoint in `dir`'s folder store lists as stored (0 without one). */
async function checkpointed(dir) {
  const parts = path.join(dir, "zrec-data", ".zrec-tmp", "resume");
  for (const folder of await readdir(parts).catch(() => [])) {
    const text = await readFile(path.join(parts, folder, "checkpoint.json"), "utf8").catch(() => "");
    if (text) return JSON.parse(text).parts.reduce((sum, part) => sum + part.size, 0);
  }
  return 0;
}

export async function resume(ctx) {
  const fileSize = ctx.full ? GiB : 256 * MiB;
  await ctx.sim.call("setBandwidth", CAP);
  const ingestIn = async (name, event, ingest) => {
    const dir = path.join(ctx.workDir, `resume-${name}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const { account, apiBaseUrl, oauthUrl } = ctx.sim.info;
    const config = {
      zoom: { accounts: { default: account }, apiBaseUrl, oauthUrl, allowedDownloadHosts: ["127.0.0.1"] },
      notify: { type: "none" },
      ingest,
    };
    await writeFile(path.join(dir, "zrec.config.json"), JSON.stringify(config));
    await writeFile(path.join(dir, "webhook.json"), JSON.stringify(event));
    return dir;
  };
  const run = async (dir) => {
    await ctx.sim.call("cdnBytes");
    const result = await timeCommand(process.execPath, [ZREC, "ingest", "webhook.json", "--json"], {
      cwd: dir,
    });
    if (result.code !== 0) throw new Error(`zrec ingest exited with ${result.code}: ${result.stderr.trim()}`);
    return { ms: result.ms, bytes: await ctx.sim.call("cdnBytes"), stderr: result.stderr };
  };
  const killedAt = (dir, ms) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [ZREC, "ingest", "webhook.json", "--json"], {
        cwd: dir,
        stdio: "ignore",
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), ms);
      child.on("error", reject);
      child.on("exit", (_code, signal) => {
        clearTimeout(timer);
        resolve(signal === "SIGKILL");
      });
    });

  // Killed and resumed.
  const ingest = { partSizeMiB: PART_MIB, partConcurrency: CONCURRENCY };
  const meeting = await ctx.sim.call("addMeeting", {
    topic: "FOLIO Resume benchmark",
    startTime: "2024-07-04T17:02:30Z",
    durationMinutes: 180,
    files: [{ fileType: "MP4", recordingType: "shared_screen_with_speaker_view", size: fileSize }],
  });
  ctx.log(`resume: ${size(fileSize)}, full copy, then killed at 25/50/90% and run again`);
  const full = await run(await ingestIn("full", meeting.event, ingest));
  const rows = [["full copy", "–", fixed(full.ms / 1000, 2), size(full.bytes), "–"]];
  const targets = [];
  const allowance = CONCURRENCY * PART_MIB * MiB;
  for (const fraction of [0.25, 0.5, 0.9]) {
    const dir = await ingestIn(`kill-${fraction}`, meeting.event, ingest);
    await ctx.sim.call("cdnBytes");
    const killed = await killedAt(dir, fraction * full.ms);
    await ctx.sim.call("cdnBytes");
    const stored = await checkpointed(dir);
    const again = await run(dir);
    const resumedFrom = /resumed .* at (.*) of /.exec(again.stderr)?.[1] ?? "0 B (started over)";
    rows.push([
      `killed at ${fraction * 100}%${killed ? "" : " (ended first)"}`,
      resumedFrom,
      fixed(again.ms / 1000, 2),
      size(again.bytes),
      fixed(again.ms / full.ms, 2),
    ]);
    // Missing: what the kill left without a checkpointed part (bytes the CDN sent may still have been
    // in socket buffers or in the copy's part buffers).
    const missing = fileSize - stored;
    // A copy that ended before its kill, or was killed before a part was stored, tests nothing here.
    if (killed && stored > 0) {
      targets.push(
        target(
          `resume after a kill at ${fraction * 100}%: re-run fetches ≤ missing + ${CONCURRENCY} × ${PART_MIB} MiB`,
          again.bytes <= missing + allowance,
          `${size(again.bytes)} fetched, ${size(missing)} missing`,
        ),
      );
    }
    await rm(dir, { recursive: true, force: true });
  }

  // Planned from file_size against learnt from part 1.
  const planSize = 256 * MiB;
  const planned = await ctx.sim.call("addMeeting", {
    topic: "FOLIO Planning benchmark",
    startTime: "2024-07-04T17:02:30Z",
    durationMinutes: 60,
    files: [{ fileType: "MP4", recordingType: "shared_screen_with_speaker_view", size: planSize }],
  });
  const withoutSize = structuredClone(planned.event);
  for (const file of withoutSize.payload.object.recording_files) delete file.file_size;
  const eight = { partSizeMiB: PART_MIB, partConcurrency: 8 };
  ctx.log(
    `resume: 256 MiB at 8 parts, size learnt from part 1 against planned from file_size, ${ROUNDS} rounds`,
  );
  // The same bytes fetched and written by a process that does nothing else: what the machine costs.
  const [planFile] = planned.files;
  const plainOut = path.join(ctx.workDir, "plain-ranged-copy.bin");
  const plainRun = async () => {
    await ctx.sim.call("cdnBytes");
    const result = await timeCommand(process.execPath, [
      PLAIN_COPY,
      planFile.downloadUrl,
      planFile.downloadToken,
      String(planSize),
      String(PART_MIB * MiB),
      "8",
      plainOut,
    ]);
    await rm(plainOut, { force: true });
    if (result.code !== 0)
      throw new Error(`the plain ranged copy exited with ${result.code}: ${result.stderr.trim()}`);
    return result;
  };
  // Each kind runs ROUNDS times, in turn, each zrec run into a fresh archive: this machine's runs of one
  // build differ by up to 0.2 s from one minute to the next, so one run each decided a target by noise.
  const runs = { learnt: [], planned: [], plain: [] };
  for (let round = 0; round < ROUNDS; round++) {
    runs.learnt.push(await run(await ingestIn(`learnt-${round}`, withoutSize, eight)));
    runs.planned.push(await run(await ingestIn(`planned-${round}`, planned.event, eight)));
    runs.plain.push(await plainRun());
    for (const name of ["learnt", "planned"]) {
      await rm(path.join(ctx.workDir, `resume-${name}-${round}`), { recursive: true, force: true });
    }
  }
  const median = (list) => [...list].sort((a, b) => a.ms - b.ms)[Math.floor(list.length / 2)];
  const learnt = median(runs.learnt);
  const plannedRun = median(runs.planned);
  const plain = median(runs.plain);
  const rate = (r) => planSize / MiB / (r.ms / 1000);
  const ideal = (8 * CAP) / MiB;
  const spread = (list) => {
    const seconds = list.map((r) => r.ms / 1000).sort((a, b) => a - b);
    return `${fixed(seconds[0], 2)}-${fixed(seconds.at(-1), 2)}`;
  };
  targets.push(
    target(
      "zrec ingest of 256 MiB at 8 parts, planned from file_size ≥ 0.8 × 8 × one capped connection",
      rate(plannedRun) >= 0.8 * ideal,
      `${fixed(rate(plannedRun) / ideal, 2)}, the median of ${ROUNDS} runs (learnt from part 1: ${fixed(rate(learnt) / ideal, 2)}; a plain loop that only fetches and writes: ${fixed(rate(plain) / ideal, 2)})`,
    ),
  );
  await rm(path.join(ctx.workDir, "resume-full"), { recursive: true, force: true });
  return {
    sections: [
      {
        heading: `${size(fileSize)} killed with SIGKILL, then \`zrec ingest\` again (part ${PART_MIB} MiB, ${CONCURRENCY} in flight, ${CAP / MiB} MiB/s per connection)`,
        note: "kill moment: that fraction of the full copy's wall time; bytes: CDN body bytes of that run",
        table: table(["run", "resumed at", "s", "fetched", "time / full copy"], rows),
      },
      {
        heading: `zrec ingest of one 256 MiB file at 8 parts in flight, ${CAP / MiB} MiB/s per connection`,
        note: `the median of ${ROUNDS} runs of each, taken in turn; s: that run, and the fastest and slowest`,
        table: table(
          ["size from", "s", "s (all runs)", "MiB/s", "× (8 × one connection)"],
          [
            [
              "part 1's Content-Range (no file_size)",
              fixed(learnt.ms / 1000, 2),
              spread(runs.learnt),
              fixed(rate(learnt)),
              fixed(rate(learnt) / ideal, 2),
            ],
            [
              "the event's file_size (planned)",
              fixed(plannedRun.ms / 1000, 2),
              spread(runs.planned),
              fixed(rate(plannedRun)),
              fixed(rate(plannedRun) / ideal, 2),
            ],
            [
              "a plain loop: fetch the 8 ranges, write them to a file, sync (no zrec)",
              fixed(plain.ms / 1000, 2),
              spread(runs.plain),
              fixed(rate(plain)),
              fixed(rate(plain) / ideal, 2),
            ],
          ],
        ),
      },
    ],
    targets,
    data: {
      full,
      learntMs: runs.learnt.map((r) => r.ms),
      plannedMs: runs.planned.map((r) => r.ms),
      plainMs: runs.plain.map((r) => r.ms),
    },
  };
}
