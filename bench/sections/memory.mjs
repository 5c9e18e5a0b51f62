/**
 * 2. Memory bound: peak RSS of the ranged copy at the configuration defaults (8 MiB parts, 4 in flight),
 * uncapped, into the folder store, for growing files. It must not grow with the file.
 */
import { idleRss, measureCopy, PART_SIZE, simFile } from "../lib/copy.mjs";
import { fixed, GiB, MiB, size, table, target } from "../lib/format.mjs";

const CONCURRENCY = 4;

export async function memory(ctx) {
  const sizes = ctx.full ? [256 * MiB, GiB, 4 * GiB] : [256 * MiB, GiB];
  const destination = ctx.destinations.fs;
  await ctx.sim.call("setBandwidth", null);
  const idle = await idleRss(ctx, destination);
  const results = [];
  for (const bytes of sizes) {
    ctx.log(`memory: ranged copy of ${size(bytes)}`);
    const file = await simFile(ctx.sim, bytes);
    const result = await measureCopy(ctx, {
      file,
      method: "ranged",
      partConcurrency: CONCURRENCY,
      destination,
    });
    ctx.log(`  ${fixed(result.rssMiB, 0)} MiB RSS, ${fixed(result.mibps)} MiB/s`);
    results.push({ bytes, ...result });
  }
  const first = results[0];
  const last = results[results.length - 1];
  const rows = results.map((r) => [
    size(r.bytes),
    fixed(r.ms / 1000, 2),
    fixed(r.mibps),
    fixed(r.rssMiB, 0),
    `${r.rssMiB >= first.rssMiB ? "+" : ""}${fixed(r.rssMiB - first.rssMiB, 0)}`,
    fixed(r.otherCores, 2),
  ]);
  rows.push(["(idle worker)", "–", "–", fixed(idle, 0), "–", "–"]);
  const targets = [
    target(
      `peak RSS for ${size(last.bytes)} within 32 MiB of the peak for ${size(first.bytes)}${ctx.full ? "" : " (4 GiB only with --full)"}`,
      last.rssMiB - first.rssMiB <= 32,
      `${fixed(last.rssMiB - first.rssMiB, 0)} MiB apart`,
    ),
    target(
      "memory runs: peak RSS under 300 MiB",
      results.every((r) => r.rssMiB < 300),
      `highest ${fixed(Math.max(...results.map((r) => r.rssMiB)), 0)} MiB`,
    ),
  ];
  return {
    sections: [
      {
        heading: `ranged copy, ${PART_SIZE / MiB} MiB parts, ${CONCURRENCY} in flight, uncapped, folder store`,
        note: "one process per file; the object is deleted after each run",
        table: table(["file", "s", "MiB/s", "peak RSS MiB", "vs first", "other CPU, cores"], rows),
        results,
      },
    ],
    targets,
  };
}
