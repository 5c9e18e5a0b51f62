/**
 * 3. End to end: the built `zrec ingest` of a meeting with five files on the capped sim (folder store,
 * SQLite index, no notifier, configuration defaults otherwise), against the sum of the times one stream
 * per file (baseline A) takes for the same files.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { timeCommand } from "../lib/child.mjs";
import { measureCopy } from "../lib/copy.mjs";
import { watchOtherCpu } from "../lib/cpu.mjs";
import { fixed, MiB, size, table } from "../lib/format.mjs";
import { CAP } from "./throughput.mjs";

const ZREC = fileURLToPath(new URL("../../packages/cli/dist/zrec.cjs", import.meta.url));
const REPORT_RSS = new URL("../lib/report-rss.mjs", import.meta.url).href;

/** Five files of a long meeting with every view recorded; sizes in MiB, 1 GiB in all (--full). */
const FILES = [
  { fileType: "MP4", recordingType: "shared_screen_with_speaker_view", mib: 448 },
  { fileType: "MP4", recordingType: "gallery_view", mib: 320 },
  { fileType: "MP4", recordingType: "active_speaker", mib: 160 },
  { fileType: "M4A", recordingType: "audio_only", mib: 64 },
  { fileType: "MP4", recordingType: "shared_screen", mib: 32 },
];

export async function ingest(ctx) {
  const scale = ctx.full ? 1 : 1 / 8;
  const specs = FILES.map(({ mib, ...f }) => ({ ...f, size: mib * scale * MiB }));
  const total = specs.reduce((sum, f) => sum + f.size, 0);
  await ctx.sim.call("setBandwidth", CAP);
  const meeting = await ctx.sim.call("addMeeting", {
    topic: "FOLIO Benchmark meeting",
    startTime: "2024-07-04T17:02:30Z",
    durationMinutes: 180,
    files: specs,
  });

  const dir = path.join(ctx.workDir, "ingest");
  await mkdir(dir, { recursive: true });
  const { account, apiBaseUrl, oauthUrl } = ctx.sim.info;
  const config = {
    zoom: {
      accounts: { default: account },
      apiBaseUrl,
      oauthUrl,
      allowedDownloadHosts: ["127.0.0.1"],
    },
    storage: { type: "fs", root: "./zrec-data" },
    index: { type: "sqlite", path: "./zrec-data/index.db" },
    notify: { type: "none" },
  };
  await writeFile(path.join(dir, "zrec.config.json"), JSON.stringify(config));
  await writeFile(path.join(dir, "webhook.json"), JSON.stringify(meeting.event));

  ctx.log(`ingest: zrec ingest of 5 files, ${size(total)} in all, capped`);
  const rssFile = path.join(dir, "rss.json");
  const watch = await watchOtherCpu(ctx.services);
  const run = await timeCommand(
    process.execPath,
    ["--import", REPORT_RSS, ZREC, "ingest", "webhook.json", "--json", "--config", "zrec.config.json"],
    { cwd: dir, env: { BENCH_RSS_FILE: rssFile } },
  );
  if (run.code !== 0) throw new Error(`zrec ingest exited with ${run.code}: ${run.stderr.trim()}`);
  const result = JSON.parse(run.stdout);
  for (const file of meeting.files) {
    const stored = result.files.find(
      (f) => f.zoom_file_id === file.id || f.recording_type === file.recordingType,
    );
    const expected = await ctx.sim.call("expectedSha256", file.id);
    if (stored?.sha256 !== expected) throw new Error(`zrec ingest stored ${file.recordingType} wrongly`);
  }
  const usage = JSON.parse(await readFile(rssFile, "utf8"));
  const rssMiB = usage.maxRssKiB / 1024;
  const { otherCores } = await watch.stop(usage.cpuSeconds, run.ms / 1000);
  await rm(dir, { recursive: true, force: true });
  await ctx.sim.call("cdnBytes");
  ctx.log(`  ${fixed(run.ms / 1000, 2)} s, ${fixed(rssMiB, 0)} MiB RSS`);

  const singles = [];
  for (const file of meeting.files) {
    const sha256 = await ctx.sim.call("expectedSha256", file.id);
    const measured = await measureCopy(ctx, {
      file: { ...file, sha256 },
      method: "stream",
      destination: ctx.destinations.fs,
    });
    singles.push({ file, ...measured });
  }
  const sum = singles.reduce((s, r) => s + r.ms, 0);
  ctx.log(`  single streams: ${fixed(sum / 1000, 2)} s in all`);

  const rows = singles.map((r) => [
    `${r.file.recordingType} (${size(r.file.size)})`,
    fixed(r.ms / 1000, 2),
    fixed(r.mibps),
    fixed(r.otherCores, 2),
  ]);
  const sumOther = singles.reduce((s, r) => s + (r.otherCores ?? 0) * r.ms, 0) / sum;
  rows.push([
    "**sum of single streams**",
    fixed(sum / 1000, 2),
    fixed(total / MiB / (sum / 1000)),
    fixed(sumOther, 2),
  ]);
  rows.push([
    `**zrec ingest** (peak RSS ${fixed(rssMiB, 0)} MiB)`,
    fixed(run.ms / 1000, 2),
    fixed(total / MiB / (run.ms / 1000)),
    fixed(otherCores, 2),
  ]);
  return {
    sections: [
      {
        heading: `zrec ingest of 5 files, ${size(total)}, sim capped at ${CAP / MiB} MiB/s per connection`,
        note:
          "ingest: the built CLI in its own process (start-up, OAuth, metadata, 5 files at fileConcurrency 5 × " +
          "partConcurrency 4, documents, SQLite row); single streams: baseline A per file, one after the other, " +
          `folder store. Ratio ingest / sum of single streams: ${fixed(run.ms / sum, 3)} ` +
          `(${fixed(sum / run.ms, 1)}× faster)`,
        table: table(["", "s", "MiB/s", "other CPU, cores"], rows),
      },
    ],
    targets: [],
    data: { ingestMs: run.ms, singleStreamSumMs: sum, ratio: run.ms / sum, rssMiB },
  };
}
